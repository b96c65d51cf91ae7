import { createHash, timingSafeEqual } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AccountsRepo } from '../aws/accounts-repo';
import { dynamoDocumentClient, secretsManagerClient } from '../aws/clients';
import { optionalEnv, requiredEnv } from '../aws/config';
import { ContractsRepo } from '../aws/contracts-repo';
import { keyLinkStorageFromEnv } from '../aws/key-link-storage';
import type { DynamoKeyLinkStore } from '../aws/key-link-store';
import { StreamsRepo } from '../aws/streams-repo';
import { getLookupSecret, getTokenService } from '../aws/system-secrets';
import { UsageRepo } from '../aws/usage-repo';
import { generateAccountId, parseLoginRequest, parseSignUpRequest } from '../core/accounts';
import { generateClientCredentials, hashClientSecret } from '../core/client-secrets';
import { BUILTIN_CONTRACTS, findBuiltinContract, parseContractDefinition } from '../core/contracts';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from '../core/errors';
import { isJsonObject } from '../core/field-path';
import { httpStatusOf } from '../core/http-status';
import { isScopeOwnedBy } from '../core/key-link-scope';
import { type KeyEncryptionKeys, KeyLinkIntegrityError, type KeyLinkRecord } from '../core/key-links';
import { unwrapKey } from '../core/key-wrap';
import { keyedHash } from '../core/keyed-hash';
import { onceSucceeded } from '../core/once-succeeded';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../core/passwords';
import {
  isValidStreamName,
  requestedSourceName,
  type StreamRecord,
  validateStreamCreate,
} from '../core/stream-definition';
import { toTinkJsonKeyset } from '../core/tink-keyset';
import type { TokenService, UserClaims } from '../core/tokens';
import { parseUsageWindow } from '../core/usage-window';
import { bearerToken, bodyBytes } from '../http/request';
import { json, jsonError, noContent } from '../http/responses';

/**
 * `ANY /v1/{proxy+}`: accounts, login, streams, contracts, key links, data subjects, usage. Every lookup
 * is scoped to the caller's account; another account's stream, contract or key link answers 404.
 */
export type SignupMode = 'open' | 'bootstrap';

export interface ManagementDeps {
  accounts: Pick<AccountsRepo, 'create' | 'createFirst' | 'getByEmail' | 'hasAnyAccount'>;
  streams: Pick<StreamsRepo, 'get' | 'list' | 'listDerived' | 'create' | 'delete'>;
  contracts: Pick<ContractsRepo, 'listForAccount' | 'get' | 'put'>;
  usage: Pick<UsageRepo, 'list'>;
  keyLinks: Pick<DynamoKeyLinkStore, 'getById' | 'deleteById' | 'deleteByDataSubject'>;
  keks: Pick<KeyEncryptionKeys, 'byId'>;
  tokens: () => Promise<TokenService>;
  lookupSecret: () => Promise<Uint8Array>;
  signupMode: SignupMode;
  /** The bootstrap secret (bootstrap mode only); undefined when none is configured. */
  bootstrapSecret: () => Promise<string | undefined>;
  /** Milliseconds since the epoch. */
  now?: () => number;
  logger?: Logger;
}

type Result = APIGatewayProxyStructuredResultV2;

interface RequestContext {
  event: APIGatewayProxyEventV2;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  /** Set on authenticated routes. */
  user: UserClaims;
}

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Segments after `/v1`; `:x` captures one segment. */
  pattern: string;
  auth: boolean;
  run: (ctx: RequestContext) => Promise<Result>;
}

const MAX_PARAM_LENGTH = 1000;

/** The JSON body; malformed JSON or a missing body is a 400. */
function jsonBody(event: APIGatewayProxyEventV2): unknown {
  const raw = bodyBytes(event).toString('utf8');
  if (raw.trim() === '') throw new ValidationError('request body must be a JSON object');
  try {
    return JSON.parse(raw);
  } catch {
    throw new ValidationError('request body is not valid JSON');
  }
}

/** `{"dataSubject": "<id>"}` → the id (a non-empty string, as the contract's data-subject field holds). */
function parseDataSubjectRequest(body: unknown): string {
  const id = isJsonObject(body) ? body.dataSubject : undefined;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_PARAM_LENGTH) {
    throw new ValidationError(
      `dataSubject must be a non-empty string of at most ${MAX_PARAM_LENGTH} characters`,
    );
  }
  return id;
}

/** Constant-time string comparison (hashing first makes the lengths equal). */
function secretsEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The request path below the API, with a named stage's prefix removed. */
function requestPath(event: APIGatewayProxyEventV2): string {
  let path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
  const stage = event.requestContext?.stage;
  if (stage && stage !== '$default' && !path.startsWith('/v1/') && path.startsWith(`/${stage}/`)) {
    path = path.slice(stage.length + 1);
  }
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function matchPattern(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(':')) {
      // API Gateway HTTP APIs hand over rawPath already URL-decoded: decoding again would turn an id
      // such as `%41` into `A`.
      const value = segments[i];
      if (value.length === 0 || value.length > MAX_PARAM_LENGTH) return undefined;
      params[pattern[i].slice(1)] = value;
    } else if (pattern[i] !== segments[i]) {
      return undefined;
    }
  }
  return params;
}

export function createManagementHandler(deps: ManagementDeps) {
  const logger = deps.logger ?? new Logger({ serviceName: 'management' });
  const now = deps.now ?? Date.now;

  async function ownStream(user: UserClaims, name: string): Promise<StreamRecord> {
    const stream = isValidStreamName(name) ? await deps.streams.get(user.accountId, name) : undefined;
    if (!stream) throw new NotFoundError(`stream ${name} not found`);
    return stream;
  }

  /** A key link of the caller's account; any other (or none) is the same 404. */
  async function ownKeyLink(user: UserClaims, keyLinkId: string): Promise<KeyLinkRecord> {
    const link = await deps.keyLinks.getById(keyLinkId);
    const owned = link && isScopeOwnedBy(link.scope, user.accountId) ? link : undefined;
    if (!owned) throw new NotFoundError('key link not found');
    return owned;
  }

  async function userTokensResponse(claims: UserClaims): Promise<Result> {
    const tokens = await (await deps.tokens()).issueUserTokens(claims);
    return json(200, {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: Math.floor(now() / 1000) + tokens.expiresIn,
      accountId: claims.accountId,
      email: claims.email,
    });
  }

  async function signUp({ event }: RequestContext): Promise<Result> {
    const request = parseSignUpRequest(jsonBody(event));
    const closed = () => new ForbiddenError('sign-up is closed', 'signup_closed');
    if (deps.signupMode === 'bootstrap') {
      if (await deps.accounts.hasAnyAccount()) throw closed();
      const expected = await deps.bootstrapSecret();
      if (
        !expected ||
        request.bootstrapSecret === undefined ||
        !secretsEqual(request.bootstrapSecret, expected)
      ) {
        throw closed();
      }
    }
    const account = {
      accountId: generateAccountId(),
      email: request.email,
      passwordHash: await hashPassword(request.password),
      createdAt: new Date(now()).toISOString(),
    };
    if (deps.signupMode === 'bootstrap') await deps.accounts.createFirst(account);
    else await deps.accounts.create(account);
    logger.info('account created', { accountId: account.accountId });
    return json(201, { accountId: account.accountId, email: account.email });
  }

  async function login({ event }: RequestContext): Promise<Result> {
    const request = parseLoginRequest(jsonBody(event));
    const account = await deps.accounts.getByEmail(request.email);
    // Verify against a decoy when the account does not exist, so timing does not reveal which emails exist.
    const valid = await verifyPassword(
      request.password,
      account?.passwordHash ?? (await decoyPasswordHash()),
    );
    if (!account || !valid) throw new UnauthorizedError('invalid email or password', 'invalid_credentials');
    return userTokensResponse({ accountId: account.accountId, email: account.email });
  }

  async function refresh({ event }: RequestContext): Promise<Result> {
    const body = jsonBody(event);
    if (!isJsonObject(body) || typeof body.refreshToken !== 'string' || body.refreshToken === '') {
      throw new ValidationError('refreshToken is required and must be a string');
    }
    const claims = await (await deps.tokens()).verifyUserRefreshToken(body.refreshToken);
    const account = await deps.accounts.getByEmail(claims.email);
    if (!account || account.accountId !== claims.accountId)
      throw new UnauthorizedError('invalid token', 'invalid_token');
    return userTokensResponse({ accountId: account.accountId, email: account.email });
  }

  async function me({ user }: RequestContext): Promise<Result> {
    return json(200, { accountId: user.accountId, email: user.email });
  }

  async function listStreams({ user }: RequestContext): Promise<Result> {
    return json(200, { streams: await deps.streams.list(user.accountId) });
  }

  async function createStream({ event, user }: RequestContext): Promise<Result> {
    const body = jsonBody(event);
    const sourceName = requestedSourceName(body);
    const source =
      sourceName !== undefined && isValidStreamName(sourceName)
        ? await deps.streams.get(user.accountId, sourceName)
        : undefined;
    const definition = validateStreamCreate(body, { source });
    const { clientId, clientSecret } = generateClientCredentials();
    const stream: StreamRecord = {
      ...definition,
      accountId: user.accountId,
      createdAt: new Date(now()).toISOString(),
      credentials: [{ clientId }],
    };
    await deps.streams.create(stream, { clientId, secretHash: hashClientSecret(clientSecret) });
    logger.info('stream created', { accountId: user.accountId, clientId });
    return json(201, { stream, credentials: { clientId, clientSecret } });
  }

  async function getStream({ user, params }: RequestContext): Promise<Result> {
    const stream = await ownStream(user, params.name);
    const derived =
      stream.linkedStream === undefined ? await deps.streams.listDerived(user.accountId, stream.name) : [];
    return json(200, { stream, derived });
  }

  async function deleteStream({ user, params, query }: RequestContext): Promise<Result> {
    const stream = await ownStream(user, params.name);
    const recursive = query.recursive === 'true';
    const derived =
      stream.linkedStream === undefined ? await deps.streams.listDerived(user.accountId, stream.name) : [];
    if (derived.length > 0 && !recursive) {
      throw new ConflictError(
        `stream ${stream.name} has derived streams (${derived.map((d) => d.name).join(', ')}); delete them first or use ?recursive=true`,
        'has_derived_streams',
      );
    }
    const deleted: string[] = [];
    for (const child of derived) {
      await deps.streams.delete(user.accountId, child.name);
      deleted.push(child.name);
    }
    await deps.streams.delete(user.accountId, stream.name);
    deleted.push(stream.name);
    logger.info('streams deleted', { accountId: user.accountId, count: deleted.length });
    return json(200, { deleted });
  }

  async function usage({ user, params, query }: RequestContext): Promise<Result> {
    const stream = await ownStream(user, params.name);
    const { fromMs: from, untilMs: until, bucketMs } = parseUsageWindow(query, now());
    const minutes = await deps.usage.list(
      user.accountId,
      stream.name,
      new Date(Math.floor(from / 60_000) * 60_000).toISOString(),
      new Date(until).toISOString(),
    );
    const buckets = new Map<number, number>();
    for (const { minute, count } of minutes) {
      const start = Math.floor(Date.parse(minute) / bucketMs) * bucketMs;
      if (Number.isFinite(start)) buckets.set(start, (buckets.get(start) ?? 0) + count);
    }
    return json(200, {
      buckets: [...buckets.entries()]
        .sort(([a], [b]) => a - b)
        .map(([start, count]) => ({ from: new Date(start).toISOString(), count })),
    });
  }

  async function listContracts({ user }: RequestContext): Promise<Result> {
    const custom = await deps.contracts.listForAccount(user.accountId);
    return json(200, { contracts: [...BUILTIN_CONTRACTS, ...custom] });
  }

  async function getContract({ user, params }: RequestContext): Promise<Result> {
    const ref = `${params.handle}/${params.name}/${params.version}`;
    const contract = findBuiltinContract(ref) ?? (await deps.contracts.get(user.accountId, ref));
    if (!contract) throw new NotFoundError(`contract ${ref} not found`);
    return json(200, { contract });
  }

  async function createContract({ event, user }: RequestContext): Promise<Result> {
    const contract = parseContractDefinition(jsonBody(event));
    if (findBuiltinContract(contract.ref)) {
      throw new ConflictError(`contract ${contract.ref} is built in; use another ref`, 'contract_exists');
    }
    await deps.contracts.put(user.accountId, contract);
    return json(201, { contract });
  }

  async function getKeyLink({ user, params }: RequestContext): Promise<Result> {
    const link = await ownKeyLink(user, params.id);
    const kek = await deps.keks.byId(link.scope, link.kekId);
    if (!kek) throw new KeyLinkIntegrityError(link.keyLinkId, 'its key-encryption key is missing');
    let keyValue: Uint8Array;
    try {
      keyValue = unwrapKey(kek, link.keyLinkId, link.wrappedKey);
    } catch {
      // Stored data that does not verify is our fault (500), not the caller's.
      throw new KeyLinkIntegrityError(link.keyLinkId, 'the wrapped key does not verify');
    }
    logger.info('key link exported', { accountId: user.accountId, keyLinkId: link.keyLinkId });
    return json(200, {
      keyLinkId: link.keyLinkId,
      createdAt: new Date(link.createdAt).toISOString(),
      expiresAt: new Date(link.expiresAt).toISOString(),
      keyset: toTinkJsonKeyset({ keyId: link.keyId, keyValue }),
    });
  }

  async function deleteKeyLink({ user, params }: RequestContext): Promise<Result> {
    const link = await ownKeyLink(user, params.id);
    await deps.keyLinks.deleteById(link.keyLinkId);
    logger.info('key link deleted', { accountId: user.accountId, keyLinkId: link.keyLinkId });
    return noContent();
  }

  /**
   * The id travels in the body, never in the path: API Gateway decodes the path before routing (and cuts
   * it at a decoded `?`), so an id in a path segment could name, and shred, another data subject.
   */
  async function forgetDataSubject({ event, user }: RequestContext): Promise<Result> {
    const dataSubject = parseDataSubjectRequest(jsonBody(event));
    const dataSubjectHash = keyedHash(await deps.lookupSecret(), user.accountId, dataSubject);
    const deleted = await deps.keyLinks.deleteByDataSubject(user.accountId, dataSubjectHash);
    logger.info('data subject forgotten', { accountId: user.accountId, deletedKeyLinks: deleted.length });
    return json(200, { deletedKeyLinks: deleted.length });
  }

  const routes: Route[] = [
    { method: 'POST', pattern: 'accounts', auth: false, run: signUp },
    { method: 'POST', pattern: 'auth/login', auth: false, run: login },
    { method: 'POST', pattern: 'auth/refresh', auth: false, run: refresh },
    { method: 'GET', pattern: 'me', auth: true, run: me },
    { method: 'GET', pattern: 'streams', auth: true, run: listStreams },
    { method: 'POST', pattern: 'streams', auth: true, run: createStream },
    { method: 'GET', pattern: 'streams/:name', auth: true, run: getStream },
    { method: 'DELETE', pattern: 'streams/:name', auth: true, run: deleteStream },
    { method: 'GET', pattern: 'streams/:name/usage', auth: true, run: usage },
    { method: 'GET', pattern: 'contracts', auth: true, run: listContracts },
    { method: 'POST', pattern: 'contracts', auth: true, run: createContract },
    { method: 'GET', pattern: 'contracts/:handle/:name/:version', auth: true, run: getContract },
    { method: 'GET', pattern: 'key-links/:id', auth: true, run: getKeyLink },
    { method: 'DELETE', pattern: 'key-links/:id', auth: true, run: deleteKeyLink },
    { method: 'POST', pattern: 'data-subjects/forget', auth: true, run: forgetDataSubject },
  ];
  const table = routes.map((route) => ({ ...route, segments: ['v1', ...route.pattern.split('/')] }));

  async function authenticate(event: APIGatewayProxyEventV2): Promise<UserClaims> {
    const token = bearerToken(event);
    if (!token) throw new UnauthorizedError('missing bearer token', 'missing_token');
    return (await deps.tokens()).verifyUserToken(token);
  }

  return async function handler(event: APIGatewayProxyEventV2): Promise<Result> {
    const method = (event.requestContext?.http?.method ?? 'GET').toUpperCase();
    const segments = requestPath(event).split('/').slice(1);
    let routeName = 'unknown';
    try {
      const candidates = table
        .map((route) => ({ route, params: matchPattern(route.segments, segments) }))
        .filter((c) => c.params !== undefined);
      if (candidates.length === 0) throw new NotFoundError('no such route', 'route_not_found');
      const match = candidates.find((c) => c.route.method === method);
      if (!match) {
        const allow = [...new Set(candidates.map((c) => c.route.method))].join(', ');
        return json(405, { error: { code: 'method_not_allowed', message: `use ${allow}` } }, { allow });
      }
      routeName = `${match.route.method} ${match.route.pattern}`;
      const user = match.route.auth ? await authenticate(event) : ({} as UserClaims);
      const query = event.queryStringParameters ?? {};
      const result = await match.route.run({ event, params: match.params ?? {}, query, user });
      return result;
    } catch (error) {
      const status = httpStatusOf(error);
      if (error instanceof AppError)
        logger.info('request rejected', { route: routeName, status, code: error.code });
      else logger.error('request failed', { route: routeName, errorName: (error as Error)?.name });
      return jsonError(error);
    }
  };
}

function signupModeFromEnv(): SignupMode {
  // Anything but an explicit 'open' fails closed.
  return optionalEnv('SIGNUP_MODE', 'open') === 'open' ? 'open' : 'bootstrap';
}

function bootstrapSecretFromEnv(): () => Promise<string | undefined> {
  const arn = process.env.BOOTSTRAP_SECRET_ARN;
  if (!arn) return () => Promise.resolve(undefined);
  return onceSucceeded(() =>
    secretsManagerClient()
      .send(new GetSecretValueCommand({ SecretId: arn }))
      .then((result) => result.SecretString || undefined),
  );
}

function keyLinkStorageEntries(): Pick<ManagementDeps, 'keyLinks' | 'keks'> {
  const { store, keks } = keyLinkStorageFromEnv();
  return { keyLinks: store, keks };
}

/** The dependencies of the deployed (or local) handler, from the environment. */
export function managementDepsFromEnv(): ManagementDeps {
  const doc = dynamoDocumentClient();
  return {
    accounts: new AccountsRepo({ doc, table: requiredEnv('ACCOUNTS_TABLE') }),
    streams: new StreamsRepo({ doc, table: requiredEnv('STREAMS_TABLE') }),
    contracts: new ContractsRepo({ doc, table: requiredEnv('CONTRACTS_TABLE') }),
    usage: new UsageRepo({ doc, table: requiredEnv('USAGE_TABLE') }),
    ...keyLinkStorageEntries(),
    tokens: getTokenService,
    lookupSecret: getLookupSecret,
    signupMode: signupModeFromEnv(),
    bootstrapSecret: bootstrapSecretFromEnv(),
  };
}

let cached: ReturnType<typeof createManagementHandler> | undefined;

/** Lambda entry point; dependencies are built from the environment on first use. */
export async function handler(event: APIGatewayProxyEventV2): Promise<Result> {
  cached ??= createManagementHandler(managementDepsFromEnv());
  return cached(event);
}
