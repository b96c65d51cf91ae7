import { parseConsentRule } from '../../../lambdas/core/consent';
import {
  type ContractLookup,
  type EventContract,
  findBuiltinContract,
  parseContractDefinition,
} from '../../../lambdas/core/contracts';
import { DecryptionError, ValidationError } from '../../../lambdas/core/errors';
import {
  type DerivedStreamSpec,
  deriveEvent,
  type IncomingEvent,
  incomingEvent,
  sealEvent,
} from '../../../lambdas/core/event-crypto';
import { decodeEvent } from '../../../lambdas/core/event-serialization';
import { maskValue } from '../../../lambdas/core/masking';
import { readSealedStrmMeta, readStrmMeta } from '../../../lambdas/core/strm-meta';
import { generateTinkAesSivKey, TinkDeterministicAead } from '../../../lambdas/core/tink-daead';
import {
  clickstreamEvent,
  type EventOverrides,
  eventBody,
  exampleEvent,
  legacyClickstreamEvent,
  type TestEvent,
} from '../../support/factories';

const clickstream = findBuiltinContract('clickstream')!;
const example = findBuiltinContract('streammachine/example/1.3.0')!;
const builtins = (ref: string) => findBuiltinContract(ref);
const STAMP = {
  nonce: -12345,
  timestamp: 1_700_000_000_000,
  keyLink: '6f1c1f4e-62a8-4f0e-9a57-3c1e1b0e7a11',
};

const aead = new TinkDeterministicAead(generateTinkAesSivKey());

/** An ingest body as ingest reads it: decoded, strmMeta read, the contract it names looked up, validated. */
function parseIncomingEvent(body: string, contracts: ContractLookup): IncomingEvent {
  const event = decodeEvent(Buffer.from(body), 'application/json');
  const meta = readStrmMeta(event);
  return incomingEvent(event, meta, contracts(meta.contractRef));
}

/** deriveEvent as the decrypter calls it: the sealed event's strmMeta read once, then handed over. */
function derive(
  source: Record<string, unknown>,
  contract: EventContract,
  spec: DerivedStreamSpec,
  cipher: TinkDeterministicAead,
): Record<string, unknown> | undefined {
  return deriveEvent({ event: source, contract, meta: readSealedStrmMeta(source) }, spec, cipher);
}

function seal(event: TestEvent, contracts = builtins): Record<string, unknown> {
  return sealEvent(parseIncomingEvent(eventBody(event), contracts), aead, STAMP);
}

function stream(
  name: string,
  levels: number[],
  type: 'CUMULATIVE' | 'GRANULAR' = 'CUMULATIVE',
): DerivedStreamSpec {
  return { name, consent: parseConsentRule(levels, type) };
}

const sealedClickstream = (overrides: EventOverrides) => seal(clickstreamEvent(overrides));
const sealedExample = (overrides: EventOverrides) => seal(exampleEvent(overrides));

describe('an incoming event: decoded, strmMeta read, contract looked up, validated', () => {
  it('returns the event, contract, strmMeta, key field value and data subject', () => {
    const incoming = parseIncomingEvent(eventBody(clickstreamEvent()), builtins);
    expect(incoming.contract).toBe(clickstream);
    expect(incoming.meta).toEqual({ contractRef: 'streammachine/clickstream/1.0.0', consentLevels: [0, 1] });
    expect(incoming.keyFieldValue).toBe('session-42');
    expect(incoming.dataSubject).toBe('customer-session-42');
    expect(incoming.event).toEqual(clickstreamEvent());
  });

  it('accepts the legacy clickstream schemaId', () => {
    expect(parseIncomingEvent(eventBody(legacyClickstreamEvent()), builtins).contract).toBe(clickstream);
  });

  it('rejects a body that is not JSON', () => {
    expect(() => parseIncomingEvent('{"strmMeta":', builtins)).toThrow(
      new ValidationError('malformed JSON body'),
    );
  });

  it('rejects JSON that is not an object', () => {
    expect(() => parseIncomingEvent('[1,2]', builtins)).toThrow('event body must be a JSON object');
  });

  it('rejects an unknown contract, naming its ref', () => {
    const body = eventBody(exampleEvent({ strmMeta: { eventContractRef: 'acme/unknown/1.0.0' } }));
    expect(() => parseIncomingEvent(body, builtins)).toThrow(
      /unknown event contract 'acme\/unknown\/1\.0\.0'/,
    );
  });

  it('rejects an event that fails its contract', () => {
    const body = eventBody(clickstreamEvent({ producerSessionId: '' }));
    expect(() => parseIncomingEvent(body, builtins)).toThrow(/Key field 'producerSessionId'/);
  });

  it('uses the contracts it is given (custom contracts)', () => {
    const custom = parseContractDefinition({
      ref: 'acme/orders/1.0.0',
      keyField: 'orderId',
      piiFields: { email: 0 },
    });
    const lookup = (ref: string) => (ref === custom.ref ? custom : undefined);
    const body = JSON.stringify({
      strmMeta: { eventContractRef: 'acme/orders/1.0.0', consentLevels: [] },
      orderId: 'o-1',
    });
    expect(parseIncomingEvent(body, lookup).keyFieldValue).toBe('o-1');
  });
});

describe('sealEvent', () => {
  it('encrypts every PII field, whatever its level, as Tink Base64 ciphertext with the key id prefix', () => {
    const sealed = sealedExample({});
    const prefix = Buffer.from([1, 0, 0, 0, 0]);
    prefix.writeUInt32BE(aead.keyId, 1);
    for (const field of ['uniqueIdentifier', 'consistentValue', 'someSensitiveValue']) {
      const bytes = Buffer.from(sealed[field] as string, 'base64');
      expect(bytes.subarray(0, 5)).toEqual(prefix);
      expect(aead.decryptString(sealed[field] as string)).toBe(exampleEvent()[field]);
    }
  });

  it('leaves non-PII fields unchanged', () => {
    const sealed = sealedClickstream({});
    expect(sealed.url).toBe('https://www.streammachine.io/rules');
    expect(sealed.abTests).toEqual([]);
    expect(sealed.conversion).toBe(0);
  });

  it('encrypts nested PII fields in place', () => {
    const sealed = sealedClickstream({}) as { customer: { id: string } };
    expect(aead.decryptString(sealed.customer.id)).toBe('customer-session-42');
  });

  it('is deterministic: the same value under the same key gives the same ciphertext', () => {
    expect(sealedExample({}).uniqueIdentifier).toBe(
      sealedExample({ consistentValue: 'other' }).uniqueIdentifier,
    );
  });

  it('encrypts each element of a list of strings', () => {
    const sealed = sealedExample({ uniqueIdentifier: ['u-1', 'u-2'] });
    expect((sealed.uniqueIdentifier as string[]).map((c) => aead.decryptString(c))).toEqual(['u-1', 'u-2']);
  });

  it('keeps null and absent optional PII fields as they are', () => {
    const sealed = sealedExample({ uniqueIdentifier: null, someSensitiveValue: undefined });
    expect(sealed.uniqueIdentifier).toBeNull();
    expect(sealed).not.toHaveProperty('someSensitiveValue');
  });

  it('stamps strmMeta, overwriting what the client sent, and keeps the client fields', () => {
    const sealed = sealedExample({ strmMeta: { nonce: 1, timestamp: 2, keyLink: 'mine' } });
    expect(sealed.strmMeta).toEqual({
      eventContractRef: 'streammachine/example/1.3.0',
      consentLevels: [0, 1, 2, 3],
      ...STAMP,
    });
  });

  it('does not modify the parsed incoming event', () => {
    const incoming = parseIncomingEvent(eventBody(exampleEvent()), builtins);
    sealEvent(incoming, aead, STAMP);
    expect(incoming.event).toEqual(exampleEvent());
  });
});

describe('deriveEvent: the clickstream tutorial', () => {
  const winston0 = stream('winston-0', [0]);
  const winston1 = stream('winston-1', [1]);

  it('winston-0 drops events without consent', () => {
    expect(
      derive(sealedClickstream({ strmMeta: { consentLevels: [] } }), clickstream, winston0, aead),
    ).toBeUndefined();
  });

  it('winston-0 decrypts customer.id and keeps producerSessionId encrypted', () => {
    const source = sealedClickstream({ strmMeta: { consentLevels: [0] } });
    const derived = derive(source, clickstream, winston0, aead)!;
    expect(derived.customer).toEqual({ id: 'customer-session-42' });
    expect(derived.producerSessionId).toBe(source.producerSessionId);
    expect(derived.producerSessionId).not.toBe('session-42');
  });

  it('winston-1 drops events whose highest level is 0', () => {
    expect(
      derive(sealedClickstream({ strmMeta: { consentLevels: [0] } }), clickstream, winston1, aead),
    ).toBeUndefined();
  });

  it.each([[[0, 1]], [[1]], [[0, 1, 2]]])('winston-1 decrypts both PII fields for consent %j', (levels) => {
    const derived = derive(
      sealedClickstream({ strmMeta: { consentLevels: levels } }),
      clickstream,
      winston1,
      aead,
    )!;
    expect(derived.customer).toEqual({ id: 'customer-session-42' });
    expect(derived.producerSessionId).toBe('session-42');
  });

  it('keeps non-PII fields and strmMeta exactly as in the source event', () => {
    const source = sealedClickstream({ strmMeta: { consentLevels: [3, 0] } });
    const derived = derive(source, clickstream, winston1, aead)!;
    expect(derived.strmMeta).toEqual(source.strmMeta);
    expect(derived.url).toBe(source.url);
    expect(derived.abTests).toEqual(source.abTests);
  });

  it('does not modify the source event', () => {
    const source = sealedClickstream({});
    const copy = structuredClone(source);
    derive(source, clickstream, winston1, aead);
    expect(source).toEqual(copy);
  });
});

describe('deriveEvent: the worked example with real ciphertexts', () => {
  const plain = exampleEvent();
  const fields = ['uniqueIdentifier', 'consistentValue', 'someSensitiveValue'] as const;
  const consent: Record<string, number[]> = {
    A: [],
    B: [0],
    C: [0, 1],
    D: [0, 1, 2],
    E: [0, 1, 2, 3],
    F: [2],
    G: [1, 3],
  };

  describe.each([
    ['CUMULATIVE [2]', stream('by-hand-2', [2]), 'DEFG', ['uniqueIdentifier', 'consistentValue']],
    ['CUMULATIVE [1]', stream('demo-1', [1]), 'CDEFG', ['uniqueIdentifier']],
    ['GRANULAR [0,1]', stream('demo-0-1', [0, 1], 'GRANULAR'), 'CDE', ['uniqueIdentifier']],
    [
      'GRANULAR [1,3]',
      stream('demo-1-3', [1, 3], 'GRANULAR'),
      'EG',
      ['uniqueIdentifier', 'someSensitiveValue'],
    ],
    ['GRANULAR [2]', stream('demo-2', [2], 'GRANULAR'), 'DEF', ['consistentValue']],
  ])('%s', (_name, spec, included, decrypted) => {
    it.each(Object.keys(consent))('handles event %s', (name) => {
      const source = sealedExample({ strmMeta: { consentLevels: consent[name] } });
      const derived = derive(source, example, spec, aead);
      if (!included.includes(name)) {
        expect(derived).toBeUndefined();
        return;
      }
      for (const field of fields) {
        expect(derived![field]).toBe(decrypted.includes(field) ? plain[field] : source[field]);
      }
      expect(derived!.notSensitiveValue).toBe(plain.notSensitiveValue);
    });
  });
});

describe('deriveEvent: field shapes', () => {
  it('decrypts each element of a list of strings', () => {
    const source = sealedExample({ uniqueIdentifier: ['u-1', 'u-2'] });
    expect(derive(source, example, stream('demo-1', [1]), aead)!.uniqueIdentifier).toEqual(['u-1', 'u-2']);
  });

  it('keeps null and absent optional PII fields', () => {
    const source = sealedExample({ uniqueIdentifier: null, someSensitiveValue: undefined });
    const derived = derive(source, example, stream('demo-3', [3]), aead)!;
    expect(derived.uniqueIdentifier).toBeNull();
    expect(derived).not.toHaveProperty('someSensitiveValue');
    expect(derived.consistentValue).toBe('session-7');
  });

  it('fails with a DecryptionError for ciphertext made under another key', () => {
    const other = new TinkDeterministicAead(generateTinkAesSivKey());
    expect(() => derive(sealedExample({}), example, stream('demo-1', [1]), other)).toThrow(DecryptionError);
  });

  it('rejects a source PII field that is not a ciphertext string', () => {
    const source = { ...sealedExample({}), uniqueIdentifier: 42 };
    expect(() => derive(source, example, stream('demo-1', [1]), aead)).toThrow(ValidationError);
  });
});

describe('deriveEvent: strmMeta read once per record', () => {
  it('decides inclusion by the consent levels it is handed, without reading strmMeta again', () => {
    // Prepare
    const event = sealedExample({ strmMeta: { consentLevels: [0, 1, 2, 3] } });
    const source = { event, contract: example, meta: { consentLevels: [] } };
    // Act
    const derived = deriveEvent(source, stream('demo-0', [0]), aead);
    // Assess
    expect(derived).toBeUndefined();
  });

  it('derives an event whose strmMeta it could not read itself', () => {
    // Prepare
    const event = { ...sealedExample({}), strmMeta: 'not a record' };
    const source = { event, contract: example, meta: { consentLevels: [1] } };
    // Act
    const derived = deriveEvent(source, stream('demo-1', [1]), aead);
    // Assess
    expect(derived?.uniqueIdentifier).toBe('unique-14');
  });
});

describe('deriveEvent: masking', () => {
  const masked = (patterns: string[], contract: EventContract = example): DerivedStreamSpec => ({
    ...stream('example-M3', [3]),
    maskedFields: { seed: 'seed-1', fieldPatterns: { [contract.ref]: patterns } },
  });

  it('masks after decryption, so the mask is of the plaintext', () => {
    const derived = derive(sealedExample({}), example, masked(['uniqueIdentifier']), aead)!;
    expect(derived.uniqueIdentifier).toBe(maskValue('unique-14', 'seed-1'));
  });

  it('masks a field that this stream leaves encrypted by masking its ciphertext', () => {
    const spec = { ...masked(['someSensitiveValue']), consent: parseConsentRule([1]) };
    const source = sealedExample({});
    expect(derive(source, example, spec, aead)!.someSensitiveValue).toBe(
      maskValue(source.someSensitiveValue, 'seed-1'),
    );
  });

  it('masks non-PII fields too', () => {
    const derived = derive(sealedExample({}), example, masked(['notSensitiveValue']), aead)!;
    expect(derived.notSensitiveValue).toBe(maskValue('not-sensitive-99', 'seed-1'));
  });

  it('masks each element of a decrypted list', () => {
    const source = sealedExample({ uniqueIdentifier: ['u-1', 'u-2'] });
    const derived = derive(source, example, masked(['uniqueIdentifier']), aead)!;
    expect(derived.uniqueIdentifier).toEqual([maskValue('u-1', 'seed-1'), maskValue('u-2', 'seed-1')]);
  });

  it('only masks fields listed for the event’s own contract', () => {
    const spec = masked(['customer/id'], clickstream);
    const derived = derive(sealedExample({}), example, spec, aead)!;
    expect(derived.uniqueIdentifier).toBe('unique-14');
  });

  it('never masks strmMeta', () => {
    const source = sealedExample({});
    const derived = derive(source, example, masked(['strmMeta', 'strmMeta/keyLink']), aead)!;
    expect(derived.strmMeta).toEqual(source.strmMeta);
  });
});
