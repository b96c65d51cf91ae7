import { LiveTable } from '../../../console/src/live/live-table';

const event = (keyLink: string, nonce: number, extra: Record<string, unknown> = {}) => ({
  strmMeta: { keyLink, nonce, consentLevels: [0], eventContractRef: 'streammachine/clickstream/1.0.0' },
  ...extra,
});

describe('live table rows', () => {
  it('puts the copies of one event (same keyLink and nonce) from every stream in one row', () => {
    // Prepare
    const table = new LiveTable({ maxRows: 10 });
    // Act
    table.add('winston', event('k1', 7, { v: 'source' }), 1000);
    table.add('winston-1', event('k1', 7, { v: 'one' }), 1100);
    table.add('winston-0', event('k1', 7, { v: 'zero' }), 1200);
    // Assess
    const rows = table.rows();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key).toBe('k1/7');
    expect(rows[0]!.firstSeenMs).toBe(1000);
    expect([...rows[0]!.events.keys()].sort()).toEqual(['winston', 'winston-0', 'winston-1']);
    expect(rows[0]!.events.get('winston-0')).toMatchObject({ v: 'zero' });
  });

  it('keeps events of one key link with different nonces apart, and of one nonce with different key links', () => {
    // Prepare
    const table = new LiveTable({ maxRows: 10 });
    // Act
    table.add('winston', event('k1', 1), 1);
    table.add('winston', event('k1', 2), 2);
    table.add('winston', event('k2', 1), 3);
    // Assess
    expect(table.rows().map((r) => r.key)).toEqual(['k2/1', 'k1/2', 'k1/1']);
  });

  it('keeps a derived copy that arrives before its source copy in the same row', () => {
    // Prepare
    const table = new LiveTable({ maxRows: 10 });
    // Act
    table.add('winston-0', event('k1', 1), 1);
    table.add('winston', event('k1', 1), 2);
    // Assess
    expect(table.rows()).toHaveLength(1);
    expect(table.rows()[0]!.events.size).toBe(2);
  });

  it('keeps at most maxRows, dropping the oldest and counting them', () => {
    // Prepare
    const table = new LiveTable({ maxRows: 2 });
    // Act
    for (let nonce = 1; nonce <= 5; nonce++) table.add('winston', event('k', nonce), nonce);
    // Assess
    expect(table.rows().map((r) => r.key)).toEqual(['k/5', 'k/4']);
    expect(table.dropped).toBe(3);
  });

  it('applies a lower cap at once', () => {
    // Prepare
    const table = new LiveTable({ maxRows: 5 });
    for (let nonce = 1; nonce <= 5; nonce++) table.add('winston', event('k', nonce), nonce);
    // Act
    table.setMaxRows(1);
    // Assess
    expect(table.rows().map((r) => r.key)).toEqual(['k/5']);
  });

  it('counts events without keyLink or nonce as unmatched instead of inventing rows', () => {
    // Prepare
    const table = new LiveTable({ maxRows: 5 });
    // Act
    const added = [
      table.add('winston', { strmMeta: { nonce: 1 } }, 1),
      table.add('winston', { strmMeta: { keyLink: 'k' } }, 1),
      table.add('winston', { message: 'Forbidden' }, 1),
    ];
    // Assess
    expect(added).toEqual([undefined, undefined, undefined]);
    expect(table.rows()).toEqual([]);
    expect(table.unmatched).toBe(3);
  });

  it('clear empties the rows and the counters', () => {
    // Prepare
    const table = new LiveTable({ maxRows: 1 });
    table.add('winston', event('k', 1), 1);
    table.add('winston', event('k', 2), 1);
    // Act
    table.clear();
    // Assess
    expect(table.rows()).toEqual([]);
    expect(table.dropped).toBe(0);
  });
});
