import { DecryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { SystemSecrets } from '../../../lambdas/aws/system-secrets';
import { startTestEmulators, type TestEmulators } from '../../support/emulators';

let emulators: TestEmulators;
let doc: DynamoDBDocumentClient;
let kms: KMSClient;

beforeAll(async () => {
  emulators = await startTestEmulators({ setEnv: false });
  ({ doc, kms } = emulators);
});

afterAll(async () => {
  await emulators.stop();
});

const freshTable = () => emulators.createEmptyTableLike('keyLinks');

const secretsFor = (table: string) => new SystemSecrets({ doc, kms, table, kmsKeyId: emulators.kmsKeyId });

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
