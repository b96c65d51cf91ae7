import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AccountsRepo } from '../aws/accounts-repo';
import { BillingIdsRepo } from '../aws/billing-ids-repo';
import { bootstrapSecretFromSecretsManager } from '../aws/bootstrap-secret';
import { dynamoDocumentClient, s3Client, secretsManagerClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { ConnectionPoster } from '../aws/connection-poster';
import { ConnectionsRepo } from '../aws/connections-repo';
import { ContractsRepo } from '../aws/contracts-repo';
import { S3ExportObjects } from '../aws/export-objects';
import { exportSetupFromEnv } from '../aws/export-setup';
import { ExportersRepo } from '../aws/exporters-repo';
import { keyLinkStorageFromEnv } from '../aws/key-link-storage';
import { LoginAttemptsRepo } from '../aws/login-attempts-repo';
import { SchemasRepo } from '../aws/schemas-repo';
import { StreamsRepo } from '../aws/streams-repo';
import { getLookupSecret, getTokenService } from '../aws/system-secrets';
import { UsageRepo } from '../aws/usage-repo';
import { UserSessionsRepo } from '../aws/user-sessions-repo';
import { parseSignupMode } from '../core/sign-up-gate';
import { authenticateUser, managementRoutes } from '../http/management-routes';
import { createRouter, type HttpResult, type RequestLog } from '../http/router';
import { lambdaEntryPoint } from '../runtime/entry-point';
import type { AuditLog, ManagementPorts } from '../use-cases/management/ports';

/** The management use cases' ports; the clock and the logger default to the real ones. */
export interface ManagementDeps extends Omit<ManagementPorts, 'now' | 'audit'> {
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** Request outcomes and audit lines (ids and counts only). */
  logger?: RequestLog & AuditLog;
}

export type ManagementHandler = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

/**
 * `ANY /v1/{proxy+}`: accounts, login, streams, contracts, schemas, key links, data subjects, usage. The routes
 * are in http/management-routes.ts, the rules in use-cases/management/; every lookup is scoped to the
 * caller's account, and another account's stream, contract or key link answers 404.
 */
export function createManagementHandler(deps: ManagementDeps): ManagementHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'management' });
  const ports: ManagementPorts = { ...deps, now: deps.now ?? Date.now, audit: logger };
  return createRouter({
    routes: managementRoutes(ports),
    authenticate: authenticateUser(ports),
    log: logger,
  });
}

/** The dependencies of the deployed (or local) handler, from the environment. */
export function managementDepsFromEnv(): ManagementDeps {
  const doc = dynamoDocumentClient();
  const { store, keks } = keyLinkStorageFromEnv();
  const accountsTable = requiredEnv('ACCOUNTS_TABLE');
  const registry = { doc, table: requiredEnv('CONTRACTS_TABLE') };
  return {
    accounts: new AccountsRepo({ doc, table: accountsTable }),
    sessions: new UserSessionsRepo({ doc, table: accountsTable }),
    loginAttempts: new LoginAttemptsRepo({ doc, table: accountsTable }),
    billingIds: new BillingIdsRepo({ doc, table: accountsTable }),
    streams: new StreamsRepo({ doc, table: requiredEnv('STREAMS_TABLE') }),
    contracts: new ContractsRepo(registry),
    schemas: new SchemasRepo(registry),
    usage: new UsageRepo({ doc, table: requiredEnv('USAGE_TABLE') }),
    keyLinks: store,
    keks,
    connections: new ConnectionsRepo({ doc, table: requiredEnv('CONNECTIONS_TABLE') }),
    sockets: new ConnectionPoster({ endpoint: requiredEnv('WS_CALLBACK_URL') }),
    exporters: new ExportersRepo({ doc, table: requiredEnv('EXPORTERS_TABLE') }),
    exportFiles: new S3ExportObjects({ s3: s3Client() }),
    exportSetup: exportSetupFromEnv(),
    tokens: getTokenService,
    lookupSecret: getLookupSecret,
    signupMode: parseSignupMode(process.env.SIGNUP_MODE),
    bootstrapSecret: bootstrapSecretFromSecretsManager({
      secrets: secretsManagerClient(),
      secretId: process.env.BOOTSTRAP_SECRET_ARN,
    }),
  };
}

/** Lambda entry point; dependencies are built from the environment on first use. */
export const handler = lambdaEntryPoint('management', () => createManagementHandler(managementDepsFromEnv()));
