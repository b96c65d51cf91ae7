import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { type ApiClient, ApiError, type LoginResult } from './api-client';
import { ensurePrivateDir, readJsonIfExists, userCredentialsPath, writePrivateFile } from './config';

/** The login tokens saved by `strm auth login` in `<context dir>/credentials-<host>.json` (0600). */
export interface SavedLogin {
  email: string;
  accountId: string;
  apiUrl: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch seconds. */
  expiresAt: number;
  /** The account's billing id (absent in logins saved before billing ids existed). */
  billingId?: string;
}

/** Refresh this long before the access token expires, so a call never races the expiry. */
const REFRESH_MARGIN_S = 30;

export class NotLoggedInError extends Error {
  constructor(message = 'Not logged in: run strm auth login <email> first') {
    super(message);
    this.name = 'NotLoggedInError';
  }
}

export function toSavedLogin(apiUrl: string, login: LoginResult): SavedLogin {
  return {
    email: login.email,
    accountId: login.accountId,
    apiUrl,
    accessToken: login.accessToken,
    refreshToken: login.refreshToken,
    expiresAt: login.expiresAt,
    ...(login.billingId === undefined ? {} : { billingId: login.billingId }),
  };
}

export function readSavedLogin(dir: string, apiUrl: string): SavedLogin | undefined {
  const file = userCredentialsPath(dir, apiUrl);
  const parsed = readJsonIfExists(file) as Partial<SavedLogin> | undefined;
  if (parsed === undefined) return undefined;
  if (typeof parsed.accessToken !== 'string' || typeof parsed.refreshToken !== 'string') return undefined;
  return parsed as SavedLogin;
}

/** A saved login as far as ending it needs: its API and refresh token. */
export type SavedLoginRef = Pick<SavedLogin, 'email' | 'apiUrl' | 'refreshToken'>;

/**
 * Every login saved in a context directory, one per API host (the `credentials-<host>.json` files
 * `userCredentialsPath` names); files without an API URL and refresh token are skipped, a missing
 * directory has none.
 */
export function listSavedLogins(dir: string): SavedLoginRef[] {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((file) => /^credentials-.*\.json$/.test(file));
  } catch {
    return [];
  }
  return files.flatMap((file) => {
    const login = readJsonIfExists(path.join(dir, file)) as Record<string, unknown> | undefined;
    const ok = typeof login?.apiUrl === 'string' && typeof login.refreshToken === 'string';
    return ok ? [login as SavedLoginRef] : [];
  });
}

export function writeSavedLogin(dir: string, login: SavedLogin): string {
  const file = userCredentialsPath(dir, login.apiUrl);
  ensurePrivateDir(path.dirname(file));
  writePrivateFile(file, `${JSON.stringify(login, null, 2)}\n`);
  return file;
}

export function deleteSavedLogin(dir: string, apiUrl: string): boolean {
  try {
    fs.unlinkSync(userCredentialsPath(dir, apiUrl));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Runs `fn` while holding the lock of a login file, so that two strm processes never refresh the same
 * login at once: the server rotates refresh tokens, and a second use of a used-up one would end the
 * whole session. A lock left by a crashed process is taken over after 10 s.
 */
async function withLoginLock<T>(dir: string, apiUrl: string, fn: () => Promise<T>): Promise<T> {
  const file = userCredentialsPath(dir, apiUrl);
  ensurePrivateDir(dir);
  const release = await lockfile.lock(file, {
    realpath: false,
    stale: 10_000,
    retries: { retries: 100, factor: 1, minTimeout: 50, maxTimeout: 100 },
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * Hands out a valid user access token: refreshes it through `POST /v1/auth/refresh` when it is (about to
 * be) expired or the API rejects it, and saves the new tokens (the refresh token rotates).
 */
export class UserSession {
  constructor(
    private readonly api: ApiClient,
    private readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs an authenticated call; on a 401 it refreshes the login once and retries. */
  async call<T>(fn: (token: string) => Promise<T>): Promise<T> {
    const login = await this.current();
    try {
      return await fn(login.accessToken);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      const refreshed = await this.refresh(login);
      return fn(refreshed.accessToken);
    }
  }

  /** The saved login (undefined when there is none). */
  saved(): SavedLogin | undefined {
    return readSavedLogin(this.dir, this.api.apiUrl);
  }

  private async current(): Promise<SavedLogin> {
    const login = this.saved();
    if (!login) throw new NotLoggedInError();
    if (this.isFresh(login)) return login;
    return this.refresh(login);
  }

  private isFresh(login: SavedLogin): boolean {
    return login.expiresAt - REFRESH_MARGIN_S > this.now() / 1000;
  }

  private refresh(stale: SavedLogin): Promise<SavedLogin> {
    return withLoginLock(this.dir, this.api.apiUrl, async () => {
      // Another strm process may have refreshed while this one waited for the lock: use its tokens.
      const latest = this.saved();
      if (latest && latest.refreshToken !== stale.refreshToken && this.isFresh(latest)) return latest;
      const login = latest ?? stale;
      let result: LoginResult;
      try {
        result = await this.api.refreshLogin(login.refreshToken);
      } catch (error) {
        if (error instanceof ApiError && (error.status === 400 || error.status === 401)) {
          throw new NotLoggedInError(`Your login has expired: run strm auth login ${login.email}`);
        }
        throw error;
      }
      const saved = toSavedLogin(this.api.apiUrl, result);
      writeSavedLogin(this.dir, saved);
      return saved;
    });
  }
}
