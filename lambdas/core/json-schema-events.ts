import Ajv, { type ValidateFunction } from 'ajv';
import { RE2JS } from 're2js';
import { ValidationError } from './errors';
import type { EventSchema } from './event-schemas';

/**
 * JSON Schema for JSON events (Ajv). Schemas are account input compiled and run on the ingest path, so:
 * `pattern` runs on RE2JS (linear time, like contract validations), no `$data`, no remote `$ref` (a ref
 * that does not resolve inside the document is refused when the schema is created), and definitions are
 * size-bounded (core/event-schemas.ts).
 */

function re2(pattern: string, flags: string) {
  const compiled = RE2JS.compile(pattern, flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0);
  return { test: (value: string) => compiled.test(value) };
}
re2.code = 'RE2JS';

const ajv = new Ajv({ allErrors: false, strict: false, $data: false, code: { regExp: re2 } });
const validators = new WeakMap<EventSchema, ValidateFunction>();

/** The compiled validator of a JSON Schema, once per schema object; ValidationError when it does not compile. */
function validatorOf(schema: EventSchema): ValidateFunction {
  const cached = validators.get(schema);
  if (cached) return cached;
  let validate: ValidateFunction;
  try {
    // A schema's $id must not clash with another account's in the shared Ajv instance: compile without it.
    const { $id: _ignored, ...definition } = schema.definition;
    validate = ajv.compile(definition);
  } catch (error) {
    // Bounded definitions (core/event-schemas.ts) should never get here; say so rather than quote V8.
    if (error instanceof RangeError) {
      throw new ValidationError(`schema ${schema.ref} nests too deeply to compile`);
    }
    throw new ValidationError(`schema ${schema.ref} is not a valid JSON Schema: ${(error as Error).message}`);
  }
  validators.set(schema, validate);
  return validate;
}

/** Checks that a definition compiles as a JSON Schema; ValidationError otherwise. */
export function checkJsonSchema(schema: EventSchema): void {
  validatorOf(schema);
}

/** Checks a JSON event against a JSON Schema; ValidationError naming where it does not fit. */
export function checkJsonEventAgainstJsonSchema(schema: EventSchema, event: Record<string, unknown>): void {
  const validate = validatorOf(schema);
  if (validate(event)) return;
  const error = validate.errors?.[0];
  const where = error?.instancePath ? ` at '${error.instancePath.slice(1)}'` : '';
  // Ajv's message describes the rule (from the schema), never the value.
  throw new ValidationError(
    `event does not match schema ${schema.ref}${where}: ${error?.message ?? 'invalid'}`,
  );
}
