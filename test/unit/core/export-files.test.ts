import {
  exportFileKey,
  exportFileName,
  exportFolder,
  isFileOf,
  stagedPartKey,
} from '../../../lambdas/core/export-files';

const at = Date.parse('2025-03-01T10:00:07.123Z');

describe('export file names', () => {
  it('are the UTC second the file opened, the stream’s name and the shard, as JSON Lines', () => {
    expect(
      exportFileName({ openedAt: at, stream: 'winston-0', kind: 'events', shardId: 'shardId-000000000001' }),
    ).toBe('2025-03-01T10:00:07-stream-winston-0---shardId-000000000001.jsonl');
    expect(
      exportFileName({ openedAt: at, stream: 'winston', kind: 'keys', shardId: 'shardId-000000000000' }),
    ).toBe('2025-03-01T10:00:07-keys-winston---shardId-000000000000.jsonl');
  });

  it('lie under the account, then the path prefix', () => {
    expect(exportFolder({ accountId: 'acct-1', pathPrefix: '' })).toBe('acct-1/');
    expect(
      exportFileKey(
        { accountId: 'acct-1', pathPrefix: 'lake', stream: 's1', kind: 'events' },
        at,
        'shardId-000000000000',
      ),
    ).toBe('acct-1/lake/2025-03-01T10:00:07-stream-s1---shardId-000000000000.jsonl');
  });

  it('tell the files of one exporter from those of another stream or kind in the same folder', () => {
    // Prepare
    const events = exportFileName({
      openedAt: at,
      stream: 'winston-keys',
      kind: 'events',
      shardId: 'shardId-000000000000',
    });
    const keys = exportFileName({
      openedAt: at,
      stream: 'winston',
      kind: 'keys',
      shardId: 'shardId-000000000000',
    });
    // Assess
    expect(isFileOf(events, { stream: 'winston-keys', kind: 'events' })).toBe(true);
    expect(isFileOf(events, { stream: 'winston', kind: 'keys' })).toBe(false);
    expect(isFileOf(keys, { stream: 'winston', kind: 'keys' })).toBe(true);
    expect(isFileOf(keys, { stream: 'winston-keys', kind: 'events' })).toBe(false);
    expect(isFileOf('notes.txt', { stream: 'winston', kind: 'events' })).toBe(false);
  });

  it('of staged parts name the exporter, the shard and the sequence range', () => {
    expect(stagedPartKey('e-1', 'shardId-000000000000', '49', '51')).toBe(
      'staging/e-1/shardId-000000000000/49-51.jsonl',
    );
  });
});
