import * as fs from 'node:fs';
import { type SavedLogin, writeSavedLogin } from '../../../cli/user-session';
import { localContextDir, tempConfigDir } from './run-cli';
import { ScriptedApi } from './scripted-api';

/** What a CLI test runs against; the fields are this test's (set anew before each). */
export interface ScriptedCli {
  /** A scripted API on 127.0.0.1:0, started before each test and closed after it. */
  api: ScriptedApi;
  apiUrl: string;
  /** The test's own config directory (STRM_CONFIG_PATH), removed after it. */
  dir: string;
  /** The CLI's whole environment: STRM_CONFIG_PATH, STRM_API_URL and the `env` given. */
  env: NodeJS.ProcessEnv;
}

/**
 * Registers the `beforeEach`/`afterEach` of a CLI test against a scripted API in the calling scope (file
 * or describe): a fresh API, config directory and environment per test, and with `signedIn` the login
 * `strm auth login` would have saved. Scripting routes is the test's (`cli.api.on`), before or after start.
 */
export function scriptedCli(
  options: { signedIn?: boolean; login?: Partial<SavedLogin>; env?: NodeJS.ProcessEnv } = {},
): ScriptedCli {
  const cli = {} as ScriptedCli;
  beforeEach(async () => {
    cli.api = new ScriptedApi();
    cli.apiUrl = await cli.api.start();
    cli.dir = tempConfigDir();
    cli.env = { STRM_CONFIG_PATH: cli.dir, STRM_API_URL: cli.apiUrl, ...options.env };
    if (options.signedIn) signIn(cli, options.login);
  });
  afterEach(async () => {
    await cli.api.close();
    fs.rmSync(cli.dir, { recursive: true, force: true });
  });
  return cli;
}

/** Saves the login of you@example.com (account acc-1) for the test's API, valid for an hour unless overridden. */
export function signIn(cli: ScriptedCli, login: Partial<SavedLogin> = {}): void {
  writeSavedLogin(localContextDir(cli.dir), {
    email: 'you@example.com',
    accountId: 'acc-1',
    apiUrl: cli.apiUrl,
    accessToken: 'user-access',
    refreshToken: 'user-refresh',
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    ...login,
  });
}
