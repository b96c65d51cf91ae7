import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type KmsServer, startKmsServer } from './kms-server';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-account';

/**
 * The AWS-API servers of the local stack, in this process: kinesalite (Kinesis), dynalite (DynamoDB) and
 * the local KMS server, all bound to loopback. With a data directory their state survives restarts.
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
}

export interface Emulators {
  kinesisUrl: string;
  dynamodbUrl: string;
  kmsUrl: string;
  kmsKeyId: string;
  kmsKeyArn: string;
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

/** Starts all three servers; if one fails the others are closed again before the error is rethrown. */
export async function startEmulators(opts: EmulatorOptions = {}): Promise<Emulators> {
  const host = opts.host ?? '127.0.0.1';
  const started: Array<() => Promise<void>> = [];
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
    const kinesisUrl = await listen(kinesisServer, 'Kinesis emulator', opts.kinesisPort ?? 0, host);
    started.push(() => closeServer(kinesisServer));

    const dynalite = require('dynalite') as EmulatorFactory;
    const dynamoServer = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      path: storePath(opts.dataDir, 'dynamodb'),
    });
    const dynamodbUrl = await listen(dynamoServer, 'DynamoDB emulator', opts.dynamodbPort ?? 0, host);
    started.push(() => closeServer(dynamoServer));

    let kms: KmsServer;
    try {
      kms = await startKmsServer({
        port: opts.kmsPort ?? 0,
        host,
        dataDir: opts.dataDir,
        region: LOCAL_REGION,
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new PortInUseError('KMS server', opts.kmsPort ?? 0);
      throw err;
    }
    started.push(() => kms.close());

    return {
      kinesisUrl,
      dynamodbUrl,
      kmsUrl: kms.url,
      kmsKeyId: kms.keyId,
      kmsKeyArn: kms.keyArn,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The SDK settings every handler picks up from the environment: endpoints, region, static credentials. */
export function emulatorEnv(
  emulators: Pick<Emulators, 'kinesisUrl' | 'dynamodbUrl' | 'kmsUrl'>,
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_KINESIS: emulators.kinesisUrl,
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamodbUrl,
    AWS_ENDPOINT_URL_KMS: emulators.kmsUrl,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
