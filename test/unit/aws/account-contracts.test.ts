import {
  AccountContracts,
  CONTRACTS_CACHE_TTL_MS,
  CONTRACTS_REFRESH_INTERVAL_MS,
} from '../../../lambdas/aws/account-contracts';
import { findBuiltinContract } from '../../../lambdas/core/contracts';
import { InMemoryContractsRepo } from '../../support/fakes/in-memory-contracts-repo';

const ORDER = { ref: 'acme/order/1.0.0', keyField: 'orderId', piiFields: { email: 0 }, validations: [] };

/** AccountContracts of one warm process over an in-memory table, with a clock the test moves. */
function contractsWithClock() {
  const clock = { now: Date.parse('2025-03-01T12:00:00.000Z') };
  const source = new InMemoryContractsRepo();
  const contracts = new AccountContracts({ source, now: () => clock.now });
  return { clock, source, contracts };
}

describe('AccountContracts.find', () => {
  it('finds a built-in contract, also by its legacy id, without reading the table', async () => {
    // Prepare
    const { source, contracts } = contractsWithClock();
    // Act
    const example = await contracts.find('a-1', 'streammachine/example/1.3.0');
    const legacy = await contracts.find('a-1', 'clickstream');
    // Assess
    expect(example).toBe(findBuiltinContract('streammachine/example/1.3.0'));
    expect(legacy).toBe(findBuiltinContract('streammachine/clickstream/1.0.0'));
    expect(source.calls.listForAccount).toBeUndefined();
  });

  it("finds the account's own contract, reading the table once for many lookups", async () => {
    // Prepare
    const { source, contracts } = contractsWithClock();
    await source.put('a-1', ORDER);
    // Act
    const found = await Promise.all([1, 2, 3].map(() => contracts.find('a-1', 'acme/order/1.0.0')));
    // Assess
    expect(found).toEqual([ORDER, ORDER, ORDER]);
    expect(source.calls.listForAccount).toBe(1);
  });

  it("never finds another account's contract", async () => {
    // Prepare
    const { source, contracts } = contractsWithClock();
    await source.put('a-2', ORDER);
    // Act
    const found = await contracts.find('a-1', 'acme/order/1.0.0');
    // Assess
    expect(found).toBeUndefined();
  });

  it('reloads the account once on a miss, so a contract created since the last load is found', async () => {
    // Prepare
    const { source, contracts } = contractsWithClock();
    await source.put('a-1', { ...ORDER, ref: 'acme/invoice/1.0.0' });
    await contracts.find('a-1', 'acme/invoice/1.0.0'); // loads the account's contracts
    await source.put('a-1', ORDER);
    // Act
    const found = await contracts.find('a-1', 'acme/order/1.0.0');
    // Assess
    expect(found).toEqual(ORDER);
    expect(source.calls.listForAccount).toBe(2);
  });

  it('answers a ref that is still unknown after the one reload as not found', async () => {
    // Prepare
    const { source, contracts } = contractsWithClock();
    // Act
    const found = await contracts.find('a-1', 'nobody/nothing/1.0.0');
    // Assess
    expect(found).toBeUndefined();
    expect(source.calls.listForAccount).toBe(2);
  });

  it('finds a just-created contract for each of three concurrent lookups that missed the cached load', async () => {
    // Prepare
    const { clock, source, contracts } = contractsWithClock();
    await contracts.find('a-1', 'acme/invoice/1.0.0'); // loads the account's contracts, without ORDER
    await source.put('a-1', ORDER);
    clock.now += CONTRACTS_REFRESH_INTERVAL_MS; // past the refresh interval, within the cache time
    // Act
    const found = await Promise.all([1, 2, 3].map(() => contracts.find('a-1', 'acme/order/1.0.0')));
    // Assess
    expect(found).toEqual([ORDER, ORDER, ORDER]);
    expect(source.calls.listForAccount).toBe(3);
  });

  it('reloads within the refresh interval when the last reload started before the time a lookup names', async () => {
    // Prepare
    const { clock, source, contracts } = contractsWithClock();
    await contracts.find('a-1', 'nobody/nothing/1.0.0'); // loads and reloads the account now
    clock.now += 1;
    await source.put('a-1', ORDER);
    const createdAt = clock.now;
    clock.now += 1;
    // Act
    const found = await contracts.find('a-1', 'acme/order/1.0.0', createdAt);
    // Assess
    expect(found).toEqual(ORDER);
    expect(source.calls.listForAccount).toBe(3);
  });

  it('answers a miss from a reload that started at or after the time a lookup names, without another', async () => {
    // Prepare
    const { clock, source, contracts } = contractsWithClock();
    const since = clock.now;
    await contracts.find('a-1', 'nobody/nothing/1.0.0'); // loads and reloads the account now
    clock.now += 1;
    // Act
    const found = await contracts.find('a-1', 'nobody/other/1.0.0', since);
    // Assess
    expect(found).toBeUndefined();
    expect(source.calls.listForAccount).toBe(2);
  });

  it('reloads an account on a miss at most once a second', async () => {
    // Prepare
    const { clock, source, contracts } = contractsWithClock();
    await contracts.find('a-1', 'nobody/nothing/1.0.0');
    await source.put('a-1', ORDER);
    // Act
    const soon = await contracts.find('a-1', 'acme/order/1.0.0');
    clock.now += CONTRACTS_REFRESH_INTERVAL_MS;
    const later = await contracts.find('a-1', 'acme/order/1.0.0');
    // Assess
    expect(soon).toBeUndefined();
    expect(later).toEqual(ORDER);
    expect(source.calls.listForAccount).toBe(3);
  });

  it("trusts an account's loaded contracts for the cache time, then loads them again", async () => {
    // Prepare
    const { clock, source, contracts } = contractsWithClock();
    await source.put('a-1', ORDER);
    await contracts.find('a-1', 'acme/order/1.0.0');
    // Act
    clock.now += CONTRACTS_CACHE_TTL_MS - 1;
    await contracts.find('a-1', 'acme/order/1.0.0');
    const loadsWithinTtl = source.calls.listForAccount;
    clock.now += 1;
    await contracts.find('a-1', 'acme/order/1.0.0');
    // Assess
    expect(loadsWithinTtl).toBe(1);
    expect(source.calls.listForAccount).toBe(2);
  });
});
