import type { ConnectionRecord } from '../../../lambdas/aws/connections-repo';
import { streamReaderId } from '../../../lambdas/core/stream-status';
import { admissionBy } from '../../../lambdas/use-cases/subscriber-admission';
import { InMemoryStreamsRepo } from '../../support/fakes/in-memory-streams-repo';
import { streamRecord } from '../../support/stream-records';

/** Egress admission of the console's read-only subscribers (stored under the stream's reader id). */

const subscriber = (connectionId: string, clientId: string): ConnectionRecord => ({
  connectionId,
  accountId: 'account-1',
  streamName: 'winston',
  clientId,
  connectedAt: 0,
  expiresAt: 0,
});

describe('egress admission of read-only subscribers', () => {
  it('admits the reader of this incarnation of the stream', async () => {
    // Prepare
    const streams = new InMemoryStreamsRepo();
    const stream = streamRecord({ name: 'winston', accountId: 'account-1' });
    streams.put(stream);
    // Act
    const admission = admissionBy(await streams.get('account-1', 'winston'), [
      subscriber('c1', streamReaderId(stream, 'session-1')),
    ]);
    // Assess
    expect(admission.admitted.map((s) => s.connectionId)).toEqual(['c1']);
  });

  it('refuses the reader of an earlier stream of the same name, and any reader once the stream is disabled', async () => {
    // Prepare
    const streams = new InMemoryStreamsRepo();
    const stream = streamRecord({
      name: 'winston',
      accountId: 'account-1',
      createdAt: '2025-02-01T00:00:00.000Z',
    });
    streams.put(stream);
    const earlier = subscriber('old', streamReaderId({ createdAt: '2025-01-01T00:00:00.000Z' }, 'session-1'));
    // Act
    const recreated = admissionBy(await streams.get('account-1', 'winston'), [earlier]);
    streams.put({ ...stream, enabled: false });
    const disabled = admissionBy(await streams.get('account-1', 'winston'), [
      subscriber('c1', streamReaderId(stream, 'session-1')),
    ]);
    // Assess
    expect(recreated.refused.map((s) => s.connectionId)).toEqual(['old']);
    expect(disabled.refused.map((s) => s.connectionId)).toEqual(['c1']);
  });
});
