import WebSocket from 'ws';
import { abortableSleep } from './abortable-sleep';
import { ApiError } from './api-client';
import { CliError } from './runtime';

/** Close codes after which the original CLI simply reconnected (idle timeouts, server restarts). */
const RECONNECT_CLOSE_CODES = new Set([1000, 1001, 1005, 1006]);
const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10_000;
/** Well inside API Gateway's 10-minute idle timeout. */
const KEEP_ALIVE_MS = 60_000;
/** How often an open subscription asks the token endpoint whether its credentials still work. */
const ACCESS_CHECK_MS = 60_000;

export interface EgressOptions {
  wsUrl: string;
  /** Interval of keep-alive pings (default 60 s). */
  keepAliveMs?: number;
  streamName: string;
  /** A valid stream token for every (re)connect. */
  getToken: () => Promise<string>;
  /** Each event as one line of compact JSON. */
  onEvent: (line: string) => void;
  /** Human-readable progress (connected, reconnecting): goes to stderr. */
  onNotice: (text: string) => void;
  /** Aborting closes the socket and resolves. */
  signal: AbortSignal;
  /** Stop after this many events; undefined = until aborted. */
  count?: number;
  initialBackoffMs?: number;
  /**
   * Asks the token endpoint for a fresh token (a stack that does not close the sockets of a deleted stream
   * or credential would otherwise leave the subscription listening to nothing forever). A 4xx answer ends
   * the subscription; network errors and 5xx are ignored (the socket is still open).
   */
  checkAccess?: () => Promise<unknown>;
  /** Interval of `checkAccess` (default 60 s). */
  accessCheckMs?: number;
  /**
   * Ask for batched frames (`?batch=true`: a JSON array of events per message, fewer messages for the
   * stack to send); each event is still printed as a line of its own.
   */
  batchFrames?: boolean;
}

type ConnectionEnd =
  | { kind: 'closed'; code: number; received: number }
  | { kind: 'rejected'; status: number }
  | { kind: 'failed'; reason: string; received: number }
  | { kind: 'revoked'; reason: string }
  | { kind: 'stopped' };

/** An answer that means the credentials no longer work: a 4xx other than 429. */
function isRefusal(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429;
}

function revoked(streamName: string, reason: string): CliError {
  return new CliError(
    `Stream ${streamName} no longer accepts these credentials: the stream or its credentials were deleted ` +
      `(${reason}). Check with: strm get stream ${streamName}`,
  );
}

/**
 * Listens to a stream over the WebSocket egress: prints each frame, reconnects with backoff after normal
 * closes and network errors (with a fresh token), and gives up only on 401/403 or when aborted.
 */
export async function runEgress(options: EgressOptions): Promise<void> {
  let backoff = options.initialBackoffMs ?? INITIAL_BACKOFF_MS;
  let remaining = options.count;
  let everConnected = false;
  while (!options.signal.aborted) {
    let token: string;
    try {
      token = await options.getToken();
    } catch (error) {
      // Before the first connection every failure is fatal; later the stack may just be restarting or
      // busy (5xx, 429). A 4xx answer (credentials revoked, stream deleted) ends the subscription.
      if (!everConnected) throw error;
      if (isRefusal(error)) throw revoked(options.streamName, error.message);
      options.onNotice(`Cannot get a token (${(error as Error).message}); retrying`);
      await abortableSleep(backoff, options.signal);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      continue;
    }
    if (options.signal.aborted) return;
    const end = await connectOnce(options, token, remaining, () => {
      everConnected = true;
    });
    if (end.kind === 'stopped') return;
    if (end.kind === 'revoked') throw revoked(options.streamName, end.reason);
    if (end.kind === 'rejected' && everConnected) {
      throw revoked(options.streamName, `the WebSocket endpoint answered ${end.status}`);
    }
    if (end.kind === 'rejected') {
      throw new CliError(
        `The WebSocket endpoint refused the connection (${end.status}): the token is invalid or the credentials ` +
          `belong to another stream than ${options.streamName}`,
      );
    }
    if (remaining !== undefined) {
      remaining -= end.received;
      if (remaining <= 0) return;
    }
    if (end.kind === 'failed' && !everConnected) {
      throw new CliError(`Cannot connect to ${options.wsUrl} (${end.reason})`);
    }
    options.onNotice(
      end.kind === 'closed'
        ? `Connection closed (${end.code}${RECONNECT_CLOSE_CODES.has(end.code) ? '' : ', unexpected'}); reconnecting`
        : `Connection lost (${end.reason}); reconnecting`,
    );
    if (end.received > 0) backoff = options.initialBackoffMs ?? INITIAL_BACKOFF_MS;
    await abortableSleep(backoff, options.signal);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

function connectOnce(
  options: EgressOptions,
  token: string,
  limit: number | undefined,
  onOpen: () => void,
): Promise<ConnectionEnd> {
  return new Promise((resolve) => {
    let received = 0;
    let settled = false;
    const url = options.batchFrames ? withBatchFrames(options.wsUrl) : options.wsUrl;
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    // API Gateway (and the local gateway) close a WebSocket after 10 minutes without client activity;
    // a ping frame counts as activity, a text message would be routed as a request.
    const keepAlive = setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) socket.ping();
    }, options.keepAliveMs ?? KEEP_ALIVE_MS);
    keepAlive.unref();
    const { checkAccess } = options;
    const accessCheck = checkAccess
      ? setInterval(() => {
          checkAccess().catch((error: unknown) => {
            if (!isRefusal(error)) return;
            socket.terminate();
            finish({ kind: 'revoked', reason: error.message });
          });
        }, options.accessCheckMs ?? ACCESS_CHECK_MS)
      : undefined;
    accessCheck?.unref();
    const finish = (end: ConnectionEnd) => {
      if (settled) return;
      settled = true;
      clearInterval(keepAlive);
      clearInterval(accessCheck);
      options.signal.removeEventListener('abort', onAbort);
      resolve(end);
    };
    const stop = () => {
      socket.removeAllListeners('message');
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      else socket.terminate();
      finish({ kind: 'stopped' });
    };
    const onAbort = () => stop();
    options.signal.addEventListener('abort', onAbort);

    socket.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      socket.terminate();
      if (status === 401 || status === 403) finish({ kind: 'rejected', status });
      else finish({ kind: 'failed', reason: `HTTP ${status}`, received });
    });
    socket.on('open', () => {
      onOpen();
      options.onNotice(`Listening to stream ${options.streamName} at ${options.wsUrl} (Ctrl-C to stop)`);
    });
    socket.on('message', (data, isBinary) => {
      const text = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.from(data).toString('utf8');
      for (const line of isBinary ? [text] : eventLines(text)) {
        options.onEvent(line);
        received += 1;
        if (limit !== undefined && received >= limit) {
          stop();
          return;
        }
      }
    });
    socket.on('close', (code) => finish({ kind: 'closed', code, received }));
    socket.on('error', (error) => {
      const reason = (error as NodeJS.ErrnoException).code ?? error.message;
      finish({ kind: 'failed', reason, received });
      socket.terminate();
    });
  });
}

/** The egress URL asking for batched frames (`batch=true` added to its query). */
export function withBatchFrames(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.searchParams.set('batch', 'true');
  return url.toString();
}

/** The events of a text frame as lines: each element of a batched frame (a JSON array), or the frame itself. */
export function eventLines(text: string): string[] {
  if (text.trimStart().startsWith('[')) {
    try {
      const events = JSON.parse(text) as unknown;
      if (Array.isArray(events)) return events.map((event) => JSON.stringify(event));
    } catch {
      // Not JSON after all: printed as it came, below.
    }
  }
  return [oneLine(text)];
}

/** Frames are compact JSON already; re-serialise only if one spans lines, so each event is one line. */
export function oneLine(text: string): string {
  if (!text.includes('\n')) return text;
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text.replace(/\r?\n/g, ' ');
  }
}
