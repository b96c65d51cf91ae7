import { bucketUsage, minutesOfWindow } from '../../../lambdas/core/usage-buckets';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

describe('usage buckets', () => {
  it('sums the minutes of one bucket and orders the buckets oldest first', () => {
    // Prepare
    const minutes = [
      { minute: '2025-01-01T11:00:00.000Z', count: 5 },
      { minute: '2025-01-01T10:01:00.000Z', count: 3 },
      { minute: '2025-01-01T10:59:00.000Z', count: 4 },
    ];
    // Act
    const buckets = bucketUsage(minutes, HOUR_MS);
    // Assess
    expect(buckets).toEqual([
      { from: '2025-01-01T10:00:00.000Z', count: 7 },
      { from: '2025-01-01T11:00:00.000Z', count: 5 },
    ]);
  });

  it('aligns day buckets to UTC midnight', () => {
    // Prepare
    const minutes = [
      { minute: '2025-01-01T23:59:00.000Z', count: 1 },
      { minute: '2025-01-02T00:00:00.000Z', count: 2 },
    ];
    // Act
    const buckets = bucketUsage(minutes, DAY_MS);
    // Assess
    expect(buckets).toEqual([
      { from: '2025-01-01T00:00:00.000Z', count: 1 },
      { from: '2025-01-02T00:00:00.000Z', count: 2 },
    ]);
  });

  it('leaves out buckets without counts and skips a minute that is not a time', () => {
    // Prepare
    const minutes = [
      { minute: '2025-01-01T10:00:00.000Z', count: 1 },
      { minute: 'not a time', count: 100 },
      { minute: '2025-01-01T13:00:00.000Z', count: 2 },
    ];
    // Act
    const buckets = bucketUsage(minutes, HOUR_MS);
    // Assess
    expect(buckets).toEqual([
      { from: '2025-01-01T10:00:00.000Z', count: 1 },
      { from: '2025-01-01T13:00:00.000Z', count: 2 },
    ]);
  });

  it('reads a window from the minute that holds its start up to its end', () => {
    // Prepare
    const window = {
      fromMs: Date.parse('2025-01-01T10:30:45.500Z'),
      untilMs: Date.parse('2025-01-01T12:00:10.000Z'),
      bucketMs: HOUR_MS,
    };
    // Act
    const range = minutesOfWindow(window);
    // Assess
    expect(range).toEqual({ from: '2025-01-01T10:30:00.000Z', until: '2025-01-01T12:00:10.000Z' });
  });
});
