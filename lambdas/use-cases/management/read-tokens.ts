import { ForbiddenError, UnauthorizedError } from '../../core/errors';
import { isStreamActive } from '../../core/stream-status';
import type { UserClaims } from '../../core/tokens';
import { ownStream } from './owned-stream';
import type { ManagementPorts } from './ports';

/** A read-only stream token, as `POST /v1/streams/{name}/read-token` answers it. */
export interface IssuedReadToken {
  accessToken: string;
  /** Epoch seconds. */
  expiresAt: number;
  stream: string;
}

/**
 * `POST /v1/streams/{name}/read-token`: a short-lived read-only token for one of the caller's streams
 * (source or derived), so a signed-in user can subscribe (the console's WebSocket) without the stream's
 * secrets. It opens a subscriber connection and nothing else: ingest and the token endpoint refuse it.
 * It belongs to the caller's sign-in session: once that ends, the authorizer refuses the token and the
 * session's connections are ended. Another account's stream is 404; a disabled stream 403 (nobody may
 * subscribe to it).
 */
export async function issueReadToken(
  ports: Pick<ManagementPorts, 'streams' | 'tokens' | 'now' | 'audit'>,
  caller: UserClaims,
  name: string,
): Promise<IssuedReadToken> {
  const { accountId, email, sessionId } = caller;
  // Every authenticated caller has a live session (requireLiveSession); a token without one never gets here.
  if (!sessionId) throw new UnauthorizedError('the session has ended; sign in again', 'invalid_token');
  const stream = await ownStream(ports.streams, accountId, name);
  if (!isStreamActive(stream))
    throw new ForbiddenError(`stream ${stream.name} is disabled`, 'stream_disabled');
  const tokens = await ports.tokens();
  const issued = await tokens.issueStreamReadToken({
    accountId,
    stream: stream.name,
    streamCreatedAt: stream.createdAt,
    email,
    sessionId,
  });
  ports.audit.info('read token issued', { accountId, stream: stream.name });
  return {
    accessToken: issued.accessToken,
    expiresAt: Math.floor(ports.now() / 1000) + issued.expiresIn,
    stream: stream.name,
  };
}
