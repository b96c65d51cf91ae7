import { parseSchemaRequest } from '../../../lambdas/core/event-schemas';
import { checkJsonSchema } from '../../../lambdas/core/json-schema-events';

/** Schema definitions are bounded before any compiler recurses over them. */

/** A JSON Schema nesting `levels` object schemas (two JSON levels each). */
function nestedSchema(levels: number): Record<string, unknown> {
  let definition: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < levels; i++) definition = { type: 'object', properties: { a: definition } };
  return definition;
}

describe('deeply nested schema definitions', () => {
  it('are refused by the request parser above 256 levels, with the reason', () => {
    // Act
    const parse = () =>
      parseSchemaRequest({ ref: 'acme/deep/1.0.0', type: 'JSONSCHEMA', definition: nestedSchema(200) });
    // Assess
    expect(parse).toThrow('schema.definition nests arrays and objects more than 256 levels deep');
  });

  it('are refused by the parser even when far too deep for JSON.stringify', () => {
    // Prepare
    let definition: unknown = [];
    for (let i = 0; i < 200_000; i++) definition = [definition];
    // Act
    const parse = () =>
      parseSchemaRequest({ ref: 'acme/deep/1.0.0', type: 'JSONSCHEMA', definition: { a: definition } });
    // Assess
    expect(parse).toThrow('schema.definition nests arrays and objects more than 256 levels deep');
  });

  it('that reach the compiler anyway overflow into a 400 that says so, never a quoted RangeError', () => {
    // Act
    const compile = () =>
      checkJsonSchema({ ref: 'acme/deep/1.0.0', type: 'JSONSCHEMA', definition: nestedSchema(3_000) });
    // Assess
    expect(compile).toThrow('schema acme/deep/1.0.0 nests too deeply to compile');
  });
});
