import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CONNECTIONS_PATH,
  handleConnectionsRequest,
  type LiveConnection,
  type SubscriberLimits,
} from './connections-endpoint';
import { LOCAL_REGION, type LocalCredentials } from './local-account';
import { signedEndpoint } from './signed-endpoint';

/**
 * The `@connections` endpoint on a loopback port of its own, never on the public gateway port: only the
 * stack's own functions, signing with the stack's credentials (SigV4, service `execute-api`, as AWS
 * requires), may post to, describe or close a subscriber's connection.
 */

export interface ConnectionsServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  connections: ReadonlyMap<string, LiveConnection>;
  credentials: LocalCredentials;
  limits?: SubscriberLimits;
  /** Failed calls only: PostToConnection runs once per event and subscriber. */
  log?: (line: string) => void;
}

export interface ConnectionsServer {
  /** The callback URL the functions get as WS_CALLBACK_URL. */
  url: string;
  close(): Promise<void>;
}

/** Whether a peer address is this machine's (IPv4 127/8, IPv6 ::1, IPv4-mapped included). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const ip = address.replace(/^::ffff:/, '');
  return ip === '::1' || /^127\./.test(ip);
}

/** The connection id of an `@connections` path; undefined when its percent-encoding is malformed. */
function decodeConnectionId(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export async function startConnectionsServer(opts: ConnectionsServerOptions): Promise<ConnectionsServer> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  const serve = signedEndpoint(
    (req, res) => {
      const match = CONNECTIONS_PATH.exec((req.url ?? '/').split('?')[0]!);
      if (!match || !isLoopback(req.socket.remoteAddress)) {
        req.resume();
        res
          .writeHead(match ? 403 : 404, { 'content-type': 'application/json' })
          .end('{"message":"Forbidden"}');
        return;
      }
      handleConnectionsRequest(req, res, decodeConnectionId(match[1]!), opts.connections, opts.limits)
        .then((status) => {
          if (status >= 300 && status !== 410) log(`${req.method} @connections ${status}`);
        })
        .catch(() => {
          if (!res.headersSent) res.writeHead(500).end();
        });
    },
    {
      credentials: opts.credentials,
      region: LOCAL_REGION,
      service: 'execute-api',
      errorStyle: 'rest-json',
      maxBodyBytes: 1024 * 1024,
    },
  );
  const server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
