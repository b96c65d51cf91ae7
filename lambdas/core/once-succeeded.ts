/**
 * Wraps an async builder so that it runs once per process and every caller shares its result; a failed
 * build is forgotten, so the next call tries again (a cold start should not pin a transient error).
 */
export function onceSucceeded<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (!pending) {
      const attempt = build();
      pending = attempt;
      attempt.catch(() => {
        if (pending === attempt) pending = undefined;
      });
    }
    return pending;
  };
}
