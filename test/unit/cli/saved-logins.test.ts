import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listSavedLogins, type SavedLogin, writeSavedLogin } from '../../../cli/user-session';

/** `listSavedLogins`: the logins `writeSavedLogin` left in a context directory, one per API host. */
function contextDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'strm-saved-logins-'));
}

function savedLogin(overrides: Partial<SavedLogin> = {}): SavedLogin {
  return {
    email: 'ann@example.com',
    accountId: 'acc-1',
    apiUrl: 'https://api.example.com',
    accessToken: 'access',
    refreshToken: 'refresh',
    expiresAt: 1_700_000_000,
    ...overrides,
  };
}

describe('listSavedLogins', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists every login saved in the directory, one per API host', () => {
    // Prepare
    const dir = contextDir();
    dirs.push(dir);
    writeSavedLogin(dir, savedLogin());
    writeSavedLogin(dir, savedLogin({ apiUrl: 'http://127.0.0.1:4000', refreshToken: 'local' }));
    // Act
    const logins = listSavedLogins(dir);
    // Assess
    expect(logins.map((login) => login.refreshToken).sort()).toEqual(['local', 'refresh']);
  });

  it('skips other files and saved logins without a refresh token', () => {
    // Prepare
    const dir = contextDir();
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ apiUrl: 'x', refreshToken: 'y' }));
    fs.writeFileSync(path.join(dir, 'credentials-broken.json'), JSON.stringify({ apiUrl: 'x' }));
    // Act
    const logins = listSavedLogins(dir);
    // Assess
    expect(logins).toEqual([]);
  });

  it('has none in a directory that does not exist', () => {
    // Act
    const logins = listSavedLogins(path.join(os.tmpdir(), 'strm-no-such-context-dir-x'));
    // Assess
    expect(logins).toEqual([]);
  });
});
