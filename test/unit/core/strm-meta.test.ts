import { ValidationError } from '../../../lambdas/core/errors';
import {
  newStrmStamp,
  readSealedStrmMeta,
  readStrmMeta,
  stampStrmMeta,
} from '../../../lambdas/core/strm-meta';
import { clickstreamEvent, exampleEvent, legacyClickstreamEvent } from '../../support/factories';

describe('reading strmMeta', () => {
  it('reads the contract ref and consent levels', () => {
    expect(readStrmMeta(exampleEvent({ strmMeta: { consentLevels: [0, 1] } }))).toEqual({
      contractRef: 'streammachine/example/1.3.0',
      consentLevels: [0, 1],
    });
  });

  it('maps the legacy schemaId clickstream to the clickstream contract', () => {
    expect(readStrmMeta(legacyClickstreamEvent()).contractRef).toBe('streammachine/clickstream/1.0.0');
  });

  it('prefers eventContractRef over schemaId', () => {
    const event = clickstreamEvent({ strmMeta: { schemaId: 'something-else' } });
    expect(readStrmMeta(event).contractRef).toBe('streammachine/clickstream/1.0.0');
  });

  it('accepts an empty consent list', () => {
    expect(readStrmMeta(exampleEvent({ strmMeta: { consentLevels: [] } })).consentLevels).toEqual([]);
  });

  it('normalises duplicates and order for decisions without rewriting the event', () => {
    const event = exampleEvent({ strmMeta: { consentLevels: [2, 0, 2, 1] } });
    expect(readStrmMeta(event).consentLevels).toEqual([0, 1, 2]);
    expect(event.strmMeta.consentLevels).toEqual([2, 0, 2, 1]);
  });

  it.each([
    ['a missing strmMeta', { strmMeta: undefined }, 'strmMeta is missing'],
    ['a strmMeta that is not an object', { strmMeta: 'x' }, 'strmMeta must be an object'],
  ])('rejects %s', (_case, override, message) => {
    const event = { ...exampleEvent(), ...override } as Record<string, unknown>;
    expect(() => readStrmMeta(event)).toThrow(message);
  });

  it('rejects a missing contract ref', () => {
    expect(() => readStrmMeta(exampleEvent({ strmMeta: { eventContractRef: undefined } }))).toThrow(
      'strmMeta.eventContractRef is missing',
    );
  });

  it('rejects a contract ref that is not a string', () => {
    expect(() => readStrmMeta(exampleEvent({ strmMeta: { eventContractRef: 7 } }))).toThrow(
      /strmMeta\.eventContractRef/,
    );
  });

  it('rejects missing consent levels', () => {
    expect(() => readStrmMeta(exampleEvent({ strmMeta: { consentLevels: undefined } }))).toThrow(
      'strmMeta.consentLevels is missing',
    );
  });

  it.each([['0,1'], [[0, -1]], [[1.5]], [['1']], [[null]], [{ 0: 1 }]])(
    'rejects consent levels %j naming strmMeta.consentLevels',
    (levels) => {
      const run = () => readStrmMeta(exampleEvent({ strmMeta: { consentLevels: levels } }));
      expect(run).toThrow(ValidationError);
      expect(run).toThrow(/strmMeta\.consentLevels/);
    },
  );
});

describe('reading the strmMeta of a sealed event', () => {
  it('reads the client part and the key link the gateway stamped', () => {
    // Prepare
    const event = exampleEvent({ strmMeta: { consentLevels: [1, 0], keyLink: 'link-1' } });
    // Act
    const meta = readSealedStrmMeta(event);
    // Assess
    expect(meta).toEqual({
      contractRef: 'streammachine/example/1.3.0',
      consentLevels: [0, 1],
      keyLink: 'link-1',
    });
  });

  it.each([[undefined], [''], [7]])('rejects a key link %j', (keyLink) => {
    // Act
    const read = () => readSealedStrmMeta(exampleEvent({ strmMeta: { keyLink } }));
    // Assess
    expect(read).toThrow(new ValidationError('strmMeta.keyLink is missing'));
  });

  it('rejects a malformed client part as readStrmMeta does', () => {
    // Act
    const read = () =>
      readSealedStrmMeta(exampleEvent({ strmMeta: { consentLevels: 'all', keyLink: 'link-1' } }));
    // Assess
    expect(read).toThrow(/strmMeta\.consentLevels/);
  });
});

describe('stamping strmMeta', () => {
  it('overwrites nonce, timestamp and keyLink sent by the client and keeps the rest', () => {
    const event = legacyClickstreamEvent({ strmMeta: { keyLink: 'client-chosen' } });
    stampStrmMeta(event, { nonce: -1505384217, timestamp: 1_700_000_000_000, keyLink: 'link-1' });
    expect(event.strmMeta).toEqual({
      schemaId: 'clickstream',
      consentLevels: [0, 1],
      nonce: -1505384217,
      timestamp: 1_700_000_000_000,
      keyLink: 'link-1',
    });
  });

  it('produces nonces that are signed 32-bit integers and vary', () => {
    const nonces = Array.from({ length: 200 }, () => newStrmStamp('k', 0).nonce);
    for (const nonce of nonces) {
      expect(Number.isInteger(nonce)).toBe(true);
      expect(nonce).toBeGreaterThanOrEqual(-(2 ** 31));
      expect(nonce).toBeLessThan(2 ** 31);
    }
    expect(new Set(nonces).size).toBeGreaterThan(190);
    expect(nonces.some((nonce) => nonce < 0)).toBe(true);
  });

  it('carries the given time and key link', () => {
    const stamp = newStrmStamp('link-9', 123);
    expect(stamp.timestamp).toBe(123);
    expect(stamp.keyLink).toBe('link-9');
  });
});
