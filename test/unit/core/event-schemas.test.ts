import {
  avroSchemaHasField,
  avroTypeOf,
  checkJsonEventAgainstAvro,
  decodeAvroEvent,
} from '../../../lambdas/core/avro-events';
import { canonicalContractRef, findBuiltinContract } from '../../../lambdas/core/contracts';
import { findBuiltinSchema, parseSchemaRequest } from '../../../lambdas/core/event-schemas';

describe('built-in schemas and contracts under both original handles', () => {
  it.each([
    ['strmprivacy/demo/1.0.2', 'streammachine/demo/1.0.2'],
    ['streammachine/demo/1.0.2', 'streammachine/demo/1.0.2'],
    ['strmprivacy/clickstream/1.0.0', 'streammachine/clickstream/1.0.0'],
    ['clickstream', 'clickstream'],
  ])('schema %s is the built-in %s', (ref, canonical) => {
    expect(findBuiltinSchema(ref)?.ref).toBe(canonical);
  });

  it('knows no other strmprivacy schema', () => {
    expect(findBuiltinSchema('strmprivacy/demo/9.9.9')).toBeUndefined();
  });

  it.each([
    ['strmprivacy/example/1.3.0', 'streammachine/example/1.3.0'],
    ['strmprivacy/clickstream/1.0.0', 'streammachine/clickstream/1.0.0'],
    ['clickstream', 'streammachine/clickstream/1.0.0'],
  ])('contract %s is the built-in %s', (ref, canonical) => {
    expect(canonicalContractRef(ref)).toBe(canonical);
    expect(findBuiltinContract(ref)?.ref).toBe(canonical);
  });

  it('uses field orders that differ between the legacy and the 1.0.0 clickstream schema', () => {
    const names = (ref: string) =>
      (findBuiltinSchema(ref)!.definition as { fields: { name: string }[] }).fields.map((f) => f.name);
    expect(names('clickstream').slice(-2)).toEqual(['customer', 'abTests']);
    expect(names('strmprivacy/clickstream/1.0.0').slice(-2)).toEqual(['abTests', 'customer']);
  });
});

describe('Avro events', () => {
  const custom = {
    ref: 'acme/things/1.0.0',
    type: 'AVRO' as const,
    definition: {
      type: 'record',
      name: 'Thing',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'maybe', type: ['null', 'string'], default: null },
        { name: 'raw', type: 'bytes' },
        { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
        { name: 'counts', type: { type: 'map', values: 'long' } },
        {
          name: 'inner',
          type: ['null', { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }] }],
        },
      ],
    },
  };

  it('decode to plain JSON: unions unwrapped, bytes as Avro-JSON strings, records as objects', () => {
    // Prepare
    const value = {
      id: 't',
      maybe: 'yes',
      raw: Buffer.from([0x41, 0xff]),
      kind: 'B',
      counts: { a: 2 },
      inner: { x: 7 },
    };
    // Act
    const event = decodeAvroEvent(custom, avroTypeOf(custom).toBuffer(value));
    // Assess
    expect(event).toEqual({
      id: 't',
      maybe: 'yes',
      raw: 'A\u00ff',
      kind: 'B',
      counts: { a: 2 },
      inner: { x: 7 },
    });
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
  });

  it('refuse an empty body', () => {
    expect(() => decodeAvroEvent(custom, new Uint8Array())).toThrow('Avro body is empty');
  });

  it('refuse a definition that is not an Avro record', () => {
    expect(() => avroTypeOf({ ref: 'a/b/1.0.0', type: 'AVRO', definition: { type: 'string' } })).toThrow(
      'schema a/b/1.0.0 must be an Avro record (an event is a record)',
    );
    expect(() => avroTypeOf({ ref: 'a/c/1.0.0', type: 'AVRO', definition: { type: 'record' } })).toThrow(
      /schema a\/c\/1.0.0 is not a valid Avro schema/,
    );
  });

  it('check JSON events: fields left out are fine (the contract decides), a wrong type is named', () => {
    expect(() => checkJsonEventAgainstAvro(custom, { id: 't' })).not.toThrow();
    expect(() => checkJsonEventAgainstAvro(custom, { id: 't', inner: { x: 'seven' } })).toThrow(
      "event does not match schema acme/things/1.0.0 at field 'inner/x'",
    );
    const ok = { id: 't', raw: '', kind: 'A', counts: {}, inner: null };
    expect(() => checkJsonEventAgainstAvro(custom, { ...ok, raw: Buffer.from('') })).not.toThrow();
    expect(() => checkJsonEventAgainstAvro(custom, { ...ok, raw: Buffer.from(''), kind: 'C' })).toThrow(
      "event does not match schema acme/things/1.0.0 at field 'kind'",
    );
  });

  it('resolve contract field paths through nested and nullable records', () => {
    expect(avroSchemaHasField(custom, ['inner', 'x'])).toBe(true);
    expect(avroSchemaHasField(custom, ['inner', 'y'])).toBe(false);
    expect(avroSchemaHasField(findBuiltinSchema('clickstream')!, ['customer', 'id'])).toBe(true);
  });
});

describe('schema requests', () => {
  it('take a handle/name/version ref, a type and a definition object', () => {
    expect(
      parseSchemaRequest({ ref: 'acme/a/1.0.0', type: 'JSONSCHEMA', definition: { type: 'object' } }),
    ).toEqual({
      ref: 'acme/a/1.0.0',
      type: 'JSONSCHEMA',
      definition: { type: 'object' },
    });
  });

  it('refuse a bad ref, type or definition, naming the field', () => {
    expect(() => parseSchemaRequest({ ref: 'x', type: 'AVRO', definition: {} })).toThrow(/schema.ref/);
    expect(() => parseSchemaRequest({ ref: 'a/b/1.0.0', type: 'XML', definition: {} })).toThrow(
      /schema.type/,
    );
    expect(() => parseSchemaRequest({ ref: 'a/b/1.0.0', type: 'AVRO', definition: 'x' })).toThrow(
      /schema.definition/,
    );
  });
});
