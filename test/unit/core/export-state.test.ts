import {
  afterFileWritten,
  canGoLive,
  compareSequenceNumbers,
  dueAtOf,
  initialShardState,
  isBufferDue,
  MAX_FILE_BYTES,
  type ShardExportState,
  sealed,
  wentLive,
  withLiveSeen,
  withPart,
} from '../../../lambdas/core/export-state';

const NOW = Date.parse('2025-03-01T10:00:00.400Z');
const fields = {
  exporterId: 'e',
  accountId: 'a',
  exporterName: 'n',
  shardId: 'shardId-000000000000',
  interval: 60,
};
const part = (bytes = 10) => ({ key: 'staging/p', lines: 1, bytes });
const live = (): ShardExportState => ({ ...initialShardState(fields), phase: 'live' });

describe('export state', () => {
  it('compares sequence numbers longer than a double exactly', () => {
    expect(
      compareSequenceNumbers(
        '49659999999999999999999999999999999999999999999999999998',
        '49659999999999999999999999999999999999999999999999999999',
      ),
    ).toBe(-1);
  });

  it('opens a buffer at the whole second, a second after the last file at the earliest (unique names)', () => {
    // Act
    const first = withPart(live(), part(), '1', NOW);
    const afterFile = withPart(
      { ...live(), lastFileAt: Date.parse('2025-03-01T10:00:00.000Z') },
      part(),
      '1',
      NOW,
    );
    // Assess
    expect(first.buffer!.openedAt).toBe(Date.parse('2025-03-01T10:00:00.000Z'));
    expect(afterFile.buffer!.openedAt).toBe(Date.parse('2025-03-01T10:00:01.000Z'));
  });

  it('is due when the interval is over, when sealed, or when the file is full', () => {
    // Prepare
    const open = withPart(live(), part(), '1', NOW);
    // Assess
    expect(isBufferDue(open, NOW + 59_000)).toBe(false);
    expect(isBufferDue(open, NOW + 60_000)).toBe(true);
    expect(isBufferDue(sealed(open), NOW)).toBe(true);
    expect(isBufferDue(withPart(live(), part(MAX_FILE_BYTES), '1', NOW), NOW)).toBe(true);
  });

  it('tells the tick when to look: now while backfilling or sealed, at the interval’s end, never when idle', () => {
    const open = withPart(live(), part(), '1', NOW);
    expect(dueAtOf(initialShardState(fields))).toBe(0);
    expect(dueAtOf(sealed(open))).toBe(0);
    expect(dueAtOf(open)).toBe(open.buffer!.openedAt + 60_000);
    expect(dueAtOf(live())).toBeUndefined();
  });

  it('goes live only once the position has reached what the consumer left to the backfill', () => {
    // Prepare
    const waiting = withLiveSeen({ ...initialShardState(fields), position: '5' }, '9');
    // Assess
    expect(canGoLive(waiting)).toBe(false);
    expect(canGoLive({ ...waiting, position: '9' })).toBe(true);
    const handedOver = wentLive({ ...waiting, position: '9' });
    expect(handedOver.phase).toBe('live');
    expect(handedOver).not.toHaveProperty('liveSeen');
  });

  it('forgets a written buffer and remembers its opening time; every change is a new version', () => {
    // Prepare
    const open = withPart(live(), part(), '1', NOW);
    // Act
    const done = afterFileWritten(sealed(open));
    // Assess
    expect(done.buffer).toBeUndefined();
    expect(done.lastFileAt).toBe(open.buffer!.openedAt);
    expect(done.version).toBe(open.version + 2);
  });
});
