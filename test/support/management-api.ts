import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createManagementHandler, type ManagementDeps } from '../../lambdas/handlers/management';
import { InMemoryAccountsRepo } from './fakes/in-memory-accounts-repo';
import { InMemoryBillingIdsRepo } from './fakes/in-memory-billing-ids-repo';
import { InMemoryConnectionsRepo } from './fakes/in-memory-connections-repo';
import { InMemoryContractsRepo } from './fakes/in-memory-contracts-repo';
import { InMemoryExportObjects } from './fakes/in-memory-export-objects';
import { InMemoryExportersRepo } from './fakes/in-memory-exporters-repo';
import { InMemoryKeyEncryptionKeys, InMemoryKeyLinkStore } from './fakes/in-memory-key-link-store';
import { InMemoryLoginAttemptsRepo } from './fakes/in-memory-login-attempts-repo';
import { InMemorySchemasRepo } from './fakes/in-memory-schemas-repo';
import { InMemorySessionsRepo } from './fakes/in-memory-sessions-repo';
import { InMemoryStreamsRepo } from './fakes/in-memory-streams-repo';
import { InMemoryUsageRepo } from './fakes/in-memory-usage-repo';
import { RecordingConnectionPoster } from './fakes/recording-connection-poster';
import { httpApiEvent } from './http-api-event';
import { recordingLogger } from './recording-logger';
import { testTokenService } from './token-service';

/** The fixed clock of the management API under test: 2025-01-01T12:00:00Z. */
export const MANAGEMENT_NOW = Date.parse('2025-01-01T12:00:00.000Z');

/** The stack's exports bucket, and one the deployer granted, in the management API under test. */
export const EXPORTS_BUCKET = 'ps-exports';
export const GRANTED_BUCKET = 'deployer-bucket';

/**
 * The real management handler (createManagementHandler) over in-memory fakes, the real TokenService with
 * a fixed key, a fixed lookup secret and clock, and a recording logger. `overrides` replaces any port.
 */
export function managementApi(overrides: Partial<ManagementDeps> = {}) {
  const accounts = new InMemoryAccountsRepo();
  const sessions = new InMemorySessionsRepo({ now: () => MANAGEMENT_NOW });
  const loginAttempts = new InMemoryLoginAttemptsRepo();
  const streams = new InMemoryStreamsRepo();
  const contracts = new InMemoryContractsRepo();
  const usage = new InMemoryUsageRepo();
  const keyLinks = new InMemoryKeyLinkStore();
  const keks = new InMemoryKeyEncryptionKeys();
  const connections = new InMemoryConnectionsRepo({ now: () => MANAGEMENT_NOW });
  const sockets = new RecordingConnectionPoster();
  const billingIds = new InMemoryBillingIdsRepo();
  const schemas = new InMemorySchemasRepo();
  const exporters = new InMemoryExportersRepo();
  const exportFiles = new InMemoryExportObjects([EXPORTS_BUCKET, GRANTED_BUCKET], {
    now: () => MANAGEMENT_NOW,
  });
  const tokens = testTokenService();
  const lookupSecret = new Uint8Array(32).fill(9);
  const log = recordingLogger('management');
  const handler = createManagementHandler({
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
    exporters,
    exportFiles,
    exportSetup: { buckets: { default: EXPORTS_BUCKET, granted: [GRANTED_BUCKET] } },
    tokens: async () => tokens,
    lookupSecret: async () => lookupSecret,
    signupMode: 'open',
    bootstrapSecret: async () => undefined,
    now: () => MANAGEMENT_NOW,
    logger: log.logger,
    ...overrides,
  });

  /**
   * An access token of an account user with a live session (the account need not be stored: the token
   * and its session are what counts).
   */
  const userToken = async (accountId: string, email = `${accountId}@example.com`) =>
    (await userSession(accountId, email)).accessToken;

  /** A session of an account user as login starts it (stored), with its access and refresh token. */
  const userSession = async (accountId: string, email = `${accountId}@example.com`) => {
    const sessionId = `session-${sessions.sessions.size + 1}`;
    const refreshTokenId = `refresh-of-${sessionId}`;
    const expiresAt = Math.floor(MANAGEMENT_NOW / 1000) + 7 * 24 * 60 * 60;
    await sessions.create({
      sessionId,
      accountId,
      email,
      refreshTokenId,
      createdAt: MANAGEMENT_NOW,
      expiresAt,
    });
    return tokens.issueUserTokens({ accountId, email, sessionId }, { refreshTokenId });
  };

  return {
    handler,
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
    exporters,
    exportFiles,
    tokens,
    lookupSecret,
    log,
    userToken,
    userSession,
  };
}

export interface ManagementRequest {
  method: string;
  path: string;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  token?: string;
  query?: Record<string, string>;
  /** The API Gateway stage (default `$default`). */
  stage?: string;
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
}

/** An HTTP API (payload 2.0) event for a management route, as API Gateway delivers it. */
export function managementRequest(input: ManagementRequest): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { ...(input.headers ?? {}) };
  if (input.token !== undefined) headers.authorization = `Bearer ${input.token}`;
  const body =
    input.body === undefined || typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const event = httpApiEvent({
    method: input.method,
    path: input.path,
    headers,
    body,
    isBase64Encoded: input.isBase64Encoded,
  });
  event.routeKey = 'ANY /v1/{proxy+}';
  event.requestContext.routeKey = 'ANY /v1/{proxy+}';
  event.requestContext.stage = input.stage ?? '$default';
  const proxy = /^\/v1\/(.+)$/.exec(input.path)?.[1];
  if (proxy !== undefined) event.pathParameters = { proxy };
  if (input.query) {
    event.queryStringParameters = input.query;
    event.rawQueryString = new URLSearchParams(input.query).toString();
  }
  return event;
}

/** The parsed JSON body of a handler result. */
// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary response shapes
export function responseBody(result: APIGatewayProxyStructuredResultV2): any {
  return result.body ? JSON.parse(result.body) : undefined;
}
