import { generateClientCredentials } from '../../../lambdas/core/client-secrets';
import { streamRecord } from '../../support/stream-records';
import { type ControlPlaneEnv, startControlPlaneEnv } from './control-plane-env';

/** A stream's credential list on the real streams table (dynalite): capped, temporary ones keep their expiry. */
let env: ControlPlaneEnv;

beforeAll(async () => {
  env = await startControlPlaneEnv();
});
afterAll(async () => {
  await env.close();
});

const newCredential = (extra: { expiresAt?: string } = {}) => ({
  clientId: generateClientCredentials().clientId,
  secretHash: 'hash',
  createdAt: '2025-01-01T12:00:00.000Z',
  ...extra,
});

describe('StreamsRepo.addCredential', () => {
  it('adds no credential beyond maxCredentials, neither to the list nor as an item', async () => {
    // Prepare
    const record = streamRecord();
    await env.streams.create(record, { clientId: record.credentials[0]!.clientId, secretHash: 'hash' });
    const second = newCredential();
    const third = newCredential();
    // Act
    const added = await env.streams.addCredential(record.accountId, record.name, second, {
      maxCredentials: 2,
    });
    const refused = await env.streams.addCredential(record.accountId, record.name, third, {
      maxCredentials: 2,
    });
    // Assess
    expect(added?.credentials.map((c) => c.clientId)).toEqual([
      record.credentials[0]!.clientId,
      second.clientId,
    ]);
    expect(refused).toBeUndefined();
    expect((await env.streams.get(record.accountId, record.name))?.credentials).toHaveLength(2);
    expect(await env.streams.getCredential(third.clientId)).toBeUndefined();
  });

  it('lists a temporary credential with its expiry', async () => {
    // Prepare
    const record = streamRecord();
    await env.streams.create(record, { clientId: record.credentials[0]!.clientId, secretHash: 'hash' });
    const temporary = newCredential({ expiresAt: '2025-01-01T12:10:00.000Z' });
    // Act
    await env.streams.addCredential(record.accountId, record.name, temporary, { maxCredentials: 20 });
    // Assess
    expect((await env.streams.get(record.accountId, record.name))?.credentials).toContainEqual({
      clientId: temporary.clientId,
      expiresAt: '2025-01-01T12:10:00.000Z',
    });
  });
});
