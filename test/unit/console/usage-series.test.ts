import { alignUsage, USAGE_RANGES, usageWindow } from '../../../console/src/usage/usage-series';

const HOUR = USAGE_RANGES.find((r) => r.id === 'hour')!;

describe('usage series', () => {
  it('ask for the last hour in whole minutes, the current minute included', () => {
    // Act
    const window = usageWindow(HOUR, Date.parse('2025-01-01T12:30:20Z'));
    // Assess
    expect(window).toEqual({
      from: '2025-01-01T11:31:00.000Z',
      until: '2025-01-01T12:31:00.000Z',
      by: 'minute',
    });
  });

  it('give every stream one count per bucket, zero where the API left a bucket out', () => {
    // Prepare
    const window = { from: '2025-01-01T12:00:00.000Z', until: '2025-01-01T12:04:00.000Z' };
    // Act
    const aligned = alignUsage(window, HOUR, [
      {
        stream: 'winston',
        buckets: [
          { from: '2025-01-01T12:01:00.000Z', count: 3 },
          { from: '2025-01-01T12:03:00.000Z', count: 2 },
        ],
      },
      { stream: 'demo', buckets: [] },
    ]);
    // Assess
    expect(aligned.times).toEqual([0, 1, 2, 3].map((m) => Date.parse(`2025-01-01T12:0${m}:00Z`) / 1000));
    expect(aligned.series).toEqual([
      { stream: 'winston', counts: [0, 3, 0, 2], total: 5 },
      { stream: 'demo', counts: [0, 0, 0, 0], total: 0 },
    ]);
  });

  it('ignore buckets outside the window', () => {
    // Act
    const aligned = alignUsage(
      { from: '2025-01-01T12:00:00.000Z', until: '2025-01-01T12:01:00.000Z' },
      HOUR,
      [{ stream: 'w', buckets: [{ from: '2025-01-01T11:00:00.000Z', count: 9 }] }],
    );
    // Assess
    expect(aligned.series[0]).toEqual({ stream: 'w', counts: [0], total: 0 });
  });
});
