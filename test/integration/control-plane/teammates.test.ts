import { randomUUID } from 'node:crypto';
import { bodyOf, type ControlPlaneEnv, httpEvent, startControlPlaneEnv } from './control-plane-env';

/** Teammates on the real accounts table (dynalite): membership items, removal markers, lists per account. */
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
    expect(await env.accounts.isRemoved(other.accountId, bob)).toBe(false);
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
