import { randomUUID } from 'node:crypto';
import type { AddressInfo, Server } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AccountsRepo } from '../../../lambdas/aws/accounts-repo';
import { ContractsRepo } from '../../../lambdas/aws/contracts-repo';
import { DynamoKeyLinkStore } from '../../../lambdas/aws/key-link-store';
import { KmsKeyEncryptionKeys } from '../../../lambdas/aws/kms-key-encryption-keys';
import { StreamsRepo } from '../../../lambdas/aws/streams-repo';
import { SIGNING_KEY_ID, SystemSecrets } from '../../../lambdas/aws/system-secrets';
import { UsageRepo } from '../../../lambdas/aws/usage-repo';
import { TokenService } from '../../../lambdas/core/tokens';
import { createManagementHandler, type ManagementDeps } from '../../../lambdas/handlers/management';
import { createTokenHandler } from '../../../lambdas/handlers/token';
import { createWsAuthorizerHandler } from '../../../lambdas/handlers/ws-authorizer';
import { startKmsServer } from '../../../local/kms-server';

/**
 * In-process dynalite and the local KMS server on 127.0.0.1 port 0, the control-plane tables, and the
 * real control-plane handlers wired to them.
 */
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };
export const ISSUER = 'privacy-streams-test';

export interface ControlPlaneEnv {
  dynamoUrl: string;
  kmsUrl: string;
  kmsKeyId: string;
  raw: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  kms: KMSClient;
  tables: { accounts: string; streams: string; contracts: string; keyLinks: string; usage: string };
  secrets: SystemSecrets;
  tokens: TokenService;
  accounts: AccountsRepo;
  streams: StreamsRepo;
  contracts: ContractsRepo;
  usage: UsageRepo;
  keyLinks: DynamoKeyLinkStore;
  keks: KmsKeyEncryptionKeys;
  management(
    overrides?: Partial<ManagementDeps>,
  ): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  token: ReturnType<typeof createTokenHandler>;
  wsAuthorizer: ReturnType<typeof createWsAuthorizerHandler>;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

export async function createTables(client: DynamoDBClient, names: string[]): Promise<void> {
  for (const name of names) {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  }
}

export async function startDynalite(): Promise<{ url: string; close(): Promise<void> }> {
  // biome-ignore lint/suspicious/noExplicitAny: dynalite ships without types
  const server: Server = (require('dynalite') as any)({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const url = await listen(server);
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export async function startControlPlaneEnv(): Promise<ControlPlaneEnv> {
  const [dynalite, kmsServer] = await Promise.all([
    startDynalite(),
    startKmsServer({ port: 0, host: '127.0.0.1' }),
  ]);
  const raw = new DynamoDBClient({ endpoint: dynalite.url, region: REGION, credentials: CREDENTIALS });
  const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const kms = new KMSClient({ endpoint: kmsServer.url, region: REGION, credentials: CREDENTIALS });
  const suffix = randomUUID().slice(0, 8);
  const tables = {
    accounts: `accounts-${suffix}`,
    streams: `streams-${suffix}`,
    contracts: `contracts-${suffix}`,
    keyLinks: `key-links-${suffix}`,
    usage: `usage-${suffix}`,
  };
  await createTables(raw, Object.values(tables));

  const secrets = new SystemSecrets({ doc, kms, table: tables.keyLinks, kmsKeyId: kmsServer.keyId });
  const tokens = new TokenService({
    signingKey: await secrets.get('signing'),
    kid: SIGNING_KEY_ID,
    issuer: ISSUER,
  });
  const accounts = new AccountsRepo({ doc, table: tables.accounts });
  const streams = new StreamsRepo({ doc, table: tables.streams });
  const contracts = new ContractsRepo({ doc, table: tables.contracts });
  const usage = new UsageRepo({ dynamo: doc, tableName: tables.usage });
  const keyLinks = new DynamoKeyLinkStore({ dynamo: doc, tableName: tables.keyLinks });
  const keks = new KmsKeyEncryptionKeys({
    dynamo: doc,
    kms,
    tableName: tables.keyLinks,
    kmsKeyId: kmsServer.keyId,
  });

  return {
    dynamoUrl: dynalite.url,
    kmsUrl: kmsServer.url,
    kmsKeyId: kmsServer.keyId,
    raw,
    doc,
    kms,
    tables,
    secrets,
    tokens,
    accounts,
    streams,
    contracts,
    usage,
    keyLinks,
    keks,
    management: (overrides = {}) =>
      createManagementHandler({
        accounts,
        streams,
        contracts,
        usage,
        keyLinks,
        keks,
        tokens: async () => tokens,
        lookupSecret: () => secrets.get('lookup-hash'),
        signupMode: 'open',
        bootstrapSecret: async () => undefined,
        ...overrides,
      }),
    token: createTokenHandler({ streams, tokens: async () => tokens }),
    wsAuthorizer: createWsAuthorizerHandler({ streams, tokens: async () => tokens }),
    close: async () => {
      raw.destroy();
      kms.destroy();
      await Promise.all([dynalite.close(), kmsServer.close()]);
    },
  };
}

/** An HTTP API (payload 2.0) event, shaped like test reference http-api-v2-request.json. */
export function httpEvent(input: {
  method: string;
  path: string;
  body?: string | object;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  token?: string;
}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { ...(input.headers ?? {}) };
  if (input.token) headers.authorization = `Bearer ${input.token}`;
  let body: string | undefined;
  if (typeof input.body === 'string') body = input.body;
  else if (input.body !== undefined) {
    body = JSON.stringify(input.body);
    headers['content-type'] ??= 'application/json';
  }
  const rawQueryString = new URLSearchParams(input.query ?? {}).toString();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: input.path,
    rawQueryString,
    headers,
    queryStringParameters: input.query,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: input.method,
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'jest',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  };
}

/** The parsed JSON body of a handler result. */
// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary response shapes
export function bodyOf(result: APIGatewayProxyStructuredResultV2): any {
  return result.body ? JSON.parse(result.body) : undefined;
}
