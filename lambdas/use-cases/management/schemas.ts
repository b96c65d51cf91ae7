import { checkAvroSchema } from '../../core/avro-events';
import { usesBuiltinHandle } from '../../core/builtin-refs';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors';
import {
  BUILTIN_SCHEMAS,
  compareVersions,
  type EventSchema,
  findBuiltinSchema,
  parseSchemaRequest,
  refParts,
} from '../../core/event-schemas';
import { checkJsonSchema } from '../../core/json-schema-events';
import type { ManagementPorts } from './ports';

/**
 * The schema registry of an account (`/v1/schemas`): built-in schemas (under both original handles) and
 * the account's own, Avro or JSON Schema. A version, once created, never changes: a new definition is a
 * new, higher version of the same `handle/name`, of the same type. A schema that one of the account's
 * contracts names is in use and cannot be deleted.
 */
type SchemaPorts = Pick<ManagementPorts, 'schemas' | 'contracts' | 'audit'>;

/** `GET /v1/schemas`: the built-ins, then the account's own. */
export async function listSchemas(ports: SchemaPorts, accountId: string): Promise<EventSchema[]> {
  return [...BUILTIN_SCHEMAS, ...(await ports.schemas.listForAccount(accountId))];
}

/** `GET /v1/schemas/{handle}/{name}/{version}` (or `/v1/schemas/clickstream`): 404 for any other. */
export async function getSchema(ports: SchemaPorts, accountId: string, ref: string): Promise<EventSchema> {
  const schema = findBuiltinSchema(ref) ?? (await ports.schemas.get(accountId, ref));
  if (!schema) throw new NotFoundError(`schema ${ref} not found`);
  return schema;
}

/** `POST /v1/schemas` `{ref, type, definition}` → the stored schema. */
export async function createSchema(
  ports: SchemaPorts,
  accountId: string,
  body: unknown,
): Promise<EventSchema> {
  const schema = parseSchemaRequest(body);
  if (usesBuiltinHandle(schema.ref)) {
    throw new ConflictError(
      `the handle of ${schema.ref} is reserved for built-in schemas`,
      'reserved_handle',
    );
  }
  if (schema.type === 'AVRO') checkAvroSchema(schema);
  else checkJsonSchema(schema);
  await checkNextVersion(ports, accountId, schema);
  await ports.schemas.put(accountId, schema);
  ports.audit.info('schema created', { accountId, ref: schema.ref, type: schema.type });
  return schema;
}

/** Versions of one `handle/name` ascend and keep their type, as in the original registry. */
async function checkNextVersion(ports: SchemaPorts, accountId: string, schema: EventSchema): Promise<void> {
  const { family, version } = refParts(schema.ref);
  const siblings = (await ports.schemas.listForAccount(accountId)).filter(
    (other) => refParts(other.ref).family === family,
  );
  for (const other of siblings) {
    if (other.type !== schema.type) {
      throw new ValidationError(`schema ${family} has type ${other.type}; a new version must keep it`);
    }
    if (compareVersions(refParts(other.ref).version, version) >= 0) {
      throw new ConflictError(
        `schema ${other.ref} exists; versions are immutable and a new one must be higher`,
        'schema_exists',
      );
    }
  }
}

/** `DELETE /v1/schemas/{handle}/{name}/{version}`: 409 for a built-in or one a contract names, 404 if none. */
export async function deleteSchema(ports: SchemaPorts, accountId: string, ref: string): Promise<void> {
  if (findBuiltinSchema(ref)) throw new ConflictError(`schema ${ref} is built in`, 'builtin_schema');
  const users = (await ports.contracts.listForAccount(accountId)).filter((c) => c.schemaRef === ref);
  if (users.length > 0) {
    const names = users.map((contract) => contract.ref).join(', ');
    throw new ConflictError(`schema ${ref} is used by event contract(s) ${names}`, 'schema_in_use');
  }
  if (!(await ports.schemas.delete(accountId, ref))) throw new NotFoundError(`schema ${ref} not found`);
  ports.audit.info('schema deleted', { accountId, ref });
}
