import {
  BUILTIN_CONTRACTS,
  type EventContract,
  findBuiltinContract,
  parseContractDefinition,
} from '../../core/contracts';
import { ConflictError, NotFoundError } from '../../core/errors';
import type { ManagementPorts } from './ports';

type ContractPorts = Pick<ManagementPorts, 'contracts'>;

/** `GET /v1/contracts`: the built-in contracts, then the account's own. */
export async function listContracts(ports: ContractPorts, accountId: string): Promise<EventContract[]> {
  return [...BUILTIN_CONTRACTS, ...(await ports.contracts.listForAccount(accountId))];
}

/** `GET /v1/contracts/{handle}/{name}/{version}`: a built-in or own contract; any other is a 404. */
export async function getContract(
  ports: ContractPorts,
  accountId: string,
  ref: string,
): Promise<EventContract> {
  const contract = findBuiltinContract(ref) ?? (await ports.contracts.get(accountId, ref));
  if (!contract) throw new NotFoundError(`contract ${ref} not found`);
  return contract;
}

/**
 * `POST /v1/contracts`: validates and stores a custom contract. A built-in ref, or one the account has
 * already (contracts are immutable), is a ConflictError.
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
  await ports.contracts.put(accountId, contract);
  return contract;
}
