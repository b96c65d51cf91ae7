import type { StreamEvent } from './event-fields';

/**
 * One stream's WebSocket egress, as the console reads it: a fresh read-only token per connection (in the
 * query string, since browsers cannot set headers on a WebSocket; the gateways never log query strings),
 * one JSON event per text frame, and reconnects with a growing pause until stopped.
 */

export type SubscriptionStatus = 'connecting' | 'live' | 'reconnecting' | 'stopped';

/** What the subscription needs of a WebSocket: its three events, and closing it. */
export interface SocketHandlers {
  onOpen: () => void;
  onMessage: (data: unknown) => void;
  onClose: () => void;
}

export interface SocketLike {
  close(code?: number): void;
}

export interface SubscriptionOptions {
  stream: string;
  /** A read-only token for the stream; a rejection stops the subscription when `isFatal` says so. */
  readToken: () => Promise<string>;
  /** The egress URL for a token. */
  urlOf: (token: string) => string;
  onEvent: (event: StreamEvent) => void;
  onStatus: (status: SubscriptionStatus, detail?: string) => void;
  openSocket: (url: string, handlers: SocketHandlers) => SocketLike;
  /** Errors of readToken that end the subscription (e.g. the session ended, the stream is gone). */
  isFatal?: (error: unknown) => boolean;
  setTimer?: (fn: () => void, ms: number) => () => void;
}

const RECONNECT_DELAYS_MS = [1000, 2000, 4000, 8000];

export interface Subscription {
  stop(): void;
}

/** The egress URL of the page's own origin: `/ws` next to the console on the local gateway and CloudFront. */
export function egressUrlOf(location: { protocol: string; host: string }, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`;
}

export function subscribe(opts: SubscriptionOptions): Subscription {
  const setTimer =
    opts.setTimer ??
    ((fn, ms) => {
      const id = setTimeout(fn, ms);
      return () => clearTimeout(id);
    });
  let stopped = false;
  let socket: SocketLike | undefined;
  let attempt = 0;
  let cancelRetry: () => void = () => undefined;

  const retry = (detail: string) => {
    if (stopped) return;
    opts.onStatus('reconnecting', detail);
    const delay = RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)]!;
    attempt++;
    cancelRetry = setTimer(connect, delay);
  };

  function connect(): void {
    if (stopped) return;
    opts.onStatus('connecting');
    opts.readToken().then(
      (token) => {
        if (stopped) return;
        const ws: SocketLike = opts.openSocket(opts.urlOf(token), {
          onOpen: () => {
            attempt = 0;
            opts.onStatus('live');
          },
          onMessage: (data) => {
            if (typeof data !== 'string') return;
            try {
              const event = JSON.parse(data);
              if (event && typeof event === 'object' && !Array.isArray(event)) opts.onEvent(event);
            } catch {
              // Not JSON: nothing to show.
            }
          },
          onClose: () => {
            if (socket === ws) socket = undefined;
            retry('connection closed');
          },
        });
        socket = ws;
      },
      (error: unknown) => {
        if (opts.isFatal?.(error)) {
          stopped = true;
          opts.onStatus('stopped', (error as Error)?.message);
          return;
        }
        retry((error as Error)?.message ?? 'no read token');
      },
    );
  }

  connect();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      cancelRetry();
      socket?.close(1000);
      socket = undefined;
      opts.onStatus('stopped');
    },
  };
}
