import { ValidationError } from '../../../lambdas/core/errors';
import {
  isValidStreamName,
  requestedSourceName,
  type StreamRecord,
  validateStreamCreate,
} from '../../../lambdas/core/stream-definition';

function sourceStream(overrides: Partial<StreamRecord> = {}): StreamRecord {
  return {
    name: 'winston',
    accountId: 'acct-1',
    description: '',
    tags: [],
    enabled: true,
    keyRotationHours: 24,
    createdAt: '2025-01-01T00:00:00.000Z',
    credentials: [{ clientId: 'ps-0123456789abcdef0123456789abcdef' }],
    ...overrides,
  };
}

function derivedStream(overrides: Partial<StreamRecord> = {}): StreamRecord {
  return sourceStream({
    name: 'winston-0',
    linkedStream: 'winston',
    consentLevels: [0],
    consentLevelType: 'CUMULATIVE',
    keyRotationHours: undefined,
    ...overrides,
  });
}

const fixedSeed = () => 'seed-1';

describe('source stream creation', () => {
  it('needs a name', () => {
    expect(() => validateStreamCreate({}, {})).toThrow(
      'You must provide a name when creating a source stream',
    );
  });

  it('gets defaults: enabled, no tags, empty description, 24 h key rotation', () => {
    expect(validateStreamCreate({ name: 'winston' }, {})).toEqual({
      name: 'winston',
      description: '',
      tags: [],
      enabled: true,
      keyRotationHours: 24,
    });
  });

  it('keeps description, tags (de-duplicated) and key rotation', () => {
    const definition = validateStreamCreate(
      { name: 'orders.v2', description: 'shop', tags: ['a', 'b', 'a'], keyRotationHours: 168 },
      {},
    );
    expect(definition).toMatchObject({ description: 'shop', tags: ['a', 'b'], keyRotationHours: 168 });
  });

  it.each([[0], [169], [1.5], ['24']])('rejects keyRotationHours %p', (hours) => {
    expect(() => validateStreamCreate({ name: 'winston', keyRotationHours: hours }, {})).toThrow(
      'keyRotationHours must be an integer from 1 to 168',
    );
  });

  it('rejects consent levels and masked fields', () => {
    expect(() => validateStreamCreate({ name: 'winston', consentLevels: [0] }, {})).toThrow(/consentLevels/);
    expect(() =>
      validateStreamCreate({ name: 'winston', maskedFields: { fieldPatterns: { 'a/b/1.0.0': ['x'] } } }, {}),
    ).toThrow(/maskedFields/);
  });

  it('ignores a consent type and an empty consent level list (clients may send their defaults)', () => {
    expect(
      validateStreamCreate({ name: 'winston', consentLevels: [], consentLevelType: 'CUMULATIVE' }, {}),
    ).not.toHaveProperty('consentLevelType');
  });

  it('rejects bad tags and descriptions naming the field', () => {
    expect(() => validateStreamCreate({ name: 'winston', tags: 'x' }, {})).toThrow(/^tags/);
    expect(() => validateStreamCreate({ name: 'winston', tags: [''] }, {})).toThrow(/^tags/);
    expect(() => validateStreamCreate({ name: 'winston', description: 7 }, {})).toThrow(/^description/);
  });

  it('rejects a body that is not an object', () => {
    expect(() => validateStreamCreate(null, {})).toThrow('request body must be a JSON object');
  });
});

describe('stream names', () => {
  it.each([['abc'], ['Winston-0'], ['a.b_c-d'], ['9lives'], ['x'.repeat(100)]])('accepts %p', (name) => {
    expect(isValidStreamName(name)).toBe(true);
    expect(validateStreamCreate({ name }, {}).name).toBe(name);
  });

  it.each([['ab'], ['x'.repeat(101)], ['-abc'], ['.hidden'], ['a/b'], ['a b'], ['über'], ['a#b']])(
    'rejects %p',
    (name) => {
      expect(isValidStreamName(name)).toBe(false);
      expect(() => validateStreamCreate({ name }, {})).toThrow(/^name must be 3–100 characters/);
    },
  );

  it('rejects a non-string name', () => {
    expect(() => validateStreamCreate({ name: 12345 }, {})).toThrow('name must be a string');
  });
});

describe('derived stream creation', () => {
  it('needs consent levels', () => {
    expect(() => validateStreamCreate({ linkedStream: 'winston' }, { source: sourceStream() })).toThrow(
      'You need consent levels when creating a derived stream',
    );
    expect(() =>
      validateStreamCreate({ linkedStream: 'winston', consentLevels: [] }, { source: sourceStream() }),
    ).toThrow('You need consent levels when creating a derived stream');
  });

  it('gets the default name <source>-<levels> and CUMULATIVE consent', () => {
    expect(
      validateStreamCreate({ linkedStream: 'winston', consentLevels: [0] }, { source: sourceStream() }),
    ).toEqual({
      name: 'winston-0',
      linkedStream: 'winston',
      consentLevels: [0],
      consentLevelType: 'CUMULATIVE',
      description: '',
      tags: [],
      enabled: true,
    });
  });

  it('sorts GRANULAR levels in the default name', () => {
    const definition = validateStreamCreate(
      { linkedStream: 'demo', consentLevels: [1, 0], consentLevelType: 'granular' },
      { source: sourceStream({ name: 'demo' }) },
    );
    expect(definition).toMatchObject({
      name: 'demo-0-1',
      consentLevels: [0, 1],
      consentLevelType: 'GRANULAR',
    });
  });

  it('takes a given name', () => {
    expect(
      validateStreamCreate(
        { name: 'marketing', linkedStream: 'winston', consentLevels: [2] },
        { source: sourceStream() },
      ).name,
    ).toBe('marketing');
  });

  it('rejects several CUMULATIVE levels', () => {
    expect(() =>
      validateStreamCreate({ linkedStream: 'winston', consentLevels: [0, 1] }, { source: sourceStream() }),
    ).toThrow(/exactly one level/);
  });

  it('needs an existing source stream', () => {
    expect(() => validateStreamCreate({ linkedStream: 'nope', consentLevels: [0] }, {})).toThrow(
      "linkedStream 'nope' does not exist",
    );
  });

  it('cannot derive from a derived stream', () => {
    expect(() =>
      validateStreamCreate({ linkedStream: 'winston-0', consentLevels: [1] }, { source: derivedStream() }),
    ).toThrow("linkedStream 'winston-0' is a derived stream; derive from a source stream");
  });

  it('rejects keyRotationHours (it belongs to the source)', () => {
    expect(() =>
      validateStreamCreate(
        { linkedStream: 'winston', consentLevels: [0], keyRotationHours: 24 },
        { source: sourceStream() },
      ),
    ).toThrow('keyRotationHours applies only to source streams');
  });

  it('generates a mask seed when none is given', () => {
    const definition = validateStreamCreate(
      {
        linkedStream: 'winston',
        consentLevels: [0],
        maskedFields: { fieldPatterns: { 'streammachine/clickstream/1.0.0': ['url'] } },
      },
      { source: sourceStream() },
      { newSeed: fixedSeed },
    );
    expect(definition.maskedFields).toEqual({
      seed: 'seed-1',
      fieldPatterns: { 'streammachine/clickstream/1.0.0': ['url'] },
    });
  });

  it('never masks strmMeta', () => {
    expect(() =>
      validateStreamCreate(
        {
          linkedStream: 'winston',
          consentLevels: [0],
          maskedFields: { fieldPatterns: { 'streammachine/clickstream/1.0.0': ['strmMeta/keyLink'] } },
        },
        { source: sourceStream() },
      ),
    ).toThrow(/strmMeta/);
  });

  it('rejects a default name that would be too long', () => {
    const longName = `s${'x'.repeat(98)}`;
    expect(() =>
      validateStreamCreate(
        { linkedStream: longName, consentLevels: [1, 2, 3], consentLevelType: 'GRANULAR' },
        { source: sourceStream({ name: longName }) },
      ),
    ).toThrow(ValidationError);
  });
});

describe('requestedSourceName', () => {
  it('is the linkedStream string, if any', () => {
    expect(requestedSourceName({ linkedStream: 'winston' })).toBe('winston');
    expect(requestedSourceName({ linkedStream: '' })).toBeUndefined();
    expect(requestedSourceName({ name: 'x' })).toBeUndefined();
    expect(requestedSourceName('x')).toBeUndefined();
  });
});
