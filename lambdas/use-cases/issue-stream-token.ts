import type { StreamCredential, StreamsRepo } from '../aws/streams-repo';
import { hashClientSecret, isClientId, verifyClientSecret } from '../core/client-secrets';
import { OAuthError, TooManyRequestsError, UnauthorizedError } from '../core/errors';
import type { StreamRecord } from '../core/stream-definition';
import { isStreamActive, streamAcceptsClient } from '../core/stream-status';
import type { IssuedTokens, StreamClaims, TokenService } from '../core/tokens';
import { accountBillingId, type BillingIdStore } from './account-billing-id';

/**
 * Issuing stream tokens to a stream's client: the OAuth2 client-credentials grant (RFC 6749 §4.4) and the
 * refresh grant (§6). Tokens go only to a client whose credential and stream still exist, whose stream is
 * active and accepts that client. Failures are OAuthErrors (invalid_client, invalid_grant); how a grant
 * arrived (form, JSON, Basic, which path) is the caller's business.
 */
export type StreamTokenGrant =
  | {
      grantType: 'client_credentials';
      clientId: string;
      clientSecret: string;
      /** The Stream Machine STS (`POST /auth`) also names the account: it must be the client's. */
      billingId?: string;
    }
  | { grantType: 'refresh_token'; refreshToken: string };

export interface StreamTokenPorts {
  streams: Pick<StreamsRepo, 'get' | 'getCredential'>;
  tokens: () => Promise<Pick<TokenService, 'issueStreamTokens' | 'verifyStreamRefreshToken'>>;
  /** The account's billing id, put into the tokens (created on first use for older accounts). */
  billingIds: BillingIdStore;
  /** Per key (see `limitRate`): 0 to go ahead, else seconds to wait (core/rate-limit.ts); none: unlimited. */
  rateLimit?: { take(key: string): number };
  /**
   * Failed client-credentials attempts per client id (see `limitFailures`): `waitFor` before the credential
   * read, `take` on a failure; none: unlimited.
   */
  failureLimit?: { waitFor(key: string): number; take(key: string): number };
  now?: () => number;
}

export interface IssuedStreamToken {
  claims: StreamClaims;
  tokens: IssuedTokens;
}

export async function issueStreamToken(
  ports: StreamTokenPorts,
  grant: StreamTokenGrant,
): Promise<IssuedStreamToken> {
  const claims =
    grant.grantType === 'client_credentials'
      ? await clientCredentialsClaims(ports, grant)
      : await refreshTokenClaims(ports, grant.refreshToken);
  if (grant.grantType === 'client_credentials') limitRate(ports, issuanceKey(claims.clientId));
  const billingId = await accountBillingId(ports, claims.accountId);
  const withBilling = { ...claims, billingId };
  const tokens = await (await ports.tokens()).issueStreamTokens(withBilling);
  return { claims: withBilling, tokens };
}

/**
 * A token storm (a client that asks for a token in a loop) is refused before any table is read, so one
 * broken client cannot take the token endpoint down for everyone. Client ids are not secret, so the
 * buckets are keyed on what the caller has shown: a client-credentials request spends, before any read,
 * the bucket of its client id AND a prefix of its secret's hash (a stranger guessing secrets for someone's
 * client id spends only the buckets of its own guesses), and once the secret verified, the client's
 * issuance bucket; a refresh grant spends the issuance bucket once its token's signature verified (only
 * whoever got tokens for the client has one). So the owner's looping client is limited on both grants,
 * and nobody else can keep the owner at 429.
 */
function limitRate(ports: StreamTokenPorts, key: string): void {
  refuseWhileWaiting(ports.rateLimit?.take(key) ?? 0);
}

/**
 * The per-secret buckets alone leave a flood of random secrets unlimited (each guess has a fresh bucket and
 * reads the credential) and churn the limiter's keys. So failures are also counted per client id, in a
 * coarse bucket with a high burst (http/stream-token-rate-limit.ts): checked before the credential read,
 * spent only by a wrong secret or unknown client. This is the one way others can hold back the owner's
 * client-credentials grant: by keeping that client id's failures above the bucket's refill (more than 1 a
 * second after a burst of 100), and only while they keep it up; the refresh grant spends no failure bucket,
 * so a client holding tokens keeps refreshing.
 */
function refuseWhileFailing(ports: StreamTokenPorts, clientId: string): void {
  refuseWhileWaiting(ports.failureLimit?.waitFor(failureKey(clientId)) ?? 0);
}

function refuseWhileWaiting(waitSeconds: number): void {
  if (waitSeconds > 0) {
    throw new TooManyRequestsError(
      'too many token requests for this client; retry later',
      'too_many_requests',
      waitSeconds,
    );
  }
}

/** Unknown client, wrong secret, wrong billing id and an inactive stream are one answer for all. */
async function clientCredentialsClaims(
  ports: StreamTokenPorts,
  grant: Extract<StreamTokenGrant, { grantType: 'client_credentials' }>,
): Promise<StreamClaims> {
  const invalidClient = new OAuthError('invalid_client', 'unknown client or wrong secret');
  if (!isClientId(grant.clientId)) throw invalidClient;
  refuseWhileFailing(ports, grant.clientId);
  limitRate(ports, attemptKey(grant.clientId, grant.clientSecret));
  const credential = await ports.streams.getCredential(grant.clientId);
  if (!credential || !verifyClientSecret(grant.clientSecret, credential.secretHash)) {
    ports.failureLimit?.take(failureKey(grant.clientId));
    throw invalidClient;
  }
  const stream = await activeStreamOf(ports, credential);
  if (!stream) throw invalidClient;
  if (grant.billingId !== undefined) {
    const billingId = await accountBillingId(ports, credential.accountId);
    if (billingId !== grant.billingId) throw invalidClient;
  }
  return claimsOf(credential, stream);
}

/** The credential (and its stream) may have been deleted, or the stream recreated, since the token was issued. */
async function refreshTokenClaims(ports: StreamTokenPorts, refreshToken: string): Promise<StreamClaims> {
  const claims = await verifiedRefreshClaims(ports, refreshToken);
  limitRate(ports, issuanceKey(claims.clientId));
  const credential = await ports.streams.getCredential(claims.clientId);
  const stream = credential && (await activeStreamOf(ports, credential));
  if (
    !credential ||
    !stream ||
    credential.accountId !== claims.accountId ||
    credential.streamName !== claims.stream
  ) {
    throw new OAuthError('invalid_grant', 'the client of this refresh_token no longer exists');
  }
  return claimsOf(credential, stream);
}

/** 96 bits of the secret's SHA-256: tells guesses apart, and is never logged or stored. */
const SECRET_HASH_PREFIX_CHARS = 16;

function attemptKey(clientId: string, clientSecret: string): string {
  return `attempt:${clientId}:${hashClientSecret(clientSecret).slice(0, SECRET_HASH_PREFIX_CHARS)}`;
}

function failureKey(clientId: string): string {
  return `failed:${clientId}`;
}

function issuanceKey(clientId: string): string {
  return `issue:${clientId}`;
}

async function verifiedRefreshClaims(ports: StreamTokenPorts, refreshToken: string): Promise<StreamClaims> {
  const tokens = await ports.tokens();
  try {
    return await tokens.verifyStreamRefreshToken(refreshToken);
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    // The reason is one of the token service's fixed messages ('invalid token', 'token expired').
    throw new OAuthError('invalid_grant', `refresh_token is not valid (${error.message})`);
  }
}

/** The credential's stream, if it is active and still accepts the credential's (unexpired) client. */
async function activeStreamOf(
  ports: StreamTokenPorts,
  credential: StreamCredential,
): Promise<StreamRecord | undefined> {
  const stream = await ports.streams.get(credential.accountId, credential.streamName);
  const nowMs = ports.now?.() ?? Date.now();
  if (!stream || !isStreamActive(stream) || !streamAcceptsClient(stream, credential.clientId, nowMs))
    return undefined;
  return stream;
}

function claimsOf(credential: StreamCredential, stream: StreamRecord): StreamClaims {
  return {
    clientId: credential.clientId,
    accountId: credential.accountId,
    stream: stream.name,
    derived: stream.linkedStream !== undefined,
  };
}
