import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LOCAL_ACCOUNT_ID, type LocalCredentials } from './local-account';
import { BodyTooLargeError, readRequestBody } from './request-body';
import { signedEndpoint } from './signed-endpoint';

export { LOCAL_ACCOUNT_ID };

/**
 * A local server for the few AWS KMS operations the handlers use, speaking the KMS JSON 1.1 wire protocol
 * (`POST /`, `X-Amz-Target: TrentService.<Op>`, base64 blobs) so the real `KMSClient` works unchanged.
 * One symmetric key exists; its 32-byte root key lives in `<dataDir>/kms/root-key` (mode 0600). Only
 * requests signed (SigV4) with `credentials` are served: the root key protects the JWT signing key and
 * every key-encryption key.
 */

export const LOCAL_KMS_ALIAS = 'alias/privacy-streams';

const BLOB_VERSION = 0x01;
const KEY_ID_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_REQUEST_BYTES = 1024 * 1024;
const MAX_ENCRYPT_PLAINTEXT = 4096;
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface KmsServerOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Keeps the root key across restarts; in memory only when absent. */
  dataDir?: string;
  /** Default us-east-1 (in ARNs and the signature scope). */
  region?: string;
  /** The only credentials whose signed requests are served. */
  credentials: LocalCredentials;
}

export interface KmsServer {
  url: string;
  keyId: string;
  keyArn: string;
  close(): Promise<void>;
}

/** A KMS-style client error: HTTP 400 with `{"__type", "message"}`. */
class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The root key: created once (0600) in the data directory and reused, or random in memory. */
function loadOrCreateRootKey(dataDir: string | undefined): Buffer {
  if (!dataDir) return randomBytes(32);
  const dir = join(dataDir, 'kms');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'root-key');
  try {
    writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = readFileSync(file);
  if (key.length !== 32) throw new Error(`KMS root key file ${file} must hold exactly 32 bytes`);
  return key;
}

/** A stable key id (UUID form) derived one-way from the root key, so blobs stay valid across restarts. */
function keyIdOf(rootKey: Buffer): Buffer {
  const bytes = createHmac('sha256', rootKey)
    .update('privacy-streams local kms key id')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return bytes;
}

function uuidOf(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** AAD for a blob: the encryption context as JSON with sorted keys (order-independent, like KMS). */
function canonicalContext(context: unknown): Buffer {
  if (context === undefined || context === null) return Buffer.from('{}');
  if (typeof context !== 'object' || Array.isArray(context)) {
    throw new KmsError('ValidationException', 'EncryptionContext must be a map of strings');
  }
  const entries = Object.entries(context as Record<string, unknown>);
  for (const [, value] of entries) {
    if (typeof value !== 'string')
      throw new KmsError('ValidationException', 'EncryptionContext values must be strings');
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(Object.fromEntries(entries)));
}

function base64Field(input: Record<string, unknown>, name: string): Buffer {
  const value = input[name];
  if (typeof value !== 'string' || value.length === 0)
    throw new KmsError('ValidationException', `${name} is required`);
  return Buffer.from(value, 'base64');
}

class LocalKey {
  readonly keyIdBytes: Buffer;
  readonly keyId: string;
  readonly keyArn: string;
  readonly aliasArn: string;
  readonly createdAt = Date.now() / 1000;

  constructor(
    private readonly rootKey: Buffer,
    region: string,
  ) {
    this.keyIdBytes = keyIdOf(rootKey);
    this.keyId = uuidOf(this.keyIdBytes);
    this.keyArn = `arn:aws:kms:${region}:${LOCAL_ACCOUNT_ID}:key/${this.keyId}`;
    this.aliasArn = `arn:aws:kms:${region}:${LOCAL_ACCOUNT_ID}:${LOCAL_KMS_ALIAS}`;
  }

  /** Accepts the key id, key ARN, alias or alias ARN; anything else is not found. */
  resolve(keyId: unknown, errorType = 'NotFoundException'): void {
    if (typeof keyId !== 'string' || keyId.length === 0)
      throw new KmsError('ValidationException', 'KeyId is required');
    if (keyId === this.keyId || keyId === this.keyArn || keyId === LOCAL_KMS_ALIAS || keyId === this.aliasArn)
      return;
    throw new KmsError(errorType, `Key '${keyId}' does not exist`);
  }

  seal(plaintext: Buffer, context: unknown): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.rootKey, iv);
    cipher.setAAD(canonicalContext(context));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([BLOB_VERSION]), this.keyIdBytes, iv, ct, cipher.getAuthTag()]);
  }

  open(blob: Buffer, context: unknown): Buffer {
    const aad = canonicalContext(context);
    const header = 1 + KEY_ID_BYTES;
    if (blob.length < header + IV_BYTES + TAG_BYTES || blob[0] !== BLOB_VERSION) {
      throw new KmsError('InvalidCiphertextException', 'The ciphertext is invalid');
    }
    if (!blob.subarray(1, header).equals(this.keyIdBytes)) {
      throw new KmsError('IncorrectKeyException', 'The ciphertext was not encrypted under this key');
    }
    const iv = blob.subarray(header, header + IV_BYTES);
    const ct = blob.subarray(header + IV_BYTES, blob.length - TAG_BYTES);
    const tag = blob.subarray(blob.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.rootKey, iv);
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ct), decipher.final()]);
    } catch {
      throw new KmsError('InvalidCiphertextException', 'The ciphertext or encryption context is invalid');
    }
  }
}

function dataKeyLength(input: Record<string, unknown>): number {
  const { KeySpec, NumberOfBytes } = input;
  if (KeySpec !== undefined && NumberOfBytes !== undefined) {
    throw new KmsError('ValidationException', 'Specify either KeySpec or NumberOfBytes, not both');
  }
  if (KeySpec === 'AES_256') return 32;
  if (KeySpec === 'AES_128') return 16;
  if (KeySpec !== undefined) throw new KmsError('ValidationException', 'KeySpec must be AES_256 or AES_128');
  return numberOfBytes(NumberOfBytes);
}

function numberOfBytes(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1024) {
    throw new KmsError('ValidationException', 'NumberOfBytes must be an integer from 1 to 1024');
  }
  return value;
}

type Operation = (key: LocalKey, input: Record<string, unknown>) => Record<string, unknown>;

const OPERATIONS: Record<string, Operation> = {
  GenerateDataKey(key, input) {
    key.resolve(input.KeyId);
    const plaintext = randomBytes(dataKeyLength(input));
    const blob = key.seal(plaintext, input.EncryptionContext);
    return {
      KeyId: key.keyArn,
      Plaintext: plaintext.toString('base64'),
      CiphertextBlob: blob.toString('base64'),
    };
  },
  GenerateDataKeyWithoutPlaintext(key, input) {
    key.resolve(input.KeyId);
    const blob = key.seal(randomBytes(dataKeyLength(input)), input.EncryptionContext);
    return { KeyId: key.keyArn, CiphertextBlob: blob.toString('base64') };
  },
  Encrypt(key, input) {
    key.resolve(input.KeyId);
    const plaintext = base64Field(input, 'Plaintext');
    if (plaintext.length > MAX_ENCRYPT_PLAINTEXT) {
      throw new KmsError('ValidationException', `Plaintext must be at most ${MAX_ENCRYPT_PLAINTEXT} bytes`);
    }
    const blob = key.seal(plaintext, input.EncryptionContext);
    return {
      KeyId: key.keyArn,
      CiphertextBlob: blob.toString('base64'),
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  },
  Decrypt(key, input) {
    if (input.KeyId !== undefined) key.resolve(input.KeyId, 'IncorrectKeyException');
    const plaintext = key.open(base64Field(input, 'CiphertextBlob'), input.EncryptionContext);
    return {
      KeyId: key.keyArn,
      Plaintext: plaintext.toString('base64'),
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  },
  DescribeKey(key, input) {
    key.resolve(input.KeyId);
    return {
      KeyMetadata: {
        AWSAccountId: LOCAL_ACCOUNT_ID,
        KeyId: key.keyId,
        Arn: key.keyArn,
        CreationDate: key.createdAt,
        Enabled: true,
        Description: 'privacy-streams local root key',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
        MultiRegion: false,
      },
    };
  },
  GetKeyRotationStatus(key, input) {
    key.resolve(input.KeyId);
    return { KeyId: key.keyArn, KeyRotationEnabled: true, RotationPeriodInDays: 365 };
  },
  GenerateRandom(_key, input) {
    return { Plaintext: randomBytes(numberOfBytes(input.NumberOfBytes)).toString('base64') };
  },
};

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomBytes(16).toString('hex'),
  };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers);
  res.end(text);
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  send(res, status, { __type: type, message }, type);
}

async function handleRequest(key: LocalKey, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
    sendError(res, 404, 'UnknownOperationException', 'Only POST / is served');
    req.resume();
    return;
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const [service, operationName] = target.split('.');
  let body: Buffer;
  try {
    body = await readRequestBody(req, MAX_REQUEST_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) sendError(res, 413, 'ValidationException', err.message);
    else sendError(res, 400, 'ValidationException', 'unreadable request body');
    return;
  }
  const name = operationName ?? '';
  const operation =
    service === 'TrentService' && Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
  if (!operation) {
    sendError(res, 400, 'UnknownOperationException', 'Unknown operation');
    return;
  }
  let input: unknown;
  try {
    input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    sendError(res, 400, 'SerializationException', 'Request body is not valid JSON');
    return;
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    sendError(res, 400, 'SerializationException', 'Request body must be a JSON object');
    return;
  }
  try {
    send(res, 200, operation(key, input as Record<string, unknown>));
  } catch (err) {
    if (err instanceof KmsError) sendError(res, 400, err.type, err.message);
    else sendError(res, 500, 'KMSInternalException', 'internal error');
  }
}

/** Starts the local KMS server; resolves once it listens. */
export async function startKmsServer(opts: KmsServerOptions): Promise<KmsServer> {
  const host = opts.host ?? '127.0.0.1';
  const key = new LocalKey(loadOrCreateRootKey(opts.dataDir), opts.region ?? 'us-east-1');
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    handleRequest(key, req, res).catch(() => {
      if (!res.headersSent) sendError(res, 500, 'KMSInternalException', 'internal error');
    });
  };
  const server = createServer(
    signedEndpoint(serve, {
      credentials: opts.credentials,
      region: opts.region ?? 'us-east-1',
      service: 'kms',
      errorStyle: 'aws-json-1.1',
      maxBodyBytes: MAX_REQUEST_BYTES,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    keyId: key.keyId,
    keyArn: key.keyArn,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
