import { management } from '../../../console/src/api/management';
import type { Session } from '../../../console/src/api/session';
import { temporaryCredentialSeconds } from '../../../console/src/live/test-events';

/** The test producer's temporary credential expires by itself, so a tab closed mid-run leaves none behind. */
describe('the console test producer temporary credential', () => {
  it('is asked for with expiresInSeconds', async () => {
    // Prepare
    const calls: unknown[][] = [];
    const session = {
      call: async (...args: unknown[]) => {
        calls.push(args);
        return { credentials: { clientId: 'ps-t', clientSecret: 's' } };
      },
    } as unknown as Session;
    // Act
    await management.createTemporaryCredential(session, 'win ston', 630);
    // Assess
    expect(calls).toEqual([
      ['POST', '/v1/streams/win%20ston/credentials', { body: { expiresInSeconds: 630 } }],
    ]);
  });

  it('lives as long as the run plus ten minutes', () => {
    // Act + Assess
    expect(temporaryCredentialSeconds(20, 150)).toBe(603);
    expect(temporaryCredentialSeconds(1000, 150)).toBe(750);
  });
});
