import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StreamCredentials, StreamRecord } from './api-client';
import { CliError } from './cli-error';
import { ensurePrivateDir, readJsonIfExists, writePrivateFile } from './config';

/**
 * What `create stream --save` (and `create credentials --save`) store in a context's directory: the
 * stream, its one-time credentials and the API they were created at.
 */
export interface SavedStream {
  stream: StreamRecord;
  credentials: StreamCredentials;
  /** The API URL the credentials were issued by (absent in files of older CLI versions). */
  apiUrl?: string;
}

/** Names that are safe as a file name (no path separators, no leading dot). */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;

/** `<context dir>/saved-entities/Stream`. */
export function savedStreamsDir(dir: string): string {
  return path.join(dir, 'saved-entities', 'Stream');
}

export function savedStreamPath(dir: string, name: string): string {
  if (!SAFE_NAME.test(name)) throw new Error(`Stream name '${name}' cannot be used as a file name`);
  return path.join(savedStreamsDir(dir), `${name}.json`);
}

/** Writes `<context dir>/saved-entities/Stream/<name>.json` (file 0600, directories 0700); returns its path. */
export function saveStream(dir: string, saved: SavedStream): string {
  const file = savedStreamPath(dir, saved.stream.name);
  ensurePrivateDir(path.dirname(file));
  writePrivateFile(file, `${JSON.stringify(saved, null, 2)}\n`);
  return file;
}

/** The saved stream, or undefined when there is no file for it. */
export function loadSavedStream(dir: string, name: string): SavedStream | undefined {
  const file = savedStreamPath(dir, name);
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

/**
 * Refuses to replace the saved credentials of a stream that were issued by another API (another stack
 * reached with --api-url or STRM_API_URL): that would silently break the other stack's simulator.
 */
export function assertSaveKeepsOtherStacks(dir: string, name: string, apiUrl: string, context: string): void {
  let existing: SavedStream | undefined;
  try {
    existing = loadSavedStream(dir, name);
  } catch {
    return;
  }
  if (existing?.apiUrl === undefined || existing.apiUrl === apiUrl) return;
  throw new CliError(
    `Context ${context} already holds saved credentials of stream ${name} from ${existing.apiUrl}, ` +
      `and this command talks to ${apiUrl}. Give each stack its own context, so both keep working: ` +
      `strm context add <name> --api-url ${apiUrl}, then strm --context <name> …`,
  );
}

/** Removes the saved file of a stream; true when there was one. */
export function deleteSavedStream(dir: string, name: string): boolean {
  if (!SAFE_NAME.test(name)) return false;
  try {
    fs.unlinkSync(savedStreamPath(dir, name));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
