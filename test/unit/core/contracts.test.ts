import {
  BUILTIN_CONTRACTS,
  CLICKSTREAM_CONTRACT_REF,
  findBuiltinContract,
  parseContractDefinition,
} from '../../../lambdas/core/contracts';
import { ValidationError } from '../../../lambdas/core/errors';

const validDefinition = () => ({
  ref: 'acme/orders/1.0.0',
  keyField: 'orderId',
  piiFields: { email: 0, 'address/street': 2 },
  validations: [{ field: 'email', type: 'regex', value: '^[^@]+@[^@]+$' }],
  dataSubjectField: 'email',
  schemaRef: 'acme/orders/1.0.0',
});

describe('built-in contracts', () => {
  it('define clickstream as in the original product', () => {
    const clickstream = findBuiltinContract('streammachine/clickstream/1.0.0')!;
    expect(clickstream.keyField).toBe('producerSessionId');
    expect(clickstream.piiFields).toEqual({ 'customer/id': 0, producerSessionId: 1 });
    expect(clickstream.dataSubjectField).toBe('customer/id');
    expect(clickstream.schemaRef).toBe('streammachine/clickstream/1.0.0');
    expect(clickstream.validations.map((v) => v.field).sort()).toEqual(['customer/id', 'url']);
  });

  it('reach clickstream through the legacy id', () => {
    expect(findBuiltinContract('clickstream')?.ref).toBe(CLICKSTREAM_CONTRACT_REF);
  });

  it('define the example contract with levels 1, 2, 3 and consistentValue as key field', () => {
    const example = findBuiltinContract('streammachine/example/1.3.0')!;
    expect(example.keyField).toBe('consistentValue');
    expect(example.piiFields).toEqual({ uniqueIdentifier: 1, consistentValue: 2, someSensitiveValue: 3 });
    expect(example.piiFields).not.toHaveProperty('notSensitiveValue');
    expect(example.schemaRef).toBe('streammachine/demo/1.0.2');
  });

  it('do not know other refs', () => {
    expect(findBuiltinContract('acme/orders/1.0.0')).toBeUndefined();
  });

  it('cannot be modified by callers', () => {
    expect(Object.isFrozen(BUILTIN_CONTRACTS[0].piiFields)).toBe(true);
  });

  it('each pass their own definition check', () => {
    for (const contract of BUILTIN_CONTRACTS) expect(parseContractDefinition(contract)).toEqual(contract);
  });
});

describe('parseContractDefinition', () => {
  it('accepts a complete definition and returns a clean copy', () => {
    const input = { ...validDefinition(), isPublic: true };
    expect(parseContractDefinition(input)).toEqual(validDefinition());
  });

  it('defaults piiFields and validations to empty', () => {
    const contract = parseContractDefinition({ ref: 'acme/minimal/0.1.0', keyField: 'id' });
    expect(contract).toEqual({ ref: 'acme/minimal/0.1.0', keyField: 'id', piiFields: {}, validations: [] });
  });

  it.each([
    ['a ref without a version', { ref: 'acme/orders' }, /contract\.ref/],
    ['a ref with a bad version', { ref: 'acme/orders/v1' }, /contract\.ref/],
    ['a missing key field', { keyField: undefined }, /contract\.keyField is required/],
    [
      'a key field into strmMeta',
      { keyField: 'strmMeta/keyLink' },
      /contract\.keyField must not point into strmMeta/,
    ],
    ['a negative level', { piiFields: { email: -1 } }, /contract\.piiFields\['email'\]/],
    ['a fractional level', { piiFields: { email: 1.5 } }, /contract\.piiFields\['email'\]/],
    ['a string level', { piiFields: { email: '1' } }, /contract\.piiFields\['email'\]/],
    ['a PII field in strmMeta', { piiFields: { 'strmMeta/nonce': 1 } }, /strmMeta/],
    [
      'a regex that does not compile',
      { validations: [{ field: 'email', type: 'regex', value: '([a-z' }] },
      /contract\.validations\[0\]\.value/,
    ],
    [
      'a validation type other than regex',
      { validations: [{ field: 'email', type: 'length', value: '3' }] },
      /contract\.validations\[0\]\.type/,
    ],
    [
      'a validation on strmMeta',
      { validations: [{ field: 'strmMeta', type: 'regex', value: '.' }] },
      /strmMeta/,
    ],
    [
      'a data subject field in strmMeta',
      { dataSubjectField: 'strmMeta/keyLink' },
      /contract\.dataSubjectField/,
    ],
  ])('rejects %s, naming the field', (_case, override, message) => {
    const input = { ...validDefinition(), ...override };
    expect(() => parseContractDefinition(input)).toThrow(ValidationError);
    expect(() => parseContractDefinition(input)).toThrow(message);
  });

  describe('regex syntax RE2 cannot run in linear time', () => {
    it.each([
      ['a backreference', '^(a+)\\1$'],
      ['a lookahead', '^(?=.*@)[^@]+'],
      ['a negative lookbehind', '(?<!x)y'],
    ])('rejects %s, naming the validation and its field', (_case, pattern) => {
      const input = {
        ...validDefinition(),
        validations: [{ field: 'email', type: 'regex', value: pattern }],
      };
      expect(() => parseContractDefinition(input)).toThrow(ValidationError);
      expect(() => parseContractDefinition(input)).toThrow(
        /contract\.validations\[0\]\.value \(field 'email'\) uses unsupported regular expression syntax/,
      );
    });

    it('still calls a pattern that is invalid everywhere not a valid regular expression', () => {
      const input = {
        ...validDefinition(),
        validations: [{ field: 'email', type: 'regex', value: '([a-z' }],
      };
      expect(() => parseContractDefinition(input)).toThrow(/is not a valid regular expression/);
    });
  });

  it('rejects a body that is not an object', () => {
    expect(() => parseContractDefinition([validDefinition()])).toThrow(/contract must be a JSON object/);
  });
});
