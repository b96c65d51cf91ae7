import { backpressure } from '../../../local/backpressure';
import type { EventSourceMappingStats } from '../../../local/event-source-mapping';

/** Local load shedding: the writers of a stream wait while a consumer of it lags beyond the bound. */
function mapping(functionName: string, streamName: string, iteratorAgeMs: number): EventSourceMappingStats {
  return {
    functionName,
    streamName,
    shards: 2,
    polls: 1,
    invocations: 1,
    processed: 1,
    failed: 0,
    retried: 0,
    deadLettered: 0,
    iteratorAgeMs,
  };
}

describe('local backpressure', () => {
  it('lets ingest through while the consumers of the source stream keep up', () => {
    // Prepare
    const shed = backpressure(() => [mapping('decrypter', 'ps-source-events', 900)]);
    // Act
    const retryAfter = shed('ingest');
    // Assess
    expect(retryAfter).toBeUndefined();
  });

  it('asks ingest callers to retry later once a consumer of the source stream lags past the bound', () => {
    // Prepare
    const shed = backpressure(() => [
      mapping('decrypter', 'ps-source-events', 14_500),
      mapping('egress', 'ps-derived-events', 0),
    ]);
    // Act
    const retryAfter = shed('ingest');
    // Assess
    expect(retryAfter).toBe(5);
  });

  it('never sheds functions that write to no stream (management, tokens)', () => {
    // Prepare
    const shed = backpressure(() => [mapping('decrypter', 'ps-source-events', 60_000)]);
    // Act / Assess
    expect(shed('management')).toBeUndefined();
    expect(shed('token')).toBeUndefined();
  });

  it('takes the bound from its options and caps the wait at 30 s', () => {
    // Prepare
    const shed = backpressure(() => [mapping('decrypter', 'ps-source-events', 600_000)], {
      maxIteratorAgeMs: 100,
    });
    // Act / Assess
    expect(shed('ingest')).toBe(30);
  });
});
