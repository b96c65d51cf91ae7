import type { ConnectionPoster, PostOutcome } from '../../../lambdas/aws/connection-poster';

type ConnectionPosterSurface = Pick<ConnectionPoster, 'post' | 'disconnect'>;

/**
 * In-memory stand-in for the `@connections` endpoint: records the frames each connection received, in
 * order. A connection in `gone` answers `gone` (API Gateway's 410) and receives nothing; one in `failing`
 * makes the post throw, as an unavailable endpoint would; one in `throttle` answers `throttled`
 * (LimitExceeded) as often as it says. A disconnected connection is gone. Posts yield to the event loop
 * (or take `latencyMs`), so concurrent deliveries really interleave.
 */
export class RecordingConnectionPoster implements ConnectionPosterSurface {
  readonly frames = new Map<string, string[]>();
  /** Every post, in the order the poster received them. */
  readonly posts: { connectionId: string; frame: string }[] = [];
  readonly gone = new Set<string>();
  readonly failing = new Set<string>();
  /** Per connection, how many more posts API Gateway throttles (LimitExceeded) before taking them. */
  readonly throttle = new Map<string, number>();
  /** How long each post takes (ms; default: one turn of the event loop), so that concurrent posts finish out of order. */
  latencyMs: (connectionId: string, frame: string) => number = () => 0;
  /** The most posts that were in flight at the same time. */
  maxInFlight = 0;
  private inFlight = 0;

  async post(connectionId: string, frame: string): Promise<PostOutcome> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const latency = this.latencyMs(connectionId, frame);
    await new Promise((resolve) => (latency > 0 ? setTimeout(resolve, latency) : setImmediate(resolve)));
    this.inFlight--;
    this.posts.push({ connectionId, frame });
    if (this.gone.has(connectionId)) return 'gone';
    if (this.failing.has(connectionId)) throw new Error('post failed');
    const throttled = this.throttle.get(connectionId) ?? 0;
    if (throttled > 0) {
      this.throttle.set(connectionId, throttled - 1);
      return 'throttled';
    }
    const received = this.frames.get(connectionId) ?? [];
    received.push(frame);
    this.frames.set(connectionId, received);
    return 'ok';
  }

  /** Connections closed through `disconnect` (DeleteConnection), in order. */
  readonly disconnected: string[] = [];

  async disconnect(connectionId: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.disconnected.push(connectionId);
    this.gone.add(connectionId);
  }

  /** The frames a connection received, parsed as JSON. */
  eventsOf(connectionId: string): unknown[] {
    return (this.frames.get(connectionId) ?? []).map((frame) => JSON.parse(frame));
  }

  /** The events a connection received, whatever its frame mode: the elements of array frames in turn. */
  deliveredEventsOf(connectionId: string): unknown[] {
    return this.eventsOf(connectionId).flatMap((frame) => (Array.isArray(frame) ? frame : [frame]));
  }
}
