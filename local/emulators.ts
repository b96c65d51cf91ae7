import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KmsServer, startKmsServer } from './kms-server';
import { LOCAL_REGION, type LocalCredentials, newLocalCredentials } from './local-account';
import { LOCAL_BUCKETS } from './resources';
import { startS3Server } from './s3-server';
import { type ErrorStyle, signedEndpoint } from './signed-endpoint';

/**
 * The AWS-API servers of the local stack, in this process: kinesalite (Kinesis), dynalite (DynamoDB),
 * the local KMS server and the S3 API (s3rver, local/s3-server.ts), bound to loopback. They answer only requests signed (SigV4) with `credentials`,
 * which are new at every start: another process on the machine (or a web page it shows) cannot read the
 * tables, the streams, the exported files or the root key through them. With a data directory their state survives restarts.
 */

export interface EmulatorOptions {
  /** `<dataDir>/kinesis`, `<dataDir>/dynamodb`, `<dataDir>/kms`; everything in memory when absent. */
  dataDir?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  kinesisPort?: number;
  dynamodbPort?: number;
  kmsPort?: number;
  s3Port?: number;
  /** Buckets that exist from the start; default: the topology's (local/resources.ts). */
  buckets?: readonly string[];
}

export interface Emulators {
  kinesisUrl: string;
  dynamodbUrl: string;
  kmsUrl: string;
  kmsKeyId: string;
  kmsKeyArn: string;
  /** The only credentials the emulators accept: for the stack's own functions and clients. */
  credentials: LocalCredentials;
  s3Url: string;
  close(): Promise<void>;
}

/** A server could not bind its port; `port` and `service` say which. */
export class PortInUseError extends Error {
  constructor(
    readonly service: string,
    readonly port: number,
  ) {
    super(`${service}: port ${port} is already in use`);
    this.name = 'PortInUseError';
  }
}

// kinesalite and dynalite ship no types: a factory returning a node:http Server that also closes its store.
type EmulatorFactory = (options: Record<string, unknown>) => Server;

/** The emulators' own limits are 7 MiB (kinesalite) and 16 MiB (dynalite). */
const MAX_SIGNED_BODY_BYTES = 16 * 1024 * 1024;

function listen(server: Server, service: string, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(service, port) : err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(`http://${host}:${(server.address() as AddressInfo).port}`);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function storePath(dataDir: string | undefined, name: string): string | undefined {
  if (!dataDir) return undefined;
  const dir = join(dataDir, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

interface SignedService {
  label: string;
  /** The SigV4 signing name. */
  service: string;
  errorStyle: ErrorStyle;
}

/**
 * An emulator behind a signature check: the emulator's own server listens only on a Unix socket in a
 * private (0700) directory, which keeps its lifecycle (close also closes its store) but takes no
 * connections; a loopback TCP server verifies each request and hands the verified ones to the emulator's
 * request listener in this process.
 */
async function startSigned(
  emulator: Server,
  spec: SignedService,
  ctx: { host: string; port: number; socketDir: string; credentials: LocalCredentials },
  started: Array<() => Promise<void>>,
): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    emulator.once('error', reject);
    emulator.listen(join(ctx.socketDir, `${spec.service}.sock`), () => resolve());
  });
  started.push(() => closeServer(emulator));
  const inner = emulator.listeners('request')[0] as RequestListener;
  const front = createServer(
    signedEndpoint(inner, {
      credentials: ctx.credentials,
      region: LOCAL_REGION,
      service: spec.service,
      errorStyle: spec.errorStyle,
      maxBodyBytes: MAX_SIGNED_BODY_BYTES,
    }),
  );
  const url = await listen(front, spec.label, ctx.port, ctx.host);
  started.push(() => closeServer(front));
  return url;
}

/** Starts all four servers; if one fails the others are closed again before the error is rethrown. */
export async function startEmulators(opts: EmulatorOptions = {}): Promise<Emulators> {
  const host = opts.host ?? '127.0.0.1';
  const credentials = newLocalCredentials();
  const started: Array<() => Promise<void>> = [];
  const socketDir = mkdtempSync(join(tmpdir(), 'strm-emulators-'));
  started.push(async () => rmSync(socketDir, { recursive: true, force: true }));
  const closeAll = async () => {
    for (const close of started.reverse()) await close().catch(() => undefined);
  };
  try {
    const kinesalite = require('kinesalite') as EmulatorFactory;
    const kinesisServer = kinesalite({
      createStreamMs: 0,
      deleteStreamMs: 0,
      updateStreamMs: 0,
      shardLimit: 100,
      path: storePath(opts.dataDir, 'kinesis'),
    });
    const kinesisUrl = await startSigned(
      kinesisServer,
      { label: 'Kinesis emulator', service: 'kinesis', errorStyle: 'aws-json-1.1' },
      { host, port: opts.kinesisPort ?? 0, socketDir, credentials },
      started,
    );

    const dynalite = require('dynalite') as EmulatorFactory;
    const dynamoServer = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      path: storePath(opts.dataDir, 'dynamodb'),
    });
    const dynamodbUrl = await startSigned(
      dynamoServer,
      { label: 'DynamoDB emulator', service: 'dynamodb', errorStyle: 'aws-json-1.0' },
      { host, port: opts.dynamodbPort ?? 0, socketDir, credentials },
      started,
    );

    let kms: KmsServer;
    try {
      kms = await startKmsServer({
        port: opts.kmsPort ?? 0,
        host,
        dataDir: opts.dataDir,
        region: LOCAL_REGION,
        credentials,
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new PortInUseError('KMS server', opts.kmsPort ?? 0);
      throw err;
    }
    started.push(() => kms.close());

    const s3Directory = storePath(opts.dataDir, 's3') ?? mkdtempSync(join(tmpdir(), 'ps-s3-'));
    let s3: Awaited<ReturnType<typeof startS3Server>>;
    try {
      s3 = await startS3Server({
        directory: s3Directory,
        host,
        port: opts.s3Port ?? 0,
        buckets: opts.buckets ?? Object.values(LOCAL_BUCKETS),
        credentials,
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new PortInUseError('S3 emulator', opts.s3Port ?? 0);
      throw err;
    }
    started.push(async () => {
      await s3.close();
      if (!opts.dataDir) rmSync(s3Directory, { recursive: true, force: true });
    });

    return {
      kinesisUrl,
      dynamodbUrl,
      kmsUrl: kms.url,
      kmsKeyId: kms.keyId,
      kmsKeyArn: kms.keyArn,
      credentials,
      s3Url: s3.url,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The SDK settings every handler picks up from the environment: endpoints, region, the stack's credentials. */
export function emulatorEnv(
  emulators: Pick<Emulators, 'kinesisUrl' | 'dynamodbUrl' | 'kmsUrl' | 's3Url' | 'credentials'>,
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_KINESIS: emulators.kinesisUrl,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamodbUrl,
    AWS_ENDPOINT_URL_KMS: emulators.kmsUrl,
    AWS_ENDPOINT_URL_S3: emulators.s3Url,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: emulators.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulators.credentials.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
