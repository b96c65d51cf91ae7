import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { SystemSecrets } from '../../../lambdas/aws/system-secrets';
import { startKmsServer } from '../../../local/kms-server';
import { createTables, startDynalite } from './control-plane-env';

const CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };
let dynalite: Awaited<ReturnType<typeof startDynalite>>;
let kmsServer: Awaited<ReturnType<typeof startKmsServer>>;
let raw: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let kms: KMSClient;

beforeAll(async () => {
  [dynalite, kmsServer] = await Promise.all([
    startDynalite(),
    startKmsServer({ port: 0, host: '127.0.0.1' }),
  ]);
  raw = new DynamoDBClient({ endpoint: dynalite.url, region: 'us-east-1', credentials: CREDENTIALS });
  doc = DynamoDBDocumentClient.from(raw);
  kms = new KMSClient({ endpoint: kmsServer.url, region: 'us-east-1', credentials: CREDENTIALS });
});

afterAll(async () => {
  raw.destroy();
  kms.destroy();
  await Promise.all([dynalite.close(), kmsServer.close()]);
});

async function freshTable(): Promise<string> {
  const table = `key-links-${randomUUID().slice(0, 8)}`;
  await createTables(raw, [table]);
  return table;
}

const secretsFor = (table: string) => new SystemSecrets({ doc, kms, table, kmsKeyId: kmsServer.keyId });

describe('system secrets', () => {
  it('are created on first use as 32-byte keys, and the table holds only the KMS ciphertext', async () => {
    const table = await freshTable();
    const secret = await secretsFor(table).get('signing');
    expect(secret).toHaveLength(32);
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { pk: 'secret#signing', sk: 'secret' } }),
    );
    expect(Object.keys(Item ?? {}).sort()).toEqual(['createdAt', 'pk', 'sk', 'wrappedKey']);
    expect(Buffer.from(Item?.wrappedKey).includes(Buffer.from(secret))).toBe(false);
  });

  it('are the same for every later process (decrypted from the stored blob)', async () => {
    const table = await freshTable();
    const first = await secretsFor(table).get('lookup-hash');
    const second = await secretsFor(table).get('lookup-hash');
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
  });

  it('agree when several processes create them at the same time (conditional put, loser reads the winner)', async () => {
    const table = await freshTable();
    const results = await Promise.all(Array.from({ length: 5 }, () => secretsFor(table).get('signing')));
    for (const result of results) expect(Buffer.from(result).equals(Buffer.from(results[0]))).toBe(true);
  });

  it('differ per name', async () => {
    const secrets = secretsFor(await freshTable());
    const [signing, lookup] = await Promise.all([secrets.get('signing'), secrets.get('lookup-hash')]);
    expect(Buffer.from(signing).equals(Buffer.from(lookup))).toBe(false);
  });

  it('are bound to their purpose by the KMS encryption context', async () => {
    const table = await freshTable();
    await secretsFor(table).get('signing');
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { pk: 'secret#signing', sk: 'secret' } }),
    );
    await expect(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: Item?.wrappedKey,
          EncryptionContext: { purpose: 'lookup-hash' },
        }),
      ),
    ).rejects.toThrow();
  });

  it('are decrypted once per process', async () => {
    const table = await freshTable();
    await secretsFor(table).get('signing');
    const secrets = secretsFor(table);
    const calls: string[] = [];
    const send = kms.send.bind(kms);
    const spy = jest.spyOn(kms, 'send').mockImplementation(((command: { constructor: { name: string } }) => {
      calls.push(command.constructor.name);
      return send(command as never);
    }) as never);
    try {
      await Promise.all([secrets.get('signing'), secrets.get('signing')]);
      await secrets.get('signing');
    } finally {
      spy.mockRestore();
    }
    expect(calls).toEqual(['DecryptCommand']);
  });
});
