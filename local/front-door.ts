import type { Server as HttpServer } from 'node:http';
import type { Http2Server } from 'node:http2';
import { createServer, type Server, type Socket } from 'node:net';

/**
 * One port for three protocols, as the original drivers expect of an event gateway: HTTP/2 with prior
 * knowledge (h2c: the client starts with the 24-byte connection preface, no Upgrade, no ALPN), HTTP/1.1,
 * and the WebSocket upgrade (an HTTP/1.1 request). A net.Server reads the first bytes of each connection
 * and hands the socket to the HTTP/2 server or the HTTP/1.1 server.
 */

/** RFC 9113 §3.4: every HTTP/2 connection with prior knowledge starts with exactly these bytes. */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export type SniffedProtocol = 'http2' | 'http1';

/**
 * The protocol the bytes received so far start, or undefined while they are still a prefix of the HTTP/2
 * preface (a client may send it in pieces). No HTTP/1.1 request line starts with `PRI * HTTP/2.0`.
 */
export function sniffProtocol(received: Buffer): SniffedProtocol | undefined {
  const length = Math.min(received.length, HTTP2_PREFACE.length);
  if (!received.subarray(0, length).equals(HTTP2_PREFACE.subarray(0, length))) return 'http1';
  return received.length >= HTTP2_PREFACE.length ? 'http2' : undefined;
}

export interface FrontDoorOptions {
  http1: HttpServer;
  http2: Http2Server;
  /** A connection that has not said which protocol it speaks within this time is closed. Default 10 s. */
  sniffTimeoutMs?: number;
}

/** Hands a socket whose first bytes are `received` to the server of its protocol. */
function handOver(socket: Socket, received: Buffer, protocol: SniffedProtocol, opts: FrontDoorOptions): void {
  socket.pause();
  if (protocol === 'http2') {
    // The HTTP/2 session reads what is already buffered on the socket before it reads from the wire.
    socket.unshift(received);
    opts.http2.emit('connection', socket);
    return;
  }
  // node:http's parser consumes the wire directly, so the bytes already read are fed to it as data.
  opts.http1.emit('connection', socket);
  socket.emit('data', received);
  socket.resume();
}

export interface FrontDoor {
  server: Server;
  /** Destroys every connection this port accepted (for shutting down). */
  destroyConnections(): void;
}

/** The listening side of the gateway's port. */
export function createFrontDoor(opts: FrontDoorOptions): FrontDoor {
  const sniffTimeoutMs = opts.sniffTimeoutMs ?? 10_000;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), sniffTimeoutMs);
    const stop = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const onError = () => stop();
    const onClose = () => stop();
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const protocol = sniffProtocol(received);
      if (protocol === undefined) return;
      stop();
      handOver(socket, received, protocol, opts);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
  return {
    server,
    destroyConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}
