import { ApiError, type StreamCredentials, type StreamRecord } from './api-client';
import { CliError } from './cli-error';
import type { CommandContext } from './runtime';
import { loadSavedStream } from './saved-entities';

export interface ResolvedStreamCredentials {
  credentials: StreamCredentials;
  /** The saved stream record, when the credentials came from `--save`. */
  savedStream?: StreamRecord;
}

/** `--client-id/--client-secret` when given (both), else the stream's saved entity in this context. */
export async function resolveStreamCredentials(
  ctx: CommandContext,
  streamName: string,
  flags: { clientId?: string; clientSecret?: string },
): Promise<ResolvedStreamCredentials> {
  if (flags.clientId !== undefined || flags.clientSecret !== undefined) {
    if (!flags.clientId || !flags.clientSecret) {
      throw new CliError('Pass both --client-id and --client-secret, or neither to use the saved stream');
    }
    return { credentials: { clientId: flags.clientId, clientSecret: flags.clientSecret } };
  }
  const saved = loadSavedStream(ctx.context.dir, streamName);
  if (!saved) throw await noSavedCredentials(ctx, streamName);
  return { credentials: saved.credentials, savedStream: saved.stream };
}

/** Why there are no credentials, and what to type next: asks the API whether the stream exists at all. */
async function noSavedCredentials(ctx: CommandContext, streamName: string): Promise<CliError> {
  const where = `context ${ctx.context.name} (${ctx.endpoints.apiUrl})`;
  let exists: boolean | undefined;
  try {
    await ctx.session.call((token) => ctx.api.getStream(token, streamName));
    exists = true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) exists = false;
  }
  if (exists === false) {
    return new CliError(
      `Stream ${streamName} does not exist in ${where}. Create it with: strm create stream ${streamName} --save ` +
        '(your streams: strm list streams)',
    );
  }
  if (exists === true) {
    return new CliError(
      `No saved credentials for stream ${streamName} in ${where}. Create a client id and secret and save them: ` +
        `strm create credentials ${streamName} --save (or pass --client-id and --client-secret)`,
    );
  }
  return new CliError(
    `No saved credentials for stream ${streamName} in ${where}. If the stream exists, create credentials for it: ` +
      `strm create credentials ${streamName} --save; if not, create it: strm create stream ${streamName} --save. ` +
      'Or pass --client-id and --client-secret.',
  );
}

/** The claims of a stream token (decoded, not verified: the server verifies; this only checks intent). */
export interface StreamTokenClaims {
  stream?: string;
  derived?: boolean;
}

export function decodeStreamTokenClaims(token: string): StreamTokenClaims {
  const payload = token.split('.')[1];
  if (payload === undefined) return {};
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    return {
      stream: typeof claims.stream === 'string' ? claims.stream : undefined,
      derived: typeof claims.derived === 'boolean' ? claims.derived : undefined,
    };
  } catch {
    return {};
  }
}

/** Refuses credentials whose token names another stream than the one on the command line. */
export function assertTokenForStream(claims: StreamTokenClaims, streamName: string): void {
  if (claims.stream !== undefined && claims.stream !== streamName) {
    throw new CliError(`These credentials belong to stream ${claims.stream}, not ${streamName}`);
  }
}

/** The first token of a run; rejected client credentials become a clear CLI error. */
export async function firstStreamToken(
  tokens: { getToken(): Promise<string> },
  streamName: string,
): Promise<string> {
  try {
    return await tokens.getToken();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 400 || error.status === 401)) {
      throw new CliError(`The client id/secret for stream ${streamName} were rejected: ${error.message}`);
    }
    throw error;
  }
}
