import { CachedLoader } from './cached-loader';

/**
 * Wraps an async builder so that it runs once per process and every caller shares its result; a failed
 * build is forgotten, so the next call tries again (a cold start should not pin a transient error).
 */
export function onceSucceeded<T>(build: () => Promise<T>): () => Promise<T> {
  const loader = new CachedLoader<0, T>({ capacity: 1 });
  return () => loader.get(0, build);
}
