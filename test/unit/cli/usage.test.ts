import {
  formatLocalTime,
  parseUsageInterval,
  parseUsageTime,
  planUsage,
  usageRows,
} from '../../../cli/usage-report';
import { runStrm } from './run-cli';
import { scriptedCli } from './scripted-cli';

const at = (iso: string) => Date.parse(iso);

describe('the usage report', () => {
  it('reads --by as seconds or with s, m, h, d, in whole minutes', () => {
    expect(parseUsageInterval('15m')).toBe(900_000);
    expect(parseUsageInterval('900')).toBe(900_000);
    expect(parseUsageInterval('1d')).toBe(86_400_000);
    expect(() => parseUsageInterval('30s')).toThrow(/counted per minute/);
    expect(() => parseUsageInterval('soon')).toThrow(/Invalid --by 'soon'/);
  });

  it('reads the original YYYY/M/D-HH:mm in the given time zone, and ISO 8601 with a zone', () => {
    expect(parseUsageTime('2021/7/27-10:00', '--from', 'Europe/Amsterdam')).toBe(at('2021-07-27T08:00:00Z'));
    expect(parseUsageTime('2021-07-27T08:00:00Z', '--from', undefined)).toBe(at('2021-07-27T08:00:00Z'));
    expect(() => parseUsageTime('2021/2/30-10:00', '--from', 'UTC')).toThrow(/Invalid --from/);
    expect(() => parseUsageTime('yesterday', '--until', 'UTC')).toThrow(/YYYY\/M\/D-HH:mm/);
  });

  it('prints times in the time zone with its offset, like the original', () => {
    expect(formatLocalTime(at('2021-07-27T08:00:00Z'), 'Europe/Amsterdam')).toBe('2021-07-27T10:00:00+02:00');
    expect(formatLocalTime(at('2021-07-27T08:00:00Z'), 'UTC')).toBe('2021-07-27T08:00:00+00:00');
  });

  it('defaults to the last 24 hours in 15-minute windows summed from minute buckets', () => {
    const plan = planUsage({}, at('2025-01-02T00:00:00Z'), 'UTC');
    expect(plan).toEqual({
      fromMs: at('2025-01-01T00:00:00Z'),
      untilMs: at('2025-01-02T00:00:00Z'),
      intervalMs: 900_000,
      apiBucket: 'minute',
    });
    expect(planUsage({ by: '2h' }, at('2025-01-02T00:00:00Z'), 'UTC').apiBucket).toBe('hour');
  });

  it('has every window, empty ones too, with a cumulative count, the change and the rate per second', () => {
    const plan = planUsage(
      { from: '2025-01-01T10:00:00Z', until: '2025-01-01T10:45:00Z', by: '15m' },
      0,
      'UTC',
    );
    const rows = usageRows(plan, [
      { from: '2025-01-01T10:01:00.000Z', count: 450 },
      { from: '2025-01-01T10:14:00.000Z', count: 450 },
      { from: '2025-01-01T10:40:00.000Z', count: 90 },
    ]);
    expect(rows).toEqual([
      { fromMs: at('2025-01-01T10:00:00Z'), count: 900, duration: 900, change: 900, rate: 1 },
      { fromMs: at('2025-01-01T10:15:00Z'), count: 900, duration: 900, change: 0, rate: 0 },
      { fromMs: at('2025-01-01T10:30:00Z'), count: 990, duration: 900, change: 90, rate: 0.1 },
    ]);
  });

  it('refuses a range of more windows than is sensible', () => {
    expect(() =>
      planUsage({ from: '2024-01-01T00:00:00Z', until: '2025-01-01T00:00:00Z', by: '1m' }, 0, 'UTC'),
    ).toThrow(/use a larger --by/);
  });
});

describe('strm get usage', () => {
  const cli = scriptedCli({ signedIn: true, env: { TZ: 'Europe/Amsterdam' } });
  const args = [
    'get',
    'usage',
    'winston',
    '--from',
    '2025/1/1-11:00',
    '--until',
    '2025/1/1-11:30',
    '--by',
    '15m',
  ];

  beforeEach(() => {
    cli.api.on('GET /v1/streams/winston/usage', {
      status: 200,
      body: { buckets: [{ from: '2025-01-01T10:05:00.000Z', count: 1800 }] },
    });
  });

  it('asks the API for minute buckets of the range', async () => {
    // Act
    await runStrm(args, { env: cli.env });
    // Assess
    const url = new URL(cli.api.requestsTo('GET /v1/streams/winston/usage')[0].url, cli.apiUrl);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      from: '2025-01-01T10:00:00.000Z',
      until: '2025-01-01T10:30:00.000Z',
      by: 'minute',
    });
  });

  it('prints csv with the columns of the original', async () => {
    // Act
    const result = await runStrm([...args, '-o', 'csv'], { env: cli.env });
    // Assess
    expect(result.stdout).toBe(
      'from,count,duration,change,rate\n' +
        '2025-01-01T11:00:00+01:00,1800,900,1800,2.00\n' +
        '2025-01-01T11:15:00+01:00,1800,900,0,0.00\n',
    );
  });

  it('prints a table by default and json with -o json', async () => {
    // Act
    const table = await runStrm(args, { env: cli.env });
    const json = await runStrm([...args, '-o', 'json'], { env: cli.env });
    // Assess
    expect(table.stdout.split('\n')[0]).toMatch(/^FROM\s+COUNT\s+DURATION\s+CHANGE\s+RATE$/);
    expect(JSON.parse(json.stdout).windows[0]).toEqual({
      from: '2025-01-01T10:00:00.000Z',
      count: 1800,
      duration: 900,
      change: 1800,
      rate: 2,
    });
  });

  it('is the only command that prints csv', async () => {
    // Act
    const result = await runStrm(['list', 'streams', '-o', 'csv'], { env: cli.env });
    // Assess
    expect(result).toMatchObject({
      code: 1,
      stderr: 'Error: This command cannot print -o csv: use table or json\n',
    });
  });
});
