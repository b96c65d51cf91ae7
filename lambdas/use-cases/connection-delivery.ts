import type { Logger } from '@aws-lambda-powertools/logger';
import type { ConnectionRecord } from '../aws/connections-repo';
import type { Message } from '../core/delivery-lanes';
import { errorName } from '../core/errors';
import type { LogRateLimit } from '../core/log-rate-limit';

/**
 * A `GoneException` for a connection stored less than this long ago is API Gateway still running its
 * `$connect` (it refuses posts until `$connect` has returned, up to its 29 s integration timeout): the
 * record is kept, so the subscriber gets the next batches, instead of being deleted while it stays
 * connected and receives nothing until it reconnects.
 */
export const CONNECT_GRACE_MS = 30_000;
/** Attempts of a throttled post (LimitExceeded / 429), the first included. */
export const THROTTLED_POST_ATTEMPTS = 4;
/** First backoff of a throttled post; doubled per attempt, with full jitter. */
export const THROTTLED_POST_BACKOFF_MS = 50;

/** Counts of a fan-out batch that deliveries add to. */
export interface DeliveryCounts {
  /** Events delivered (one per event and subscriber, whatever the frame mode). */
  deliveries: number;
  /** PostToConnection calls that succeeded. */
  messages: number;
  /** Connections found gone (deleted, sent nothing more). */
  gone: number;
  /** Connections found gone while their `$connect` may still run (kept). */
  connecting: number;
  /** Events not delivered because a post failed (or, see fan-out, their subscribers could not be listed). */
  failedPosts: number;
  /** Posts retried after API Gateway throttled them. */
  throttled: number;
  /** Events not attempted because the invocation's time budget was spent. */
  outOfTime: number;
}

export interface DeliveryPorts {
  /** `gone`: the connection no longer exists; `throttled`: LimitExceeded / 429, worth a retry. */
  poster: { post(connectionId: string, frame: string): Promise<'ok' | 'gone' | 'throttled'> };
  connections: { delete(connectionId: string): Promise<void> };
  /** Drops a stream's cached subscriber listing once one of its subscribers is found gone. */
  subscribers: { forget(accountId: string, streamName: string): void };
  logger: Pick<Logger, 'warn' | 'error'>;
  warnings: LogRateLimit;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** No post starts after this moment (ms since epoch): the rest is counted `outOfTime`. */
  deadlineMs: number;
  counts: DeliveryCounts;
}

/** One connection's share of a batch, shared by its lanes: once it is gone (or has failed) they know. */
export class ConnectionDelivery {
  private stopped = false;
  private warned = false;

  constructor(
    readonly connection: ConnectionRecord,
    private readonly ports: DeliveryPorts,
  ) {}

  /** Posts one lane's messages in order; stops when the connection has gone or time is up. */
  async deliverLane(lane: readonly Message[]): Promise<void> {
    const { counts } = this.ports;
    for (const [position, message] of lane.entries()) {
      if (this.stopped) return;
      if (this.ports.now() >= this.ports.deadlineMs) {
        counts.outOfTime += lane.slice(position).reduce((sum, m) => sum + m.events, 0);
        return;
      }
      await this.post(message);
    }
  }

  private async post(message: Message): Promise<void> {
    const { counts } = this.ports;
    try {
      const outcome = await this.postRetryingThrottled(message.text);
      if (outcome === 'ok') {
        counts.deliveries += message.events;
        counts.messages++;
      } else if (outcome === 'gone') {
        await this.gone();
      } else {
        counts.failedPosts += message.events;
        this.warn('LimitExceededException');
      }
    } catch (error) {
      counts.failedPosts += message.events;
      this.warn(errorName(error));
    }
  }

  private async postRetryingThrottled(text: string): Promise<'ok' | 'gone' | 'throttled'> {
    const { connectionId } = this.connection;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.ports.poster.post(connectionId, text);
      if (outcome !== 'throttled' || attempt >= THROTTLED_POST_ATTEMPTS) return outcome;
      const delay = Math.random() * THROTTLED_POST_BACKOFF_MS * 2 ** (attempt - 1);
      if (this.ports.now() + delay >= this.ports.deadlineMs) return outcome;
      this.ports.counts.throttled++;
      await this.ports.sleep(delay);
    }
  }

  /** The first lane to find the connection gone deletes it (unless it is still connecting); all stop. */
  private async gone(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const { connectionId, connectedAt, accountId, streamName } = this.connection;
    if (this.ports.now() - connectedAt < CONNECT_GRACE_MS) {
      this.ports.counts.connecting++;
      return;
    }
    this.ports.counts.gone++;
    this.ports.subscribers.forget(accountId, streamName);
    try {
      await this.ports.connections.delete(connectionId);
    } catch (error) {
      this.ports.logger.error('gone connection could not be deleted', { errorName: errorName(error) });
    }
  }

  /** A failed post, logged by error name once per connection and batch, and no more than `warnings` allows. */
  private warn(name: string): void {
    if (this.warned) return;
    this.warned = true;
    const slot = this.ports.warnings.take();
    if (!slot.allowed) return;
    const attributes = { connectionId: this.connection.connectionId, errorName: name };
    this.ports.logger.warn(
      'post to connection failed',
      slot.suppressed > 0 ? { ...attributes, suppressed: slot.suppressed } : attributes,
    );
  }
}
