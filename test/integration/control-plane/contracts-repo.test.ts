import { randomUUID } from 'node:crypto';
import { AccountContracts } from '../../../lambdas/aws/account-contracts';
import { ContractsRepo } from '../../../lambdas/aws/contracts-repo';
import type { EventContract } from '../../../lambdas/core/contracts';
import { type ControlPlaneEnv, startControlPlaneEnv } from './control-plane-env';

/**
 * Deleted contracts on the real contracts table (dynalite): gone for new events and the account, kept
 * (retained) for the events already accepted under them, their ref never reused.
 */
let env: ControlPlaneEnv;
let repo: ContractsRepo;

beforeAll(async () => {
  env = await startControlPlaneEnv();
  repo = new ContractsRepo({ doc: env.doc, table: env.tables.contracts });
});
afterAll(async () => {
  await env.close();
});

const contract = (ref: string): EventContract => ({
  ref,
  keyField: 'orderId',
  piiFields: { email: 0 },
  validations: [],
});

describe('ContractsRepo deletion', () => {
  it('hides a deleted contract from get and the live list, and keeps it in the retained list', async () => {
    // Prepare
    const account = randomUUID();
    await repo.put(account, contract('acme/kept/1.0.0'));
    await repo.put(account, contract('acme/gone/1.0.0'));
    // Act
    const deleted = await repo.delete(account, 'acme/gone/1.0.0');
    // Assess
    expect(deleted).toBe(true);
    expect(await repo.get(account, 'acme/gone/1.0.0')).toBeUndefined();
    expect((await repo.listForAccount(account)).map((c) => c.ref)).toEqual(['acme/kept/1.0.0']);
    expect((await repo.listRetained(account)).map((c) => c.ref)).toEqual([
      'acme/gone/1.0.0',
      'acme/kept/1.0.0',
    ]);
  });

  it('deletes a contract once (false the second time, as for one that never existed)', async () => {
    // Prepare
    const account = randomUUID();
    await repo.put(account, contract('acme/once/1.0.0'));
    // Act
    const first = await repo.delete(account, 'acme/once/1.0.0');
    const second = await repo.delete(account, 'acme/once/1.0.0');
    const never = await repo.delete(account, 'acme/never/1.0.0');
    // Assess
    expect([first, second, never]).toEqual([true, false, false]);
  });

  it('refuses to define a deleted ref again', async () => {
    // Prepare
    const account = randomUUID();
    await repo.put(account, contract('acme/reused/1.0.0'));
    await repo.delete(account, 'acme/reused/1.0.0');
    // Act
    const again = repo.put(account, contract('acme/reused/1.0.0'));
    // Assess
    await expect(again).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('lets a data-path lookup over the retained list find a deleted contract (the decrypter)', async () => {
    // Prepare
    const account = randomUUID();
    await repo.put(account, contract('acme/in-flight/1.0.0'));
    await repo.delete(account, 'acme/in-flight/1.0.0');
    const decrypting = new AccountContracts({ source: { listForAccount: (id) => repo.listRetained(id) } });
    const accepting = new AccountContracts({ source: repo });
    // Act
    const found = await decrypting.find(account, 'acme/in-flight/1.0.0');
    const refused = await accepting.find(account, 'acme/in-flight/1.0.0');
    // Assess
    expect(found?.ref).toBe('acme/in-flight/1.0.0');
    expect(refused).toBeUndefined();
  });
});
