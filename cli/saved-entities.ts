import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StreamCredentials, StreamRecord } from './api-client';
import { ensurePrivateDir, readJsonIfExists, writePrivateFile } from './config';

/** What `create stream --save` stores: the created stream and its one-time credentials. */
export interface SavedStream {
  stream: StreamRecord;
  credentials: StreamCredentials;
}

/** Names that are safe as a file name (no path separators, no leading dot). */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;

export function savedStreamsDir(configDir: string): string {
  return path.join(configDir, 'saved-entities', 'Stream');
}

export function savedStreamPath(configDir: string, name: string): string {
  if (!SAFE_NAME.test(name)) throw new Error(`Stream name '${name}' cannot be used as a file name`);
  return path.join(savedStreamsDir(configDir), `${name}.json`);
}

/** Writes `<config>/saved-entities/Stream/<name>.json` (file 0600, directories 0700); returns its path. */
export function saveStream(configDir: string, saved: SavedStream): string {
  const file = savedStreamPath(configDir, saved.stream.name);
  ensurePrivateDir(path.dirname(file));
  writePrivateFile(file, `${JSON.stringify(saved, null, 2)}\n`);
  return file;
}

/** The saved stream, or undefined when there is no file for it. */
export function loadSavedStream(configDir: string, name: string): SavedStream | undefined {
  const file = savedStreamPath(configDir, name);
  const parsed = readJsonIfExists(file) as Partial<SavedStream> | undefined;
  if (parsed === undefined) return undefined;
  const credentials = parsed.credentials;
  if (
    typeof parsed.stream?.name !== 'string' ||
    typeof credentials?.clientId !== 'string' ||
    typeof credentials.clientSecret !== 'string'
  ) {
    throw new Error(`${file} is not a saved stream (expected stream and credentials.clientId/clientSecret)`);
  }
  return parsed as SavedStream;
}

/** Removes the saved file of a stream; true when there was one. */
export function deleteSavedStream(configDir: string, name: string): boolean {
  if (!SAFE_NAME.test(name)) return false;
  try {
    fs.unlinkSync(savedStreamPath(configDir, name));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
