import {
  createEventGenerator,
  DEFAULT_CONSENT_LEVELS,
  DEFAULT_SIM_SCHEMA,
  findSimSchema,
  parseConsentLevelChoices,
  seededRandom,
} from '../../../cli/simulator';

describe('consent level choices', () => {
  it('parse "/"-separated items, an empty item meaning no consent', () => {
    expect(parseConsentLevelChoices(DEFAULT_CONSENT_LEVELS)).toEqual([
      [],
      [0],
      [0, 1],
      [0, 1, 2],
      [0, 1, 2, 3],
    ]);
  });

  it('reject items that are not levels', () => {
    expect(() => parseConsentLevelChoices(['0/x'])).toThrow(/--consent-levels item '0\/x'/);
  });
});

describe('legacy clickstream events (the default, the seed’s own shape)', () => {
  it('carry strmMeta.schemaId and go with Strm-Schema-Id: clickstream', () => {
    // Prepare
    const schema = findSimSchema(DEFAULT_SIM_SCHEMA);
    // Act
    const event = createEventGenerator({
      schema,
      sessionRange: 10,
      sessionPrefix: 'session',
      consentChoices: [[0]],
      random: seededRandom(2),
    })();
    // Assess
    expect(DEFAULT_SIM_SCHEMA).toBe('clickstream');
    expect(schema).toMatchObject({ schemaRef: 'clickstream', schemaHeader: 'strm-schema-id' });
    expect(event).toEqual({
      strmMeta: { schemaId: 'clickstream', consentLevels: [0] },
      producerSessionId: expect.stringMatching(/^session-\d$/),
      url: 'https://www.streammachine.io/rules',
      eventType: '',
      referrer: '',
      userAgent: '',
      conversion: 0,
      customer: { id: `customer-${event.producerSessionId}` },
      abTests: [],
    });
  });
});

describe('every built-in schema ref as --schema', () => {
  it.each([
    ['streammachine/clickstream/1.0.0', 'streammachine/clickstream/1.0.0'],
    ['strmprivacy/clickstream/1.0.0', 'strmprivacy/clickstream/1.0.0'],
    ['streammachine/demo/1.0.2', 'streammachine/example/1.3.0'],
    ['strmprivacy/demo/1.0.2', 'strmprivacy/example/1.3.0'],
  ])('%s sends Strm-Schema-Ref with eventContractRef %s', (ref, contract) => {
    // Act
    const schema = findSimSchema(ref);
    const event = createEventGenerator({
      schema,
      sessionRange: 1,
      sessionPrefix: 's',
      consentChoices: [[]],
      random: seededRandom(1),
    })();
    // Assess
    expect(schema).toMatchObject({ schemaRef: ref, schemaHeader: 'strm-schema-ref' });
    expect(event.strmMeta).toEqual({ eventContractRef: contract, consentLevels: [] });
  });
});

describe('clickstream events', () => {
  const generate = (seed: number) =>
    createEventGenerator({
      schema: findSimSchema('streammachine/clickstream/1.0.0'),
      sessionRange: 1000,
      sessionPrefix: 'session',
      consentChoices: parseConsentLevelChoices(DEFAULT_CONSENT_LEVELS),
      random: seededRandom(seed),
    });

  it('have the shape of the original simulator', () => {
    const event = generate(1)();
    const sessionId = event.producerSessionId as string;
    expect(sessionId).toMatch(/^session-\d{1,3}$/);
    expect(event).toEqual({
      strmMeta: { eventContractRef: 'streammachine/clickstream/1.0.0', consentLevels: expect.any(Array) },
      producerSessionId: sessionId,
      url: 'https://www.streammachine.io/rules',
      eventType: '',
      referrer: '',
      userAgent: '',
      conversion: 0,
      customer: { id: `customer-${sessionId}` },
      abTests: [],
    });
  });

  it('are sent with the clickstream schema ref', () => {
    expect(findSimSchema('streammachine/clickstream/1.0.0').schemaRef).toBe(
      'streammachine/clickstream/1.0.0',
    );
  });

  it('pick every consent choice, and only those', () => {
    const next = generate(42);
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      seen.add(JSON.stringify((next().strmMeta as { consentLevels: number[] }).consentLevels));
    }
    expect([...seen].sort()).toEqual(['[0,1,2,3]', '[0,1,2]', '[0,1]', '[0]', '[]']);
  });

  it('stay within the session range and prefix', () => {
    const next = createEventGenerator({
      schema: findSimSchema('clickstream'),
      sessionRange: 3,
      sessionPrefix: 'tab',
      consentChoices: [[0]],
      random: seededRandom(7),
    });
    const sessions = new Set(Array.from({ length: 200 }, () => next().producerSessionId));
    expect([...sessions].sort()).toEqual(['tab-0', 'tab-1', 'tab-2']);
  });

  it('are reproducible with the same seed', () => {
    const a = generate(5);
    const b = generate(5);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it('do not share consent arrays between events', () => {
    const next = createEventGenerator({
      schema: findSimSchema('clickstream'),
      sessionRange: 1,
      sessionPrefix: 's',
      consentChoices: [[0, 1]],
      random: seededRandom(1),
    });
    const first = next().strmMeta as { consentLevels: number[] };
    first.consentLevels.push(9);
    expect((next().strmMeta as { consentLevels: number[] }).consentLevels).toEqual([0, 1]);
  });
});

describe('demo events', () => {
  it('use the demo schema ref and the example event contract', () => {
    const schema = findSimSchema('streammachine/demo/1.0.2');
    expect(schema.schemaRef).toBe('streammachine/demo/1.0.2');
    const event = createEventGenerator({
      schema,
      sessionRange: 10,
      sessionPrefix: 'session',
      consentChoices: [[0, 1]],
      random: seededRandom(3),
    })();
    expect(event).toEqual({
      strmMeta: { eventContractRef: 'streammachine/example/1.3.0', consentLevels: [0, 1] },
      uniqueIdentifier: expect.stringMatching(/^unique-\d{1,2}$/),
      consistentValue: expect.stringMatching(/^session-\d$/),
      someSensitiveValue: expect.stringMatching(/^sensitive-\d{1,2}$/),
      notSensitiveValue: expect.stringMatching(/^not-sensitive-\d{1,2}$/),
    });
  });
});

describe('schemas', () => {
  it('reject an unknown schema with the known ones in the message', () => {
    expect(() => findSimSchema('acme/orders/1.0.0')).toThrow(/clickstream or streammachine\/demo\/1.0.2/);
  });
});
