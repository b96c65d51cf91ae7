import {
  isReaderOfSessions,
  streamAcceptsSubscriber,
  streamReaderId,
} from '../../../lambdas/core/stream-status';

describe('stream subscribers', () => {
  const stream = { createdAt: '2024-12-01T00:00:00.000Z', credentials: [{ clientId: 'ps-a' }] };

  it('accepts the stream client ids and the reader id of this incarnation', () => {
    // Act + Assess
    expect(streamAcceptsSubscriber(stream, 'ps-a')).toBe(true);
    expect(streamAcceptsSubscriber(stream, streamReaderId(stream, 'session-1'))).toBe(true);
  });

  it('refuses another client id and the reader id of an earlier stream of the same name', () => {
    // Prepare
    const earlier = streamReaderId({ createdAt: '2024-11-01T00:00:00.000Z' }, 'session-1');
    // Act + Assess
    expect(streamAcceptsSubscriber(stream, 'ps-b')).toBe(false);
    expect(streamAcceptsSubscriber(stream, earlier)).toBe(false);
  });

  it('refuses a reader id without a session (stored before reader ids named one: nothing could end it)', () => {
    // Act + Assess
    expect(streamAcceptsSubscriber(stream, 'reader:2024-12-01T00:00:00.000Z')).toBe(false);
    expect(streamAcceptsSubscriber(stream, 'reader:2024-12-01T00:00:00.000Z:')).toBe(false);
  });

  it('refuses a credential once it has expired', () => {
    // Prepare
    const temporary = {
      ...stream,
      credentials: [{ clientId: 'ps-t', expiresAt: '2025-01-01T12:00:00.000Z' }],
    };
    const before = Date.parse('2025-01-01T11:59:59.999Z');
    const after = Date.parse('2025-01-01T12:00:00.000Z');
    // Act + Assess
    expect(streamAcceptsSubscriber(temporary, 'ps-t', before)).toBe(true);
    expect(streamAcceptsSubscriber(temporary, 'ps-t', after)).toBe(false);
  });

  it('gives reader ids that can never be a client id (ps-…), one per incarnation and session', () => {
    // Act + Assess
    expect(streamReaderId(stream, 'session-1')).toBe('reader:2024-12-01T00:00:00.000Z:session-1');
    expect(streamReaderId(stream, 'session-1').startsWith('ps-')).toBe(false);
    expect(streamReaderId(stream, 'session-2')).not.toBe(streamReaderId(stream, 'session-1'));
  });

  it('tells the reader ids of given sessions from others and from client ids', () => {
    // Prepare
    const sessions = new Set(['session-1']);
    // Act + Assess
    expect(isReaderOfSessions(streamReaderId(stream, 'session-1'), sessions)).toBe(true);
    expect(
      isReaderOfSessions(streamReaderId({ createdAt: '2020-01-01T00:00:00Z' }, 'session-1'), sessions),
    ).toBe(true);
    expect(isReaderOfSessions(streamReaderId(stream, 'session-2'), sessions)).toBe(false);
    expect(isReaderOfSessions('ps-session-1', sessions)).toBe(false);
  });
});
