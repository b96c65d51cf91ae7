import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { hashPassword } from '../../../lambdas/core/passwords';
import { bodyOf, type ControlPlaneEnv, httpEvent, startControlPlaneEnv } from './control-plane-env';

/** Teammates on the real accounts table (dynalite): membership items, sessions ended on removal, lists per account. */
let env: ControlPlaneEnv;
let api: ReturnType<ControlPlaneEnv['management']>;

beforeAll(async () => {
  env = await startControlPlaneEnv();
  api = env.management();
});
afterAll(async () => {
  await env.close();
});

const email = () => `user-${randomUUID()}@example.com`;
const PASSWORD = 'a long enough password';

async function loggedIn(address: string): Promise<string> {
  const res = await api(
    httpEvent({ method: 'POST', path: '/v1/auth/login', body: { email: address, password: PASSWORD } }),
  );
  expect(res.statusCode).toBe(200);
  return bodyOf(res).accessToken as string;
}

async function signedUp(): Promise<{ email: string; accountId: string; token: string }> {
  const address = email();
  const res = await api(
    httpEvent({ method: 'POST', path: '/v1/accounts', body: { email: address, password: PASSWORD } }),
  );
  return { email: address, accountId: bodyOf(res).accountId as string, token: await loggedIn(address) };
}

describe('teammates on the accounts table', () => {
  it('adds, lists and removes users of one account, apart from other accounts', async () => {
    // Prepare
    const ann = await signedUp();
    const other = await signedUp();
    const bob = email();
    // Act
    const added = await api(
      httpEvent({
        method: 'POST',
        path: '/v1/users',
        token: ann.token,
        body: { email: bob, password: PASSWORD },
      }),
    );
    const bobToken = await loggedIn(bob);
    const listed = await api(httpEvent({ method: 'GET', path: '/v1/users', token: bobToken }));
    const removed = await api(httpEvent({ method: 'DELETE', path: `/v1/users/${bob}`, token: ann.token }));
    const afterRemoval = await api(httpEvent({ method: 'GET', path: '/v1/users', token: bobToken }));
    const listedByAnn = await api(httpEvent({ method: 'GET', path: '/v1/users', token: ann.token }));
    // Assess
    expect(added.statusCode).toBe(201);
    expect(bodyOf(added).accountId).toBe(ann.accountId);
    expect((bodyOf(listed).users as { email: string }[]).map((u) => u.email).sort()).toEqual(
      [ann.email, bob].sort(),
    );
    expect(removed.statusCode).toBe(204);
    expect(afterRemoval.statusCode).toBe(401);
    expect((bodyOf(listedByAnn).users as { email: string }[]).map((u) => u.email)).toEqual([ann.email]);
    // Nothing of the removed user is left: no login, no marker, no session.
    const leftUnderEmail = await env.doc.send(
      new QueryCommand({
        TableName: env.tables.accounts,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `email#${bob}` },
        ConsistentRead: true,
      }),
    );
    expect(leftUnderEmail.Items).toEqual([]);
    expect(await env.sessions.revokeAll(bob)).toEqual([]);
    expect(await env.accounts.getByEmail(other.email)).toMatchObject({ accountId: other.accountId });
  });

  it("does not remove another account's user", async () => {
    // Prepare
    const ann = await signedUp();
    const carol = await signedUp();
    // Act
    const res = await api(
      httpEvent({ method: 'DELETE', path: `/v1/users/${carol.email}`, token: ann.token }),
    );
    // Assess
    expect(res.statusCode).toBe(404);
    expect((await env.accounts.getByEmail(carol.email))?.accountId).toBe(carol.accountId);
  });
});

describe('users from before teammates on the accounts table', () => {
  it('are listed from their first login on, once', async () => {
    // Prepare
    const address = email();
    const accountId = randomUUID();
    await env.doc.send(
      new PutCommand({
        TableName: env.tables.accounts,
        // A login as sign-up wrote it before teammates: no membership item, no `listed`.
        Item: {
          pk: `email#${address}`,
          sk: 'account',
          accountId,
          email: address,
          passwordHash: await hashPassword(PASSWORD),
          createdAt: '2024-01-01T00:00:00.000Z',
        },
      }),
    );
    const before = await env.accounts.listUsers(accountId);
    // Act
    const token = await loggedIn(address);
    await loggedIn(address);
    const listed = await api(httpEvent({ method: 'GET', path: '/v1/users', token }));
    // Assess
    expect(before).toEqual([]);
    expect(bodyOf(listed).users).toEqual([{ email: address, createdAt: '2024-01-01T00:00:00.000Z' }]);
    expect((await env.accounts.getByEmail(address))?.listed).toBe(true);
  });

  it('are not listed when removed while the backfill runs', async () => {
    // Prepare
    const address = email();
    const accountId = randomUUID();
    const user = { accountId, email: address, passwordHash: 'x', createdAt: '2024-01-01T00:00:00.000Z' };
    // Act: the login is gone by the time the backfill marks it.
    await env.accounts.backfillMembership(user);
    // Assess
    expect(await env.accounts.listUsers(accountId)).toEqual([]);
  });
});
