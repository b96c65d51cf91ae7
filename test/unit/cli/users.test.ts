import { runStrm } from './run-cli';
import { scriptedCli } from './scripted-cli';

const cli = scriptedCli({ signedIn: true });

describe('teammates: strm create|list|delete user', () => {
  it('adds a user with the password from STRM_NEW_PASSWORD and says how they log in', async () => {
    // Prepare
    cli.api.on('POST /v1/users', { status: 201, body: { accountId: 'acc-1', email: 'bob@example.com' } });
    // Act
    const result = await runStrm(['create', 'user', 'bob@example.com'], {
      env: { ...cli.env, STRM_NEW_PASSWORD: 'bobs long password' },
    });
    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(cli.api.requestsTo('POST /v1/users')[0].body)).toEqual({
      email: 'bob@example.com',
      password: 'bobs long password',
    });
    expect(cli.api.requestsTo('POST /v1/users')[0].headers.authorization).toBe('Bearer user-access');
    expect(result.stdout).toContain('They log in with: strm auth login bob@example.com');
  });

  it('lists the users of the account as a table', async () => {
    // Prepare
    cli.api.on('GET /v1/users', {
      status: 200,
      body: { users: [{ email: 'bob@example.com', createdAt: '2025-01-01T00:00:00.000Z' }] },
    });
    // Act
    const result = await runStrm(['list', 'users'], { env: cli.env });
    // Assess
    expect(result.stdout).toBe('EMAIL            CREATED AT\nbob@example.com  2025-01-01T00:00:00.000Z\n');
  });

  it('removes a user by email', async () => {
    // Prepare
    cli.api.on('DELETE /v1/users/bob%40example.com', { status: 204 });
    // Act
    const result = await runStrm(['delete', 'user', 'bob@example.com'], { env: cli.env });
    // Assess
    expect(result).toMatchObject({ code: 0, stdout: 'Removed bob@example.com from your account.\n' });
  });

  it('explains that you cannot remove yourself', async () => {
    // Prepare
    cli.api.on('DELETE /v1/users/you%40example.com', {
      status: 409,
      body: { error: { code: 'cannot_remove_self', message: 'you cannot remove yourself' } },
    });
    // Act
    const result = await runStrm(['delete', 'user', 'you@example.com'], { env: cli.env });
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: You cannot remove yourself; another user of the account can/);
  });
});
