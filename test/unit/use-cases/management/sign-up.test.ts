import { signUp } from '../../../../lambdas/use-cases/management/sign-up';
import { InMemoryAccountsRepo } from '../../../support/fakes/in-memory-accounts-repo';
import { recordingLogger } from '../../../support/recording-logger';

const NOW = Date.parse('2025-01-01T12:00:00.000Z');

function ports(signupMode: 'open' | 'bootstrap') {
  return {
    accounts: new InMemoryAccountsRepo(),
    signupMode,
    bootstrapSecret: async () => 'the-secret',
    now: () => NOW,
    audit: recordingLogger().logger,
  };
}

const request = (email: string) => ({
  email,
  password: 'a long enough password',
  bootstrapSecret: 'the-secret',
});

describe('signUp', () => {
  it('open: creates the account without the first-account claim', async () => {
    // Prepare
    const p = ports('open');
    // Act
    const account = await signUp(p, request('ada@example.com'));
    // Assess
    expect(account).toEqual({ accountId: expect.any(String), email: 'ada@example.com' });
    expect(p.accounts.calls).toMatchObject({ create: 1 });
    expect(p.accounts.calls.createFirst).toBeUndefined();
  });

  it('bootstrap: of concurrent first sign-ups with the right secret exactly one succeeds', async () => {
    // Prepare
    const p = ports('bootstrap');
    // Act
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((name) => signUp(p, request(`${name}@example.com`))),
    );
    // Assess
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected', 'rejected']);
    const refusals = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(refusals.map((e) => e.code)).toEqual(['signup_closed', 'signup_closed']);
    expect(p.accounts.accounts.size).toBe(1);
  });
});
