import { streamAcceptsSubscriber, streamReaderId } from '../../../lambdas/core/stream-status';

describe('stream subscribers', () => {
  const stream = { createdAt: '2024-12-01T00:00:00.000Z', credentials: [{ clientId: 'ps-a' }] };

  it('accepts the stream client ids and the reader id of this incarnation', () => {
    // Act + Assess
    expect(streamAcceptsSubscriber(stream, 'ps-a')).toBe(true);
    expect(streamAcceptsSubscriber(stream, streamReaderId(stream))).toBe(true);
  });

  it('refuses another client id and the reader id of an earlier stream of the same name', () => {
    // Prepare
    const earlier = streamReaderId({ createdAt: '2024-11-01T00:00:00.000Z' });
    // Act + Assess
    expect(streamAcceptsSubscriber(stream, 'ps-b')).toBe(false);
    expect(streamAcceptsSubscriber(stream, earlier)).toBe(false);
  });

  it('gives reader ids that can never be a client id (ps-…)', () => {
    // Act + Assess
    expect(streamReaderId(stream)).toBe('reader:2024-12-01T00:00:00.000Z');
    expect(streamReaderId(stream).startsWith('ps-')).toBe(false);
  });
});
