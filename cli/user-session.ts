import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ApiClient, ApiError, type LoginResult } from './api-client';
import { ensurePrivateDir, readJsonIfExists, userCredentialsPath, writePrivateFile } from './config';

/** The login tokens saved by `strm auth login` in `<config>/credentials-<host>.json` (0600). */
export interface SavedLogin {
  email: string;
  accountId: string;
  apiUrl: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch seconds. */
  expiresAt: number;
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
  };
}

export function readSavedLogin(configDir: string, apiUrl: string): SavedLogin | undefined {
  const file = userCredentialsPath(configDir, apiUrl);
  const parsed = readJsonIfExists(file) as Partial<SavedLogin> | undefined;
  if (parsed === undefined) return undefined;
  if (typeof parsed.accessToken !== 'string' || typeof parsed.refreshToken !== 'string') return undefined;
  return parsed as SavedLogin;
}

export function writeSavedLogin(configDir: string, login: SavedLogin): string {
  const file = userCredentialsPath(configDir, login.apiUrl);
  ensurePrivateDir(path.dirname(file));
  writePrivateFile(file, `${JSON.stringify(login, null, 2)}\n`);
  return file;
}

export function deleteSavedLogin(configDir: string, apiUrl: string): boolean {
  try {
    fs.unlinkSync(userCredentialsPath(configDir, apiUrl));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Hands out a valid user access token: refreshes it through `POST /v1/auth/refresh` when it is (about to
 * be) expired or the API rejects it, and saves the new tokens.
 */
export class UserSession {
  constructor(
    private readonly api: ApiClient,
    private readonly configDir: string,
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

  private async current(): Promise<SavedLogin> {
    const login = readSavedLogin(this.configDir, this.api.apiUrl);
    if (!login) throw new NotLoggedInError();
    if (login.expiresAt - REFRESH_MARGIN_S > this.now() / 1000) return login;
    return this.refresh(login);
  }

  private async refresh(login: SavedLogin): Promise<SavedLogin> {
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
    writeSavedLogin(this.configDir, saved);
    return saved;
  }
}
