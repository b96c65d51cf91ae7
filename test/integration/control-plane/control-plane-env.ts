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
import type { ManagementDeps } from '../../../lambdas/handlers/management';
import { createTokenHandler } from '../../../lambdas/handlers/token';
import { createWsAuthorizerHandler } from '../../../lambdas/handlers/ws-authorizer';
import { startTestEmulators, type TestEmulators } from '../../support/emulators';
import { InMemoryExportObjects } from '../../support/fakes/in-memory-export-objects';
import { RecordingConnectionPoster } from '../../support/fakes/recording-connection-poster';
import { managementHandlerOver } from '../../support/management-api';
import { streamRecord } from '../../support/stream-records';

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
    const stores = {
      accounts: new AccountsRepo({ doc, table: tables.accounts }),
      sessions: new UserSessionsRepo({ doc, table: tables.accounts }),
      loginAttempts: new LoginAttemptsRepo({ doc, table: tables.accounts }),
      billingIds: new BillingIdsRepo({ doc, table: tables.accounts }),
      schemas: new SchemasRepo({ doc, table: tables.contracts }),
      streams: new StreamsRepo({ doc, table: tables.streams }),
      contracts: new ContractsRepo({ doc, table: tables.contracts }),
      usage: new UsageRepo({ doc, table: tables.usage }),
      keyLinks: new DynamoKeyLinkStore({ doc, table: tables.keyLinks }),
      keks: new KmsKeyEncryptionKeys({ doc, kms, table: tables.keyLinks, kmsKeyId }),
      connections: new ConnectionsRepo({ doc, table: tables.connections }),
      sockets: new RecordingConnectionPoster(),
      exporters: new ExportersRepo({ doc, table: tables.exporters }),
    };
    const { streams, billingIds, sessions } = stores;
    return {
      emulators,
      doc,
      kms,
      tables,
      secrets,
      tokens,
      ...stores,
      management: (overrides = {}) =>
        managementHandlerOver(
          {
            ...stores,
            exportFiles: new InMemoryExportObjects([LOCAL_EXPORTS_BUCKET]),
            exportSetup: { buckets: { default: LOCAL_EXPORTS_BUCKET, granted: [] } },
            lookupSecret: () => secrets.get('lookup-hash'),
          },
          tokens,
          overrides,
        ),
      token: createTokenHandler({ streams, billingIds, tokens: async () => tokens }),
      wsAuthorizer: createWsAuthorizerHandler({ streams, sessions, tokens: async () => tokens }),
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
  const record = streamRecord({ credentials: [{ clientId }], ...overrides });
  await env.streams.create(record, { clientId, secretHash: hashClientSecret(clientSecret) });
  return { record, clientId, clientSecret };
}
