/**
 * Event factories shared by all tests. Each returns a fresh, valid event; `overrides` replaces top-level
 * fields (a value of `undefined` removes the field) and `overrides.strmMeta` is merged into the default
 * strmMeta (again, `undefined` removes a strmMeta field).
 */
export type TestEvent = Record<string, unknown> & { strmMeta: Record<string, unknown> };

export interface EventOverrides {
  strmMeta?: Record<string, unknown>;
  [field: string]: unknown;
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

function build(defaults: TestEvent, overrides: EventOverrides): TestEvent {
  const { strmMeta, ...fields } = overrides;
  const meta = withoutUndefined({ ...defaults.strmMeta, ...(strmMeta ?? {}) });
  return { ...withoutUndefined({ ...defaults, ...fields }), strmMeta: meta } as TestEvent;
}

/** A `streammachine/clickstream/1.0.0` event as the simulator sends it (consent [0, 1] unless overridden). */
export function clickstreamEvent(overrides: EventOverrides = {}): TestEvent {
  const session =
    typeof overrides.producerSessionId === 'string' ? overrides.producerSessionId : 'session-42';
  return build(
    {
      strmMeta: { eventContractRef: 'streammachine/clickstream/1.0.0', consentLevels: [0, 1] },
      producerSessionId: 'session-42',
      url: 'https://www.streammachine.io/rules',
      eventType: '',
      referrer: '',
      userAgent: '',
      conversion: 0,
      customer: { id: `customer-${session}` },
      abTests: [],
    },
    overrides,
  );
}

/** The same clickstream event in the legacy shape (`strmMeta.schemaId: "clickstream"`, client-set nonce/timestamp). */
export function legacyClickstreamEvent(overrides: EventOverrides = {}): TestEvent {
  return clickstreamEvent({
    ...overrides,
    strmMeta: {
      eventContractRef: undefined,
      schemaId: 'clickstream',
      nonce: 0,
      timestamp: 0,
      ...overrides.strmMeta,
    },
  });
}

/** A `streammachine/example/1.3.0` (demo schema) event as the simulator sends it (consent [0, 1, 2, 3] unless overridden). */
export function exampleEvent(overrides: EventOverrides = {}): TestEvent {
  return build(
    {
      strmMeta: { eventContractRef: 'streammachine/example/1.3.0', consentLevels: [0, 1, 2, 3] },
      uniqueIdentifier: 'unique-14',
      consistentValue: 'session-7',
      someSensitiveValue: 'sensitive-3',
      notSensitiveValue: 'not-sensitive-99',
    },
    overrides,
  );
}

/** An event with the given consent levels (shorthand for `{strmMeta: {consentLevels}}`). */
export function withConsent(
  levels: number[],
  factory: (o?: EventOverrides) => TestEvent = exampleEvent,
): TestEvent {
  return factory({ strmMeta: { consentLevels: levels } });
}

/** The JSON body a producer would POST. */
export function eventBody(event: Record<string, unknown>): string {
  return JSON.stringify(event);
}
