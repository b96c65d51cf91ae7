/**
 * The Avro schemas of the original product's built-in event schemas, exactly as its drivers and CLI
 * encoded them (../shared/reference/avro: extracted from the public strm CLI and STRM docs). Avro binary
 * has no field names on the wire, so a decoder must use exactly these field orders and types.
 */

/** The legacy clickstream schema (`Strm-Schema-Id: clickstream`, `strmMeta.schemaId`). */
export const CLICKSTREAM_LEGACY_AVRO = {
  fields: [
    {
      name: 'strmMeta',
      type: {
        fields: [
          {
            name: 'schemaId',
            type: 'string',
          },
          {
            name: 'nonce',
            type: 'int',
          },
          {
            logicalType: 'date',
            name: 'timestamp',
            type: 'long',
          },
          {
            default: null,
            name: 'keyLink',
            type: ['null', 'string'],
          },
          {
            default: null,
            name: 'billingId',
            type: ['null', 'string'],
          },
          {
            name: 'consentLevels',
            type: {
              items: 'int',
              type: 'array',
            },
          },
        ],
        name: 'StrmMeta',
        type: 'record',
      },
    },
    {
      name: 'producerSessionId',
      type: 'string',
    },
    {
      name: 'url',
      type: 'string',
    },
    {
      name: 'eventType',
      type: 'string',
    },
    {
      name: 'referrer',
      type: 'string',
    },
    {
      name: 'userAgent',
      type: 'string',
    },
    {
      name: 'conversion',
      type: 'int',
    },
    {
      name: 'customer',
      type: {
        fields: [
          {
            name: 'id',
            type: 'string',
          },
        ],
        name: 'Customer',
        type: 'record',
      },
    },
    {
      name: 'abTests',
      type: {
        items: 'string',
        type: 'array',
      },
    },
  ],
  name: 'io.streammachine.schemas.strmcatalog.clickstream.ClickstreamEvent',
  strmSchemaId: 'clickstream',
  type: 'record',
} as const;

/** `strmprivacy/clickstream/1.0.0`: `strmMeta.eventContractRef`; `abTests` comes before `customer`, unlike the legacy schema. */
export const CLICKSTREAM_1_0_0_AVRO = {
  name: 'ClickstreamEvent',
  type: 'record',
  namespace: 'io.strmprivacy.schemas.clickstream',
  strmSchemaId: 'clickstream',
  fields: [
    {
      name: 'strmMeta',
      type: {
        type: 'record',
        name: 'StrmMeta',
        fields: [
          {
            name: 'eventContractRef',
            type: 'string',
          },
          {
            name: 'nonce',
            type: ['null', 'int'],
            default: null,
          },
          {
            name: 'timestamp',
            type: ['null', 'long'],
            default: null,
          },
          {
            name: 'keyLink',
            type: ['null', 'string'],
            default: null,
          },
          {
            name: 'billingId',
            type: ['null', 'string'],
            default: null,
          },
          {
            name: 'consentLevels',
            type: {
              type: 'array',
              items: 'int',
            },
          },
        ],
      },
    },
    {
      name: 'producerSessionId',
      type: 'string',
    },
    {
      name: 'url',
      type: 'string',
    },
    {
      name: 'eventType',
      type: 'string',
    },
    {
      name: 'referrer',
      type: 'string',
    },
    {
      name: 'userAgent',
      type: 'string',
    },
    {
      name: 'conversion',
      type: 'int',
    },
    {
      name: 'abTests',
      type: {
        type: 'array',
        items: 'string',
      },
    },
    {
      name: 'customer',
      type: {
        name: 'Customer',
        type: 'record',
        fields: [
          {
            name: 'id',
            type: 'string',
          },
        ],
      },
    },
  ],
} as const;

/** `strmprivacy/demo/1.0.2` (earlier `streammachine/demo/1.0.2`), the schema of the example contract. */
export const DEMO_1_0_2_AVRO = {
  fields: [
    {
      name: 'strmMeta',
      type: {
        fields: [
          {
            name: 'eventContractRef',
            type: 'string',
          },
          {
            default: null,
            name: 'nonce',
            type: ['null', 'int'],
          },
          {
            default: null,
            logicalType: 'date',
            name: 'timestamp',
            type: ['null', 'long'],
          },
          {
            default: null,
            name: 'keyLink',
            type: ['null', 'string'],
          },
          {
            default: null,
            name: 'billingId',
            type: ['null', 'string'],
          },
          {
            name: 'consentLevels',
            type: {
              items: 'int',
              type: 'array',
            },
          },
        ],
        name: 'StrmMeta',
        type: 'record',
      },
    },
    {
      default: null,
      doc: 'any value. For illustration purposes: use a value that is consistent over time like a customer or device ID.',
      name: 'uniqueIdentifier',
      type: ['null', 'string'],
    },
    {
      doc: 'any value. For illustration purposes: use a value that is consistent over a limited period like a session.',
      name: 'consistentValue',
      type: 'string',
    },
    {
      default: null,
      doc: 'any value. For illustration purposes: use a value that could identify a user over time based on behavior, like browsing behavior (e.g. urls).',
      name: 'someSensitiveValue',
      type: ['null', 'string'],
    },
    {
      default: null,
      doc: 'any value. For illustration purposes: use a value that is not sensitive at all, like the rank of an item in a set.',
      name: 'notSensitiveValue',
      type: ['null', 'string'],
    },
  ],
  name: 'io.streammachine.schemas.demo.v1.DemoEvent',
  type: 'record',
} as const;
