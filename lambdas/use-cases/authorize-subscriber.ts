import type { StreamsRepo } from '../aws/streams-repo';
import type { UserSessionsRepo } from '../aws/user-sessions-repo';
import { AppError, errorName } from '../core/errors';
import { isStreamActive, streamAcceptsClient, streamReaderId } from '../core/stream-status';
import type { StreamReadClaims, SubscriberToken, TokenService } from '../core/tokens';

/**
 * Whether a WebSocket subscriber with this stream token may connect, and to which stream.
 *
 * A missing, invalid or expired token, a stream that is gone or inactive, or a client the stream no longer
 * accepts is a Deny with a reason for the log; nobody has to tell an invalid token from a deleted stream.
 * The token names its stream by name, so it must also carry one of the stream's current client ids: a token
 * issued before the stream was deleted and recreated under the same name is denied. When the token service
 * cannot be built (on AWS the authorizer may only read the signing secret, which does not exist before the
 * first token is issued), no valid token can exist: Deny. Other infrastructure failures (e.g. DynamoDB
 * unavailable) are thrown, so the caller can fail the request and the client can retry.
 *
 * A read-only token (a signed-in user's, for the console) carries no client id; it names the stream's
 * incarnation instead (`streamCreatedAt`) and the user's sign-in session, which must still be live (a
 * logout, password change or removal from the account ends it). The connection is stored under the
 * session's reader id of that incarnation (core/stream-status.ts `streamReaderId`): egress accepts it for
 * as long as the incarnation lives, and management ends it with the session.
 */
export interface AuthorizeSubscriberPorts {
  streams: Pick<StreamsRepo, 'get'>;
  /** The users' sign-in sessions (a read token's session must be live). */
  sessions: Pick<UserSessionsRepo, 'get'>;
  tokens: () => Promise<Pick<TokenService, 'verifySubscriberToken'>>;
}

/** The stream a subscriber reads, as the connection stores it. */
export interface Subscriber {
  accountId: string;
  stream: string;
  /** The stream client's id, or the stream's reader id for a read-only token. */
  clientId: string;
  /**
   * A read-only token's signed-in user (absent for a client token): `$connect` checks the session once more
   * after storing the connection (use-cases/store-subscriber-connection.ts).
   */
  email?: string;
}

/**
 * Allow with the subscriber, or Deny with a reason for the log: `missing_token`, `token_service_unavailable`
 * (with the failure's `errorName`, never its message), the token service's code (`invalid_token`,
 * `token_expired`), `stream_gone`, `client_not_of_stream`, `session_ended` (a read token's session).
 */
export type SubscriberAuthorization =
  | { allowed: true; subscriber: Subscriber }
  | { allowed: false; reason: string; errorName?: string };

const deny = (reason: string, failure?: unknown): SubscriberAuthorization =>
  failure === undefined
    ? { allowed: false, reason }
    : { allowed: false, reason, errorName: errorName(failure) };

export async function authorizeSubscriber(
  ports: AuthorizeSubscriberPorts,
  token: string | undefined,
): Promise<SubscriberAuthorization> {
  if (!token) return deny('missing_token');
  let tokens: Pick<TokenService, 'verifySubscriberToken'>;
  try {
    tokens = await ports.tokens();
  } catch (error) {
    return deny('token_service_unavailable', error);
  }
  let verified: SubscriberToken;
  try {
    verified = await tokens.verifySubscriberToken(token);
  } catch (error) {
    if (error instanceof AppError) return deny(error.code);
    throw error;
  }
  const { claims } = verified;
  const stream = await ports.streams.get(claims.accountId, claims.stream);
  if (!stream || !isStreamActive(stream)) return deny('stream_gone');
  const { accountId, stream: streamName } = claims;
  if (verified.kind === 'client') {
    const { clientId } = verified.claims;
    if (!streamAcceptsClient(stream, clientId)) return deny('client_not_of_stream');
    return { allowed: true, subscriber: { accountId, stream: streamName, clientId } };
  }
  // A read token of an earlier stream under this name reads nothing of the new one.
  if (stream.createdAt !== verified.claims.streamCreatedAt) return deny('stream_gone');
  if (!(await isReadSessionLive(ports.sessions, verified.claims))) return deny('session_ended');
  const { sessionId, email } = verified.claims;
  const clientId = streamReaderId(stream, sessionId);
  return { allowed: true, subscriber: { accountId, stream: streamName, clientId, email } };
}

/** Whether the sign-in session a read token names is still live, and of the token's account. */
export async function isReadSessionLive(
  sessions: Pick<UserSessionsRepo, 'get'>,
  claims: Pick<StreamReadClaims, 'accountId' | 'email' | 'sessionId'>,
): Promise<boolean> {
  const session = await sessions.get(claims.email, claims.sessionId);
  return session !== undefined && session.accountId === claims.accountId;
}
