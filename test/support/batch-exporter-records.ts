import type { BatchExporterRecord } from '../../lambdas/core/batch-exporter';

/** A stored batch exporter of stream winston (account acct-1, events, 60 s, the stack's bucket) unless overridden. */
export function batchExporterRecord(overrides: Partial<BatchExporterRecord> = {}): BatchExporterRecord {
  return {
    exporterId: 'e-1',
    name: 'winston-export',
    accountId: 'acct-1',
    stream: 'winston',
    source: 'sourceEvents',
    kind: 'events',
    interval: 60,
    pathPrefix: '',
    includeExistingEvents: false,
    bucket: 'ps-exports',
    streamCreatedAt: '2025-01-01T00:00:00.000Z',
    createdAt: '2025-01-02T00:00:00.000Z',
    ...overrides,
  };
}
