import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { LOCAL_REGION, newLocalCredentials } from '../../../local/local-account';
import { type S3Server, startS3Server } from '../../../local/s3-server';

/**
 * The local S3 API (s3rver plus signature checks, conditional writes and owner-only files) with the AWS
 * SDK v3 S3 client.
 */

describe('the local S3 server', () => {
  let dir: string;
  let server: S3Server;
  let s3: S3Client;
  const credentials = newLocalCredentials();
  const clientWith = (creds: typeof credentials) =>
    new S3Client({ endpoint: server.url, region: LOCAL_REGION, credentials: creds, forcePathStyle: true });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ps-s3-test-'));
    server = await startS3Server({
      directory: join(dir, 's3'),
      host: '127.0.0.1',
      port: 0,
      buckets: ['ps-exports'],
      credentials,
    });
    s3 = clientWith(credentials);
  });

  afterAll(async () => {
    s3.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on loopback only', () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
  });

  it('stores and returns objects with path-style requests, keys with ":" and "/" included', async () => {
    // Prepare
    const key = 'acct/lake/2025-01-01T10:00:00-stream-winston---shardId-000000000000.jsonl';
    // Act
    await s3.send(new PutObjectCommand({ Bucket: 'ps-exports', Key: key, Body: '{"a":1}\n' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'ps-exports', Key: key }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'ps-exports', Prefix: 'acct/' }));
    // Assess
    expect(await got.Body!.transformToString()).toBe('{"a":1}\n');
    expect(listed.Contents?.map((c) => [c.Key, c.Size])).toEqual([[key, 8]]);
  });

  it('answers 412 to If-None-Match: * when the key exists, and keeps the first object', async () => {
    // Prepare
    await s3.send(
      new PutObjectCommand({ Bucket: 'ps-exports', Key: 'once', Body: 'first', IfNoneMatch: '*' }),
    );
    // Act
    const again = s3.send(
      new PutObjectCommand({ Bucket: 'ps-exports', Key: 'once', Body: 'second', IfNoneMatch: '*' }),
    );
    // Assess
    await expect(again).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'ps-exports', Key: 'once' }));
    expect(await got.Body!.transformToString()).toBe('first');
  });

  it('lets exactly one of many concurrent conditional writes of a key win', async () => {
    // Act
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        s3.send(
          new PutObjectCommand({ Bucket: 'ps-exports', Key: 'race', Body: `writer-${i}`, IfNoneMatch: '*' }),
        ),
      ),
    );
    // Assess
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  });

  it('serves presigned GET URLs (how the CLI downloads exported files)', async () => {
    // Prepare
    await s3.send(new PutObjectCommand({ Bucket: 'ps-exports', Key: 'signed.jsonl', Body: 'line\n' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'ps-exports', Key: 'signed.jsonl' }), {
      expiresIn: 60,
    });
    // Act
    const response = await fetch(url);
    // Assess
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('line\n');
  });

  it('refuses requests that are not signed, or signed with other credentials', async () => {
    // Prepare
    await s3.send(new PutObjectCommand({ Bucket: 'ps-exports', Key: 'private.jsonl', Body: 'x\n' }));
    const stranger = clientWith(newLocalCredentials());
    const wrongSecret = clientWith({ ...credentials, secretAccessKey: 'not-the-secret' });
    // Act
    const unsigned = await fetch(`${server.url}/ps-exports/private.jsonl`);
    const byStranger = stranger.send(new GetObjectCommand({ Bucket: 'ps-exports', Key: 'private.jsonl' }));
    const badSignature = wrongSecret.send(
      new PutObjectCommand({ Bucket: 'ps-exports', Key: 'forged', Body: 'y' }),
    );
    // Assess
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>AccessDenied</Code>');
    await expect(byStranger).rejects.toMatchObject({
      name: 'InvalidAccessKeyId',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(badSignature).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    stranger.destroy();
    wrongSecret.destroy();
  });

  it('refuses a presigned URL that was altered or signed by someone else', async () => {
    // Prepare
    await s3.send(new PutObjectCommand({ Bucket: 'ps-exports', Key: 'a.jsonl', Body: 'a\n' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'ps-exports', Key: 'a.jsonl' }), {
      expiresIn: 60,
    });
    const stranger = clientWith(newLocalCredentials());
    const foreign = await getSignedUrl(
      stranger,
      new GetObjectCommand({ Bucket: 'ps-exports', Key: 'a.jsonl' }),
      {
        expiresIn: 60,
      },
    );
    // Act
    const altered = await fetch(url.replace('/a.jsonl', '/private.jsonl'));
    const byStranger = await fetch(foreign);
    // Assess
    expect(altered.status).toBe(403);
    expect(byStranger.status).toBe(403);
    stranger.destroy();
  });

  it('keeps its data in files only the owner can read (0600 in 0700 folders)', async () => {
    // Prepare
    await s3.send(
      new PutObjectCommand({ Bucket: 'ps-exports', Key: 'a/b/secret.jsonl', Body: 'key material\n' }),
    );
    const folder = join(dir, 's3', 'ps-exports', 'a', 'b');
    // Act
    const files = readdirSync(folder).map((name) => statSync(join(folder, name)).mode & 0o777);
    // Assess
    expect(statSync(join(dir, 's3')).mode & 0o777).toBe(0o700);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(files.length).toBeGreaterThan(0);
    expect(new Set(files)).toEqual(new Set([0o600]));
  });
});
