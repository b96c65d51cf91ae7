import { ValidationError } from '../../../lambdas/core/errors';
import { parseUsageWindow } from '../../../lambdas/core/usage-window';

const HOUR_MS = 60 * 60 * 1000;
const NOW = Date.parse('2025-01-02T00:00:00Z');

describe('the usage window (from, until, by)', () => {
  it('defaults to the last 24 hours in hour buckets', () => {
    expect(parseUsageWindow({}, NOW)).toEqual({
      fromMs: NOW - 24 * HOUR_MS,
      untilMs: NOW,
      bucketMs: HOUR_MS,
    });
  });

  it('reads ISO 8601 times and epoch seconds', () => {
    expect(
      parseUsageWindow({ from: '2025-01-01T10:00:00Z', until: '1735732800', by: 'minute' }, NOW),
    ).toEqual({
      fromMs: Date.parse('2025-01-01T10:00:00Z'),
      untilMs: 1735732800 * 1000,
      bucketMs: 60_000,
    });
  });

  it.each([
    ['until', { until: '99999999999999999' }],
    ['until', { until: '8640000000001' }],
    ['from', { from: '99999999999999999' }],
    ['until', { until: '9'.repeat(400) }],
    ['from', { from: 'yesterday' }],
    ['until', { until: '2025-13-01T00:00:00Z' }],
  ])('rejects a %s outside the representable time range or not a time, naming it', (name, query) => {
    expect(() => parseUsageWindow(query, NOW)).toThrow(ValidationError);
    expect(() => parseUsageWindow(query, NOW)).toThrow(new RegExp(`^${name} must be`));
  });

  it('rejects a default from that would fall before the earliest representable time', () => {
    expect(() => parseUsageWindow({ until: '-271821-04-20T00:00:00Z' }, NOW)).toThrow(/^from must be/);
  });

  it('accepts the latest representable time as until', () => {
    expect(parseUsageWindow({ until: '8640000000000' }, NOW).untilMs).toBe(8.64e15);
  });

  it('rejects from at or after until, a range over 366 days and an unknown bucket size', () => {
    expect(() => parseUsageWindow({ from: '1735732800', until: '1735732800' }, NOW)).toThrow(
      /^from must be before until/,
    );
    expect(() => parseUsageWindow({ from: '2020-01-01T00:00:00Z' }, NOW)).toThrow(/at most 366 days/);
    expect(() => parseUsageWindow({ by: 'week' }, NOW)).toThrow(/^by must be/);
    expect(() => parseUsageWindow({ by: 'constructor' }, NOW)).toThrow(/^by must be/);
  });
});
