import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { UnauthorizedError } from '../core/errors';
import type { UserClaims } from '../core/tokens';
import {
  createBatchExporter,
  deleteBatchExporter,
  exportFileDownload,
  getBatchExporter,
  listBatchExporters,
  listExportFiles,
} from '../use-cases/management/batch-exporters';
import { withBillingId } from '../use-cases/management/billing';
import {
  createContract,
  deleteContract,
  getContract,
  listContracts,
} from '../use-cases/management/contracts';
import { forgetDataSubject } from '../use-cases/management/data-subjects';
import { deleteKeyLink, describeKeyLink, exportKeyLink } from '../use-cases/management/key-links';
import { changePassword } from '../use-cases/management/password-change';
import type { ManagementPorts } from '../use-cases/management/ports';
import { issueReadToken } from '../use-cases/management/read-tokens';
import { createSchema, deleteSchema, getSchema, listSchemas } from '../use-cases/management/schemas';
import { signUp } from '../use-cases/management/sign-up';
import { createCredential, deleteCredential } from '../use-cases/management/stream-credentials';
import { streamUsage } from '../use-cases/management/stream-usage';
import { createStream, deleteStreamTree, getStream, listStreams } from '../use-cases/management/streams';
import { addTeammate, listTeammates, removeTeammate } from '../use-cases/management/teammates';
import { logIn, logOut, refreshSession, requireLiveSession } from '../use-cases/management/user-sessions';
import { readJsonBody, readOptionalJsonBody } from './json-body';
import { bearerToken } from './request';
import { json, noContent } from './responses';
import type { Route } from './router';

type Routes = Route<UserClaims>[];

/**
 * The management API (`/v1`, docs/architecture.md): which part of a request goes to which use case, and
 * the status of its success. Adding a route is one entry in its group below plus its use case.
 */
export function managementRoutes(ports: ManagementPorts): Routes {
  return [
    ...accountRoutes(ports),
    ...userRoutes(ports),
    ...streamRoutes(ports),
    ...contractRoutes(ports),
    ...schemaRoutes(ports),
    ...keyLinkRoutes(ports),
    ...consoleRoutes(ports),
    ...batchExporterRoutes(ports),
  ];
}

/**
 * The method and path pattern of every management route, without any of their behaviour: for a request
 * log that names the route and never a parameter's value (local/gateway.ts). Building the routes uses no
 * port, so none is given (any use would throw).
 */
export function managementRoutePatterns(): { method: string; path: string }[] {
  const none = new Proxy({} as ManagementPorts, {
    get: () => {
      throw new Error('route patterns use no port');
    },
  });
  return managementRoutes(none).map(({ method, path }) => ({ method, path }));
}

/** Accounts and the signed-in user's session. */
function accountRoutes(ports: ManagementPorts): Routes {
  return [
    {
      method: 'POST',
      path: '/v1/accounts',
      auth: false,
      run: async ({ event }) =>
        json(201, await withBillingId(ports, await signUp(ports, readJsonBody(event)))),
    },
    {
      method: 'POST',
      path: '/v1/auth/login',
      auth: false,
      run: async ({ event }) =>
        json(200, await withBillingId(ports, await logIn(ports, readJsonBody(event), sourceIpOf(event)))),
    },
    {
      method: 'POST',
      path: '/v1/auth/refresh',
      auth: false,
      run: async ({ event }) =>
        json(200, await withBillingId(ports, await refreshSession(ports, readJsonBody(event)))),
    },
    {
      method: 'POST',
      path: '/v1/auth/logout',
      auth: false,
      run: async ({ event }) => {
        await logOut(ports, readJsonBody(event));
        return noContent();
      },
    },
    {
      method: 'POST',
      path: '/v1/auth/password',
      auth: true,
      run: async ({ event, caller }) => {
        await changePassword(ports, caller, readJsonBody(event), sourceIpOf(event));
        return noContent();
      },
    },
    {
      method: 'GET',
      path: '/v1/me',
      auth: true,
      run: async ({ caller }) =>
        json(200, await withBillingId(ports, { accountId: caller.accountId, email: caller.email })),
    },
  ];
}

/** The users (teammates) of the caller's account. */
function userRoutes(ports: ManagementPorts): Routes {
  return [
    {
      method: 'POST',
      path: '/v1/users',
      auth: true,
      run: async ({ event, caller }) => json(201, await addTeammate(ports, caller, readJsonBody(event))),
    },
    {
      method: 'GET',
      path: '/v1/users',
      auth: true,
      run: async ({ caller }) => json(200, { users: await listTeammates(ports, caller) }),
    },
    {
      method: 'DELETE',
      path: '/v1/users/:email',
      auth: true,
      run: async ({ caller, params }) => {
        await removeTeammate(ports, caller, params.email);
        return noContent();
      },
    },
  ];
}

/** Streams of the caller's account and their usage. */
function streamRoutes(ports: ManagementPorts): Routes {
  return [
    {
      method: 'GET',
      path: '/v1/streams',
      auth: true,
      run: async ({ caller }) => json(200, { streams: await listStreams(ports, caller.accountId) }),
    },
    {
      method: 'POST',
      path: '/v1/streams',
      auth: true,
      run: async ({ event, caller }) =>
        json(201, await createStream(ports, caller.accountId, readJsonBody(event))),
    },
    {
      method: 'GET',
      path: '/v1/streams/:name',
      auth: true,
      run: async ({ caller, params }) => json(200, await getStream(ports, caller.accountId, params.name)),
    },
    {
      method: 'DELETE',
      path: '/v1/streams/:name',
      auth: true,
      run: async ({ caller, params, query }) => {
        const recursive = query.recursive === 'true';
        const deleted = await deleteStreamTree(ports, caller.accountId, params.name, { recursive });
        const exporters = deleted.batchExporters;
        return json(200, {
          deleted: deleted.streams,
          ...(exporters.length > 0 ? { deletedBatchExporters: exporters } : {}),
        });
      },
    },
    {
      method: 'GET',
      path: '/v1/streams/:name/usage',
      auth: true,
      run: async ({ caller, params, query }) =>
        json(200, { buckets: await streamUsage(ports, caller.accountId, params.name, query) }),
    },
    ...credentialRoutes(ports),
  ];
}

/** A stream's client credentials: one more, or one fewer (which ends its subscribers). */
function credentialRoutes(ports: ManagementPorts): Routes {
  return [
    {
      method: 'POST',
      path: '/v1/streams/:name/credentials',
      auth: true,
      run: async ({ event, caller, params }) =>
        json(201, await createCredential(ports, caller.accountId, params.name, readOptionalJsonBody(event))),
    },
    {
      method: 'DELETE',
      path: '/v1/streams/:name/credentials/:clientId',
      auth: true,
      run: async ({ caller, params }) => {
        await deleteCredential(ports, caller.accountId, params.name, params.clientId);
        return noContent();
      },
    },
  ];
}

/** Built-in and custom event contracts. */
function contractRoutes(ports: ManagementPorts): Routes {
  return [
    {
      method: 'GET',
      path: '/v1/contracts',
      auth: true,
      run: async ({ caller }) => json(200, { contracts: await listContracts(ports, caller.accountId) }),
    },
    {
      method: 'POST',
      path: '/v1/contracts',
      auth: true,
      run: async ({ event, caller }) =>
        json(201, { contract: await createContract(ports, caller.accountId, readJsonBody(event)) }),
    },
    {
      method: 'GET',
      path: '/v1/contracts/:handle/:name/:version',
      auth: true,
      run: async ({ caller, params }) => {
        const ref = `${params.handle}/${params.name}/${params.version}`;
        return json(200, { contract: await getContract(ports, caller.accountId, ref) });
      },
    },
    {
      method: 'DELETE',
      path: '/v1/contracts/:handle/:name/:version',
      auth: true,
      run: async ({ caller, params }) => {
        await deleteContract(ports, caller.accountId, `${params.handle}/${params.name}/${params.version}`);
        return noContent();
      },
    },
  ];
}

/** The account's event schemas (Avro or JSON Schema) and the built-ins. */
function schemaRoutes(ports: ManagementPorts): Routes {
  const refOf = (params: Record<string, string>) => `${params.handle}/${params.name}/${params.version}`;
  return [
    {
      method: 'GET',
      path: '/v1/schemas',
      auth: true,
      run: async ({ caller }) => json(200, { schemas: await listSchemas(ports, caller.accountId) }),
    },
    {
      method: 'POST',
      path: '/v1/schemas',
      auth: true,
      run: async ({ event, caller }) =>
        json(201, { schema: await createSchema(ports, caller.accountId, readJsonBody(event)) }),
    },
    {
      method: 'GET',
      path: '/v1/schemas/:handle/:name/:version',
      auth: true,
      run: async ({ caller, params }) =>
        json(200, { schema: await getSchema(ports, caller.accountId, refOf(params)) }),
    },
    {
      // The legacy built-in `clickstream` has a one-segment ref.
      method: 'GET',
      path: '/v1/schemas/:ref',
      auth: true,
      run: async ({ caller, params }) =>
        json(200, { schema: await getSchema(ports, caller.accountId, params.ref) }),
    },
    {
      method: 'DELETE',
      path: '/v1/schemas/:handle/:name/:version',
      auth: true,
      run: async ({ caller, params }) => {
        await deleteSchema(ports, caller.accountId, refOf(params));
        return noContent();
      },
    },
  ];
}

/** Key export and crypto-shredding: one key link, or every key link of a data subject. */
function keyLinkRoutes(ports: ManagementPorts): Routes {
  return [
    {
      method: 'GET',
      path: '/v1/key-links/:id',
      auth: true,
      run: async ({ caller, params }) => json(200, await exportKeyLink(ports, caller.accountId, params.id)),
    },
    {
      method: 'DELETE',
      path: '/v1/key-links/:id',
      auth: true,
      run: async ({ caller, params }) => {
        await deleteKeyLink(ports, caller.accountId, params.id);
        return noContent();
      },
    },
    {
      method: 'POST',
      path: '/v1/data-subjects/forget',
      auth: true,
      run: async ({ event, caller }) =>
        json(200, { deletedKeyLinks: await forgetDataSubject(ports, caller.accountId, readJsonBody(event)) }),
    },
  ];
}

/** What the web console needs beyond the CLI's calls: read-only stream tokens, key-link dates. */
function consoleRoutes(ports: ManagementPorts): Routes {
  return [
    {
      method: 'POST',
      path: '/v1/streams/:name/read-token',
      auth: true,
      run: async ({ caller, params }) => json(200, await issueReadToken(ports, caller, params.name)),
    },
    {
      method: 'GET',
      path: '/v1/key-links/:id/metadata',
      auth: true,
      run: async ({ caller, params }) => json(200, await describeKeyLink(ports, caller.accountId, params.id)),
    },
  ];
}

/** Batch exporters (and key streams) of the caller's streams, and the files they wrote. */
function batchExporterRoutes(ports: ManagementPorts): Routes {
  return [
    {
      method: 'GET',
      path: '/v1/batch-exporters',
      auth: true,
      run: async ({ caller }) =>
        json(200, { batchExporters: await listBatchExporters(ports, caller.accountId) }),
    },
    {
      method: 'POST',
      path: '/v1/batch-exporters',
      auth: true,
      run: async ({ event, caller }) =>
        json(201, { batchExporter: await createBatchExporter(ports, caller.accountId, readJsonBody(event)) }),
    },
    {
      method: 'GET',
      path: '/v1/batch-exporters/:name',
      auth: true,
      run: async ({ caller, params }) =>
        json(200, { batchExporter: await getBatchExporter(ports, caller.accountId, params.name) }),
    },
    {
      method: 'DELETE',
      path: '/v1/batch-exporters/:name',
      auth: true,
      run: async ({ caller, params }) => {
        await deleteBatchExporter(ports, caller.accountId, params.name);
        return noContent();
      },
    },
    {
      method: 'GET',
      path: '/v1/batch-exporters/:name/files',
      auth: true,
      run: async ({ caller, params, query }) =>
        json(200, await listExportFiles(ports, caller.accountId, params.name, { after: query.after })),
    },
    {
      method: 'GET',
      path: '/v1/batch-exporters/:name/files/:file',
      auth: true,
      run: async ({ caller, params }) =>
        json(200, await exportFileDownload(ports, caller.accountId, params.name, params.file)),
    },
  ];
}

/** The caller's address as API Gateway saw it (the key of the per-source sign-in backoff). */
function sourceIpOf(event: APIGatewayProxyEventV2): string | undefined {
  return event.requestContext?.http?.sourceIp || undefined;
}

/**
 * The caller of an authenticated management route: a valid user access token whose session is still live
 * (not logged out, not ended by a password change, a reused refresh token or the user's removal from its
 * account), else 401. One session read per call, nothing else.
 */
export function authenticateUser(ports: Pick<ManagementPorts, 'tokens' | 'sessions'>) {
  return async (event: APIGatewayProxyEventV2): Promise<UserClaims> => {
    const token = bearerToken(event);
    if (!token) throw new UnauthorizedError('missing bearer token', 'missing_token');
    return requireLiveSession(ports, await (await ports.tokens()).verifyUserToken(token));
  };
}
