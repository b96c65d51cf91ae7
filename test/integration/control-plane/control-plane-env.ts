import { randomUUID } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AccountsRepo } from '../../../lambdas/aws/accounts-repo';
import { BillingIdsRepo } from '../../../lambdas/aws/billing-ids-repo';
import { ConnectionsRepo } from '../../../lambdas/aws/connections-repo';
import { ContractsRepo } from '../../../lambdas/aws/contracts-repo';
import { ExportersRepo } from '../../../lambdas/aws/exporters-repo';
import { DynamoKeyLinkStore } from '../../../lambdas/aws/key-link-store';
import { KmsKeyEncryptionKeys } from '../../../lambdas/aws/kms-key-encryption-keys';
import { LoginAttemptsRepo } from '../../../lambdas/aws/login-attempts-repo';
import { SchemasRepo } from '../../../lambdas/aws/schemas-repo';
import { StreamsRepo } from '../../../lambdas/aws/streams-repo';
import { SIGNING_KEY_ID, SystemSecrets } from '../../../lambdas/aws/system-secrets';
import { UsageRepo } from '../../../lambdas/aws/usage-repo';
import { UserSessionsRepo } from '../../../lambdas/aws/user-sessions-repo';
import { generateClientCredentials, hashClientSecret } from '../../../lambdas/core/client-secrets';
import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import { TokenService } from '../../../lambdas/core/tokens';
import { createManagementHandler, type ManagementDeps } from '../../../lambdas/handlers/management';
import { createTokenHandler } from '../../../lambdas/handlers/token';
import { createWsAuthorizerHandler } from '../../../lambdas/handlers/ws-authorizer';
import { startTestEmulators, type TestEmulators } from '../../support/emulators';
import { InMemoryExportObjects } from '../../support/fakes/in-memory-export-objects';
import { RecordingConnectionPoster } from '../../support/fakes/recording-connection-poster';

/** The exports bucket the management handler is told about (file listings use an in-memory S3 here). */
const LOCAL_EXPORTS_BUCKET = 'ps-exports';

/**
 * The real control-plane handlers wired to the test emulators (test/support/emulators.ts) and the local
 * tables.
 */
export const ISSUER = 'privacy-streams-test';

export interface ControlPlaneEnv {
  /** The emulators and their clients (endpoints, KMS key, createEmptyTableLike). */
  emulators: TestEmulators;
  doc: DynamoDBDocumentClient;
  kms: KMSClient;
  tables: TestEmulators['tables'];
  secrets: SystemSecrets;
  tokens: TokenService;
  accounts: AccountsRepo;
  billingIds: BillingIdsRepo;
  sessions: UserSessionsRepo;
  loginAttempts: LoginAttemptsRepo;
  streams: StreamsRepo;
  contracts: ContractsRepo;
  usage: UsageRepo;
  keyLinks: DynamoKeyLinkStore;
  keks: KmsKeyEncryptionKeys;
  connections: ConnectionsRepo;
  /** Stands in for the @connections endpoint: which sockets management closed. */
  sockets: RecordingConnectionPoster;
  management(
    overrides?: Partial<ManagementDeps>,
  ): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  token: ReturnType<typeof createTokenHandler>;
  wsAuthorizer: ReturnType<typeof createWsAuthorizerHandler>;
  close(): Promise<void>;
}

export async function startControlPlaneEnv(): Promise<ControlPlaneEnv> {
  const emulators = await startTestEmulators({ setEnv: false });
  const { doc, kms, tables, kmsKeyId } = emulators;
  try {
    const secrets = new SystemSecrets({ doc, kms, table: tables.keyLinks, kmsKeyId });
    const tokens = new TokenService({
      signingKey: await secrets.get('signing'),
      kid: SIGNING_KEY_ID,
      issuer: ISSUER,
    });
    const accounts = new AccountsRepo({ doc, table: tables.accounts });
    const sessions = new UserSessionsRepo({ doc, table: tables.accounts });
    const loginAttempts = new LoginAttemptsRepo({ doc, table: tables.accounts });
    const billingIds = new BillingIdsRepo({ doc, table: tables.accounts });
    const schemas = new SchemasRepo({ doc, table: tables.contracts });
    const streams = new StreamsRepo({ doc, table: tables.streams });
    const contracts = new ContractsRepo({ doc, table: tables.contracts });
    const usage = new UsageRepo({ doc: doc, table: tables.usage });
    const keyLinks = new DynamoKeyLinkStore({ doc: doc, table: tables.keyLinks });
    const keks = new KmsKeyEncryptionKeys({ doc, kms, table: tables.keyLinks, kmsKeyId });
    const connections = new ConnectionsRepo({ doc, table: tables.connections });
    const sockets = new RecordingConnectionPoster();

    return {
      emulators,
      doc,
      kms,
      tables,
      secrets,
      tokens,
      accounts,
      billingIds,
      sessions,
      loginAttempts,
      streams,
      contracts,
      usage,
      keyLinks,
      keks,
      connections,
      sockets,
      management: (overrides = {}) =>
        createManagementHandler({
          accounts,
          sessions,
          loginAttempts,
          streams,
          contracts,
          usage,
          keyLinks,
          keks,
          connections,
          sockets,
          billingIds,
          schemas,
          exporters: new ExportersRepo({ doc, table: tables.exporters }),
          exportFiles: new InMemoryExportObjects([LOCAL_EXPORTS_BUCKET]),
          exportSetup: { buckets: { default: LOCAL_EXPORTS_BUCKET, granted: [] } },
          tokens: async () => tokens,
          lookupSecret: () => secrets.get('lookup-hash'),
          signupMode: 'open',
          bootstrapSecret: async () => undefined,
          ...overrides,
        }),
      token: createTokenHandler({ streams, billingIds, tokens: async () => tokens }),
      wsAuthorizer: createWsAuthorizerHandler({ streams, tokens: async () => tokens }),
      close: () => emulators.stop(),
    };
  } catch (err) {
    await emulators.stop();
    throw err;
  }
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

/** A source stream with one credential, stored through the real repository (secret hashed, as management does). */
export async function givenStream(env: ControlPlaneEnv, overrides: Partial<StreamRecord> = {}) {
  const { clientId, clientSecret } = generateClientCredentials();
  const record: StreamRecord = {
    name: `s-${randomUUID().slice(0, 8)}`,
    accountId: randomUUID(),
    description: '',
    tags: [],
    enabled: true,
    keyRotationHours: 24,
    createdAt: new Date().toISOString(),
    credentials: [{ clientId }],
    ...overrides,
  };
  await env.streams.create(record, { clientId, secretHash: hashClientSecret(clientSecret) });
  return { record, clientId, clientSecret };
}
