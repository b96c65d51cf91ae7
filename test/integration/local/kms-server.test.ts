import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  KMSServiceException,
} from '@aws-sdk/client-kms';
import { type KmsServer, LOCAL_KMS_ALIAS, startKmsServer } from '../../../local/kms-server';
import { newLocalCredentials } from '../../../local/local-account';
import { signedFetch } from '../../support/signed-fetch';

/** The credentials the servers of these tests accept (a stack generates its own at every start). */
const credentials = newLocalCredentials();

function clientFor(server: KmsServer, signWith = credentials): KMSClient {
  return new KMSClient({ endpoint: server.url, region: 'us-east-1', credentials: signWith, maxAttempts: 1 });
}

async function errorNameOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).name;
  }
  throw new Error('expected the call to fail');
}

describe('local KMS server (real KMSClient)', () => {
  let server: KmsServer;
  let kms: KMSClient;

  beforeAll(async () => {
    server = await startKmsServer({ port: 0, credentials });
    kms = clientFor(server);
  });

  afterAll(async () => {
    kms.destroy();
    await server.close();
  });

  it('generates a 32-byte data key whose blob decrypts back to it with the same context', async () => {
    const context = { scope: 'acc/stream', purpose: 'kek' };
    const generated = await kms.send(
      new GenerateDataKeyCommand({ KeyId: LOCAL_KMS_ALIAS, KeySpec: 'AES_256', EncryptionContext: context }),
    );
    expect(generated.Plaintext).toHaveLength(32);
    expect(generated.KeyId).toBe(server.keyArn);
    const decrypted = await kms.send(
      new DecryptCommand({
        CiphertextBlob: generated.CiphertextBlob,
        EncryptionContext: { purpose: 'kek', scope: 'acc/stream' },
      }),
    );
    expect(Buffer.from(decrypted.Plaintext!).equals(Buffer.from(generated.Plaintext!))).toBe(true);
  });

  it('honours NumberOfBytes', async () => {
    const generated = await kms.send(new GenerateDataKeyCommand({ KeyId: server.keyId, NumberOfBytes: 64 }));
    expect(generated.Plaintext).toHaveLength(64);
  });

  it('rejects Decrypt with a different encryption context as InvalidCiphertextException', async () => {
    const generated = await kms.send(
      new GenerateDataKeyCommand({
        KeyId: server.keyArn,
        KeySpec: 'AES_256',
        EncryptionContext: { scope: 'a' },
      }),
    );
    const error = await kms
      .send(
        new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { scope: 'b' } }),
      )
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(KMSServiceException);
    expect((error as KMSServiceException).name).toBe('InvalidCiphertextException');
    expect((error as KMSServiceException).$metadata.httpStatusCode).toBe(400);
  });

  it('rejects a tampered ciphertext blob', async () => {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: LOCAL_KMS_ALIAS, Plaintext: Buffer.from('secret') }),
    );
    const tampered = Buffer.from(CiphertextBlob!);
    tampered[tampered.length - 1] ^= 1;
    expect(await errorNameOf(kms.send(new DecryptCommand({ CiphertextBlob: tampered })))).toBe(
      'InvalidCiphertextException',
    );
  });

  it('round-trips Encrypt and Decrypt', async () => {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({
        KeyId: LOCAL_KMS_ALIAS,
        Plaintext: Buffer.from('hello'),
        EncryptionContext: { a: '1' },
      }),
    );
    const { Plaintext } = await kms.send(
      new DecryptCommand({ CiphertextBlob, EncryptionContext: { a: '1' } }),
    );
    expect(Buffer.from(Plaintext!).toString()).toBe('hello');
  });

  it('resolves the key by id, ARN, alias and alias ARN, and nothing else', async () => {
    const aliasArn = `arn:aws:kms:us-east-1:000000000000:${LOCAL_KMS_ALIAS}`;
    for (const keyId of [server.keyId, server.keyArn, LOCAL_KMS_ALIAS, aliasArn]) {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      expect(KeyMetadata?.Arn).toBe(server.keyArn);
      expect(KeyMetadata?.KeyState).toBe('Enabled');
    }
    expect(await errorNameOf(kms.send(new DescribeKeyCommand({ KeyId: 'alias/other' })))).toBe(
      'NotFoundException',
    );
  });

  it('reports key rotation as enabled', async () => {
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: LOCAL_KMS_ALIAS }));
    expect(status.KeyRotationEnabled).toBe(true);
  });

  it('answers an unknown operation with 400 UnknownOperationException', async () => {
    const response = await signedFetch(server.url, {
      method: 'POST',
      service: 'kms',
      credentials,
      headers: { 'x-amz-target': 'TrentService.CreateGrant', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      __type: 'UnknownOperationException',
      message: expect.any(String),
    });
  });
});

describe('local KMS server with a data directory', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ps-kms-'));
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the root key in a 0600 file and decrypts old blobs after a restart', async () => {
    const first = await startKmsServer({ port: 0, dataDir, credentials });
    const firstClient = clientFor(first);
    const generated = await firstClient.send(
      new GenerateDataKeyCommand({
        KeyId: LOCAL_KMS_ALIAS,
        KeySpec: 'AES_256',
        EncryptionContext: { s: 'x' },
      }),
    );
    firstClient.destroy();
    await first.close();

    expect(statSync(join(dataDir, 'kms', 'root-key')).mode & 0o777).toBe(0o600);

    const second = await startKmsServer({ port: 0, dataDir, credentials });
    const secondClient = clientFor(second);
    try {
      expect(second.keyArn).toBe(first.keyArn);
      const { Plaintext } = await secondClient.send(
        new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { s: 'x' } }),
      );
      expect(Buffer.from(Plaintext!).equals(Buffer.from(generated.Plaintext!))).toBe(true);
    } finally {
      secondClient.destroy();
      await second.close();
    }
  });

  it('cannot decrypt blobs of another root key', async () => {
    const other = await startKmsServer({ port: 0, credentials });
    const mine = await startKmsServer({ port: 0, dataDir, credentials });
    const otherClient = clientFor(other);
    const myClient = clientFor(mine);
    try {
      const { CiphertextBlob } = await otherClient.send(
        new EncryptCommand({ KeyId: LOCAL_KMS_ALIAS, Plaintext: Buffer.from('x') }),
      );
      expect(await errorNameOf(myClient.send(new DecryptCommand({ CiphertextBlob })))).toMatch(
        /IncorrectKeyException|InvalidCiphertextException/,
      );
    } finally {
      otherClient.destroy();
      myClient.destroy();
      await other.close();
      await mine.close();
    }
  });
});
