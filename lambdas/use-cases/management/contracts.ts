import { avroSchemaHasField } from '../../core/avro-events';
import { usesBuiltinHandle } from '../../core/builtin-refs';
import {
  BUILTIN_CONTRACTS,
  type EventContract,
  findBuiltinContract,
  parseContractDefinition,
} from '../../core/contracts';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors';
import { findBuiltinSchema } from '../../core/event-schemas';
import { parseFieldPath } from '../../core/field-path';
import type { ManagementPorts } from './ports';

type ContractPorts = Pick<ManagementPorts, 'contracts' | 'schemas' | 'streams' | 'audit'>;

/** `GET /v1/contracts`: the built-in contracts, then the account's own. */
export async function listContracts(
  ports: Pick<ContractPorts, 'contracts'>,
  accountId: string,
): Promise<EventContract[]> {
  return [...BUILTIN_CONTRACTS, ...(await ports.contracts.listForAccount(accountId))];
}

/** `GET /v1/contracts/{handle}/{name}/{version}`: a built-in or own contract; any other is a 404. */
export async function getContract(
  ports: Pick<ContractPorts, 'contracts'>,
  accountId: string,
  ref: string,
): Promise<EventContract> {
  const contract = findBuiltinContract(ref) ?? (await ports.contracts.get(accountId, ref));
  if (!contract) throw new NotFoundError(`contract ${ref} not found`);
  return contract;
}

/**
 * `POST /v1/contracts` (`strm create event-contract REF --schema REF --definition FILE`): validates and
 * stores a custom contract. A built-in ref or handle, or a ref the account has already (contracts are
 * immutable), is a ConflictError. A `schemaRef` must name a built-in or own schema, and with an Avro
 * schema every field the contract names must exist in it.
 */
export async function createContract(
  ports: ContractPorts,
  accountId: string,
  body: unknown,
): Promise<EventContract> {
  const contract = parseContractDefinition(body);
  if (findBuiltinContract(contract.ref)) {
    throw new ConflictError(`contract ${contract.ref} is built in; use another ref`, 'contract_exists');
  }
  if (usesBuiltinHandle(contract.ref)) {
    throw new ConflictError(
      `the handle of ${contract.ref} is reserved for built-in contracts`,
      'reserved_handle',
    );
  }
  if (contract.schemaRef !== undefined) await checkContractSchema(ports, accountId, contract);
  await ports.contracts.put(accountId, contract);
  ports.audit.info('contract created', { accountId, ref: contract.ref });
  return contract;
}

/** The fields a contract names: key field, PII fields, validated fields, data-subject field. */
function contractFields(contract: EventContract): string[] {
  return [
    contract.keyField,
    ...Object.keys(contract.piiFields),
    ...contract.validations.map((validation) => validation.field),
    ...(contract.dataSubjectField === undefined ? [] : [contract.dataSubjectField]),
  ];
}

async function checkContractSchema(
  ports: ContractPorts,
  accountId: string,
  contract: EventContract,
): Promise<void> {
  const ref = contract.schemaRef as string;
  const schema = findBuiltinSchema(ref) ?? (await ports.schemas.get(accountId, ref));
  if (!schema) {
    throw new ValidationError(`contract.schemaRef names an unknown schema ${ref}`, 'unknown_schema');
  }
  if (schema.type !== 'AVRO') return;
  for (const field of contractFields(contract)) {
    if (!avroSchemaHasField(schema, parseFieldPath(field, 'contract field'))) {
      throw new ValidationError(`contract field '${field}' is not a field of schema ${schema.ref}`);
    }
  }
}

/**
 * `DELETE /v1/contracts/{handle}/{name}/{version}`. A built-in contract cannot be deleted (409); a contract
 * in use — one whose fields a stream of the account masks (its `maskedFields` name the ref) — neither
 * (409 `contract_in_use`); another account's or an unknown one is 404. A deleted contract is refused for
 * new events (within the 30 s ingest caches it), while the events already accepted under it are still
 * derived (the store keeps it for the decrypter: aws/contracts-repo.ts), and its ref is never reused.
 */
export async function deleteContract(ports: ContractPorts, accountId: string, ref: string): Promise<void> {
  if (findBuiltinContract(ref)) throw new ConflictError(`contract ${ref} is built in`, 'builtin_contract');
  const streams = await ports.streams.list(accountId);
  const users = streams.filter((stream) => stream.maskedFields?.fieldPatterns?.[ref] !== undefined);
  if (users.length > 0) {
    const names = users.map((stream) => stream.name).join(', ');
    throw new ConflictError(
      `contract ${ref} is in use: stream(s) ${names} mask its fields`,
      'contract_in_use',
    );
  }
  if (!(await ports.contracts.delete(accountId, ref))) throw new NotFoundError(`contract ${ref} not found`);
  ports.audit.info('contract deleted', { accountId, ref });
}
