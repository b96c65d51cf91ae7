import { isStreamActive, streamAcceptsClient } from '../../../lambdas/core/stream-status';

describe('stream status', () => {
  it('treats only a stream stored with enabled: true as active', () => {
    // Act + Assess
    expect(isStreamActive({ enabled: true })).toBe(true);
    expect(isStreamActive({ enabled: false })).toBe(false);
    expect(isStreamActive({} as { enabled: boolean })).toBe(false);
    expect(isStreamActive(undefined)).toBe(false);
  });

  it('accepts exactly the client ids that are current credentials of the stream', () => {
    // Prepare
    const stream = { credentials: [{ clientId: 'a' }, { clientId: 'b' }] };
    // Act + Assess
    expect(streamAcceptsClient(stream, 'b')).toBe(true);
    expect(streamAcceptsClient(stream, 'c')).toBe(false);
    expect(streamAcceptsClient({ credentials: [] }, 'a')).toBe(false);
  });
});
