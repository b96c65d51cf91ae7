import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LOCAL_REGION, type LocalCredentials } from './local-account';
import { BodyTooLargeError, readRequestBody } from './request-body';
import type { SignatureRefusal } from './request-signature';
import { verifyS3Signature } from './s3-request-signature';
import { replayOf } from './signed-endpoint';

/**
 * The local S3 API: s3rver (path-style addressing, objects as files) in this process, bound to loopback,
 * with what the stack relies on and s3rver lacks: only requests signed (SigV4, header or presigned URL)
 * with the stack's own credentials are served, like the other emulators (s3rver checks access key ids
 * only); conditional writes (`If-None-Match: *` answers 412 when the key exists, like S3 since 2024);
 * writes that are complete before they are acknowledged; owner-only files (0600 in 0700 folders) in the
 * data directory.
 */

export interface S3Server {
  url: string;
  close(): Promise<void>;
}

export interface S3ServerOptions {
  /** Objects are kept here (created 0700); in a temporary folder of s3rver's when absent. */
  directory: string;
  host: string;
  port: number;
  /** Buckets that exist from the start. */
  buckets?: readonly string[];
  /** The only credentials whose signed requests are served. */
  credentials: LocalCredentials;
}

/** Exported files are 64 MiB at most; staged parts far less. */
const MAX_BODY_BYTES = 100 * 1024 * 1024;

// s3rver ships no types.
interface S3ObjectInput {
  bucket: string;
  key: string;
  content: Readable | Buffer;
  metadata: Record<string, string>;
}
interface FilesystemStoreLike {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  existsObject(bucket: string, key: string): Promise<boolean>;
}
interface S3rverApp {
  store: FilesystemStoreLike;
  context: { store: FilesystemStoreLike };
  callback(): RequestListener;
  configureBuckets(): Promise<void>;
}

const PRECONDITION_FAILED = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>`;

const REFUSAL_CODES: Readonly<Record<SignatureRefusal['reason'], string>> = {
  missing: 'AccessDenied',
  incomplete: 'AuthorizationQueryParametersError',
  unknown_key: 'InvalidAccessKeyId',
  mismatch: 'SignatureDoesNotMatch',
  expired: 'AccessDenied',
};

function sendXmlError(res: ServerResponse, status: number, code: string, message: string): void {
  const escaped = message.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c] ?? c);
  res
    .writeHead(status, { 'content-type': 'application/xml' })
    .end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escaped}</Message></Error>`,
    );
}

/** s3rver's store, writing owner-only files and acknowledging a put only once its bytes are on disk. */
function ownerOnlyStore(directory: string): FilesystemStoreLike {
  const FilesystemStore = require('s3rver/lib/stores/filesystem') as new (dir: string) => FilesystemStoreLike;
  class OwnerOnlyStore extends FilesystemStore {
    async putObject(object: S3ObjectInput): Promise<{ size: number; md5: string }> {
      const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
      await mkdir(dirname(objectPath), { recursive: true, mode: 0o700 });
      const md5 = createHash('md5');
      let size = 0;
      const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          md5.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(source, measure, createWriteStream(objectPath, { mode: 0o600 }));
      const digest = md5.digest('hex');
      await this.putMetadata(object.bucket, object.key, object.metadata, digest);
      for (const resource of ['object', 'object.md5', 'metadata.json']) {
        await chmod(this.getResourcePath(object.bucket, object.key, resource), 0o600).catch(() => undefined);
      }
      return { size, md5: digest };
    }
  }
  return new OwnerOnlyStore(directory);
}

/** `/bucket/key…` of a path-style object request, undefined for bucket and service requests. */
function objectOf(req: IncomingMessage): { bucket: string; key: string } | undefined {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const [, bucket, ...rest] = url.pathname.split('/');
  if (!bucket || rest.length === 0 || rest.join('/') === '') return undefined;
  return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(rest.join('/')) };
}

/** One conditional write per key at a time, so that check and write are atomic. */
class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}

/** s3rver on an owner-only store with the buckets, and the key the stack signs with known to it. */
async function s3rverApp(
  opts: S3ServerOptions,
): Promise<{ handle: RequestListener; store: FilesystemStoreLike }> {
  await mkdir(opts.directory, { recursive: true, mode: 0o700 });
  const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverApp;
  const AWSAccount = require('s3rver/lib/models/account') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
  };
  // s3rver knows access keys, not signatures: the stack's key is one (the signature is checked before).
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(opts.credentials.accessKeyId, opts.credentials.secretAccessKey);
  const app = new S3rver({
    directory: opts.directory,
    silent: true,
    vhostBuckets: false,
    configureBuckets: (opts.buckets ?? []).map((name) => ({ name })),
  });
  const store = ownerOnlyStore(opts.directory);
  app.store = store;
  app.context.store = store;
  await app.configureBuckets();
  return { handle: app.callback(), store };
}

/** Conditional writes checked under the key's lock (check and write are one step); the rest to s3rver. */
function withConditionalWrites(handle: RequestListener, store: FilesystemStoreLike) {
  const locks = new KeyLocks();
  return async (req: IncomingMessage, res: ServerResponse) => {
    const object = objectOf(req);
    if (req.method !== 'PUT' || req.headers['if-none-match'] !== '*' || !object) return handle(req, res);
    const release = await locks.acquire(`${object.bucket}/${object.key}`);
    res.once('close', release);
    if (await store.existsObject(object.bucket, object.key).catch(() => false)) {
      res.writeHead(412, { 'content-type': 'application/xml' }).end(PRECONDITION_FAILED);
      return;
    }
    handle(req, res);
  };
}

/** Reads the body, verifies the signature, and only then hands the request on, as if just received. */
function withSignatureCheck(
  next: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  credentials: LocalCredentials,
): RequestListener {
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    let body: Buffer;
    try {
      body = await readRequestBody(req, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return sendXmlError(res, 400, 'EntityTooLarge', err.message);
      throw err;
    }
    const refusal = await verifyS3Signature(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body },
      { credentials, region: LOCAL_REGION, service: 's3' },
    );
    if (refusal) return sendXmlError(res, 403, REFUSAL_CODES[refusal.reason], refusal.message);
    await next(replayOf(req, body), res);
  };
  return (req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
}

export async function startS3Server(opts: S3ServerOptions): Promise<S3Server> {
  const { handle, store } = await s3rverApp(opts);
  const server: Server = createServer(
    withSignatureCheck(withConditionalWrites(handle, store), opts.credentials),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    url: `http://${opts.host}:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
