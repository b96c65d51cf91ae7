import { jsonNestingDepth, parseJsonBytes, valueNestingDepth } from '../../../lambdas/core/json-text';

describe('reading JSON bytes strictly', () => {
  it('parses valid UTF-8 JSON', () => {
    expect(parseJsonBytes(Buffer.from('{"a":["é",1]}'))).toEqual({ a: ['é', 1] });
  });

  it('refuses invalid UTF-8 instead of replacing it with U+FFFD', () => {
    expect(() => parseJsonBytes(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))).toThrow(
      'body is not valid UTF-8',
    );
  });

  it('counts nesting without counting brackets inside strings', () => {
    expect(jsonNestingDepth('{"a":"[[[[","b":[{"c":"\\"]"}]}')).toBe(3);
  });

  it('refuses more than 64 levels before parsing, and takes exactly 64', () => {
    const nested = (n: number) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`);
    expect(() => parseJsonBytes(nested(65))).toThrow(
      'JSON body nests arrays and objects more than 64 levels deep',
    );
    expect(parseJsonBytes(nested(64))).toBeDefined();
  });

  it('names malformed JSON without quoting it', () => {
    expect(() => parseJsonBytes(Buffer.from('{"secret": "x"'))).toThrow('malformed JSON body');
  });

  it('measures the depth of a parsed value iteratively', () => {
    let value: unknown = 1;
    for (let i = 0; i < 10_000; i++) value = [value];
    expect(valueNestingDepth(value, 64)).toBe(65);
    expect(valueNestingDepth({ a: { b: [] } })).toBe(3);
  });
});
