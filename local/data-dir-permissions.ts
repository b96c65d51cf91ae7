import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/**
 * The data directory holds the accounts table (password hashes), the KMS root key, key links and derived
 * events: it and everything in it are owner-only. `secureDataDir` creates it 0700 or, when it exists
 * already (made by an older version, by hand, or restored from a backup), sets every directory in it to
 * 0700 and every file to 0600. Symbolic links are not followed.
 */
export function secureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  restrict(dataDir);
}

function restrict(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
    for (const entry of readdirSync(path)) restrict(join(path, entry));
  } else if ((stat.mode & 0o777 & ~0o600) !== 0) {
    chmodSync(path, stat.mode & 0o600);
  }
}

/**
 * While the stack runs, files and directories its stores create get no group or other permissions (umask
 * 077), whatever the launcher's umask. Returns the function that restores the previous umask. The umask
 * belongs to the process, so worker threads (which cannot set it) are left alone.
 */
export function ownerOnlyFiles(): () => void {
  if (!isMainThread) return () => undefined;
  const previous = process.umask(0o077);
  return () => {
    process.umask(previous);
  };
}
