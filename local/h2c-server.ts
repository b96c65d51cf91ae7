import {
  constants,
  createServer,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from 'node:http2';

/**
 * The gateway's HTTP/2 cleartext server, with limits that keep one misbehaving client from hurting the
 * process: a bounded number of concurrent streams per session (more are refused with RST_STREAM
 * REFUSED_STREAM), bounded session memory (a client that never reads its responses stops getting new
 * streams), bounded headers, idle sessions closed with GOAWAY, and requests whose body never completes
 * or whose response is never read reset. Protocol errors end the session with GOAWAY (nghttp2); nothing reaches the process as an
 * uncaught error, and a stream's error never ends its session (the original Node driver keeps using a
 * session after one failed request).
 */

export interface H2cLimits {
  /** Streams one session may have open at once. Default 100 (what most servers advertise). */
  maxConcurrentStreams?: number;
  /** Megabytes nghttp2 may buffer per session before refusing new streams. Default 10. */
  maxSessionMemoryMb?: number;
  /** A session without any frame for this long is closed. Default 5 min (the driver itself closes after 60 s). */
  sessionIdleMs?: number;
  /** A request must have arrived completely (headers and body) within this. Default 30 s. */
  requestTimeoutMs?: number;
  /**
   * A stream with no frame in either direction for this long is reset (a response the client never reads
   * stops sending once its flow-control window is full). Default 60 s.
   */
  streamIdleMs?: number;
}

export interface H2cServer {
  server: Http2Server;
  /** Open sessions, for close(). */
  sessions(): Http2Session[];
}

export function createH2cServer(
  onRequest: (req: Http2ServerRequest, res: Http2ServerResponse) => void,
  limits: H2cLimits = {},
): H2cServer {
  const maxConcurrentStreams = limits.maxConcurrentStreams ?? 100;
  const server = createServer(
    {
      maxSessionMemory: limits.maxSessionMemoryMb ?? 10,
      maxHeaderListPairs: 128,
      peerMaxConcurrentStreams: maxConcurrentStreams,
      settings: { maxConcurrentStreams, maxHeaderListSize: 32 * 1024, enablePush: false },
    },
    (req, res) => {
      const requestTimeoutMs = limits.requestTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        if (!req.complete) req.stream.close(constants.NGHTTP2_CANCEL);
      }, requestTimeoutMs);
      timer.unref();
      req.once('end', () => clearTimeout(timer));
      req.stream.once('close', () => clearTimeout(timer));
      req.stream.setTimeout(limits.streamIdleMs ?? 60_000, () => req.stream.close(constants.NGHTTP2_CANCEL));
      onRequest(req, res);
    },
  );
  const open = new Set<Http2Session>();
  server.on('session', (session) => {
    open.add(session);
    session.once('close', () => open.delete(session));
    session.on('error', () => undefined);
    session.setTimeout(limits.sessionIdleMs ?? 5 * 60_000, () => session.close());
  });
  // A stream error resets that stream only; a session error is answered with GOAWAY by nghttp2.
  server.on('sessionError', () => undefined);
  server.on('stream', (stream) => stream.on('error', () => undefined));
  return { server, sessions: () => [...open] };
}
