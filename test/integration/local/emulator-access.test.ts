import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { secureDataDir } from '../../../local/data-dir-permissions';
import { type Emulators, startEmulators } from '../../../local/emulators';
import { LOCAL_KMS_ALIAS } from '../../../local/kms-server';
import { newLocalCredentials } from '../../../local/local-account';
import { localDynamoClient, localKinesisClient } from '../../../local/local-clients';
import { signedFetch } from '../../support/signed-fetch';

/**
 * The local emulators answer only requests signed with the credentials the stack generated at its start:
 * another process on the machine, or a web page it shows, gets AWS's own 403 errors, whatever it sends.
 */
let emulators: Emulators;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ps-access-'));
  emulators = await startEmulators({ dataDir });
});

afterAll(async () => {
  await emulators.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const services = () => [
  {
    name: 'Kinesis',
    url: emulators.kinesisUrl,
    service: 'kinesis',
    target: 'Kinesis_20131202.ListStreams',
    contentType: 'application/x-amz-json-1.1',
  },
  {
    name: 'DynamoDB',
    url: emulators.dynamodbUrl,
    service: 'dynamodb',
    target: 'DynamoDB_20120810.ListTables',
    contentType: 'application/x-amz-json-1.0',
  },
  {
    name: 'KMS',
    url: emulators.kmsUrl,
    service: 'kms',
    target: 'TrentService.DescribeKey',
    contentType: 'application/x-amz-json-1.1',
  },
];

describe('emulator access', () => {
  it.each(['Kinesis', 'DynamoDB', 'KMS'])(
    '%s refuses an unsigned request with 403 MissingAuthenticationToken',
    async (name) => {
      // Prepare
      const s = services().find((service) => service.name === name)!;
      // Act
      const response = await fetch(s.url, {
        method: 'POST',
        headers: { 'x-amz-target': s.target, 'content-type': s.contentType },
        body: `{"KeyId":"${LOCAL_KMS_ALIAS}"}`,
      });
      // Assess
      expect(response.status).toBe(403);
      expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    },
  );

  it.each(['Kinesis', 'DynamoDB', 'KMS'])(
    '%s refuses a request signed with other credentials with 403',
    async (name) => {
      // Prepare
      const s = services().find((service) => service.name === name)!;
      // Act
      const response = await signedFetch(s.url, {
        method: 'POST',
        service: s.service,
        credentials: newLocalCredentials(),
        headers: { 'x-amz-target': s.target, 'content-type': s.contentType },
        body: `{"KeyId":"${LOCAL_KMS_ALIAS}"}`,
      });
      // Assess
      expect(response.status).toBe(403);
      expect(response.headers.get('x-amzn-errortype')).toBe('UnrecognizedClientException');
    },
  );

  it('refuses a signature made for another service (a DynamoDB signature at the KMS endpoint)', async () => {
    // Act
    const response = await signedFetch(emulators.kmsUrl, {
      method: 'POST',
      service: 'dynamodb',
      credentials: emulators.credentials,
      headers: { 'x-amz-target': 'TrentService.DescribeKey', 'content-type': 'application/x-amz-json-1.1' },
      body: `{"KeyId":"${LOCAL_KMS_ALIAS}"}`,
    });
    // Assess
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });

  it('refuses a signed request whose body was changed after signing', async () => {
    // Prepare: a correctly signed request, then another body under its headers
    const signed = await signedFetchHeaders(emulators.kmsUrl, '{"NumberOfBytes":16}');
    // Act
    const response = await fetch(emulators.kmsUrl, {
      method: 'POST',
      headers: signed,
      body: '{"NumberOfBytes":17}',
    });
    // Assess
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });

  it('SDK clients with other credentials fail; with the stack credentials they work', async () => {
    // Prepare
    const other = { endpoint: emulators.dynamodbUrl, credentials: newLocalCredentials() };
    const intruder = localDynamoClient(other);
    const own = localDynamoClient({ endpoint: emulators.dynamodbUrl, credentials: emulators.credentials });
    const ownKinesis = localKinesisClient({
      endpoint: emulators.kinesisUrl,
      credentials: emulators.credentials,
    });
    const kmsIntruder = new KMSClient({
      endpoint: emulators.kmsUrl,
      region: 'us-east-1',
      credentials: newLocalCredentials(),
      maxAttempts: 1,
    });
    try {
      // Act
      const refused = await intruder.send(new ListTablesCommand({})).catch((err: Error) => err);
      const keyRefused = await kmsIntruder
        .send(new GenerateDataKeyCommand({ KeyId: LOCAL_KMS_ALIAS, KeySpec: 'AES_256' }))
        .catch((err: Error) => err);
      // Assess
      expect((refused as Error).name).toBe('UnrecognizedClientException');
      expect((keyRefused as Error).name).toBe('UnrecognizedClientException');
      expect(Array.isArray((await own.send(new ListTablesCommand({}))).TableNames)).toBe(true);
      expect(Array.isArray((await ownKinesis.send(new ListStreamsCommand({}))).StreamNames)).toBe(true);
    } finally {
      for (const client of [intruder, own, ownKinesis, kmsIntruder]) client.destroy();
    }
  });

  it('generates new credentials at every start', async () => {
    // Act
    const second = await startEmulators();
    try {
      // Assess
      expect(second.credentials.accessKeyId).not.toBe(emulators.credentials.accessKeyId);
      expect(second.credentials.secretAccessKey).not.toBe(emulators.credentials.secretAccessKey);
    } finally {
      await second.close();
    }
  });
});

/** The headers of a correctly signed KMS GenerateRandom request with this body. */
async function signedFetchHeaders(url: string, body: string): Promise<Record<string, string>> {
  let captured: Record<string, string> = {};
  const realFetch = global.fetch;
  global.fetch = (async (_url: string, init: { headers: Record<string, string> }) => {
    captured = init.headers;
    return new Response(null, { status: 204 });
  }) as unknown as typeof fetch;
  try {
    await signedFetch(url, {
      method: 'POST',
      service: 'kms',
      credentials: emulators.credentials,
      headers: {
        'x-amz-target': 'TrentService.GenerateRandom',
        'content-type': 'application/x-amz-json-1.1',
      },
      body,
    });
  } finally {
    global.fetch = realFetch;
  }
  return captured;
}

describe('data directory permissions', () => {
  it('makes an existing data directory and everything in it owner-only (0700 / 0600)', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'ps-modes-'));
    try {
      chmodSync(dir, 0o755);
      mkdirSync(join(dir, 'dynamodb'), { mode: 0o755 });
      writeFileSync(join(dir, 'dynamodb', 'CURRENT'), 'x', { mode: 0o644 });
      writeFileSync(join(dir, 'loose'), 'x', { mode: 0o666 });
      // Act
      secureDataDir(dir);
      // Assess
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, 'dynamodb')).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, 'dynamodb', 'CURRENT')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'loose')).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the emulators keep their stores in owner-only directories', () => {
    // Assess
    for (const entry of readdirSync(dataDir)) {
      expect(statSync(join(dataDir, entry)).mode & 0o077).toBe(0);
    }
  });
});
