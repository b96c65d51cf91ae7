import type { ConnectionRecord } from '../aws/connections-repo';
import { CachedLoader } from '../core/cached-loader';

/** How long a stream's listing is kept at most (when it gained no subscriber meanwhile). */
export const SUBSCRIBER_LISTING_MAX_AGE_MS = 30_000;
/**
 * A listing made this soon after the stream gained a subscriber is used for one batch only: the index it
 * reads (a GSI) is eventually consistent and may not show the newcomer yet.
 */
export const SUBSCRIBER_INDEX_SETTLE_MS = 2_000;

export interface SubscriberDirectoryPorts {
  connections: {
    /** The live subscribers of a stream (a GSI query). */
    listByStream(accountId: string, streamName: string): Promise<ConnectionRecord[]>;
    /** When the stream last gained a subscriber (one item read), if recently. */
    subscribersChangedAt(accountId: string, streamName: string): Promise<number | undefined>;
  };
  now?: () => number;
}

interface Listing {
  stream: string;
  subscribers: ConnectionRecord[];
  changedAt: number | undefined;
}

/**
 * A stream's WebSocket subscribers, cached across batches: each batch reads the stream's change mark (one
 * small item) and lists the subscribers (a paged index query, large for a stream with many subscribers)
 * only when the stream gained one since the cached listing, or after SUBSCRIBER_LISTING_MAX_AGE_MS. A
 * subscriber that left stays listed until a post finds it gone; then `forget` drops the listing.
 */
export class SubscriberDirectory {
  private readonly listings: CachedLoader<string, Listing>;

  constructor(private readonly ports: SubscriberDirectoryPorts) {
    this.listings = new CachedLoader({
      capacity: 10_000,
      now: ports.now,
      validUntil: (listing, loadedAt) =>
        listing.changedAt !== undefined && loadedAt < listing.changedAt + SUBSCRIBER_INDEX_SETTLE_MS
          ? loadedAt
          : loadedAt + SUBSCRIBER_LISTING_MAX_AGE_MS,
    });
  }

  async list(accountId: string, streamName: string): Promise<ConnectionRecord[]> {
    const stream = streamKey(accountId, streamName);
    const changedAt = await this.ports.connections.subscribersChangedAt(accountId, streamName);
    const listing = await this.listings.get(`${stream}\u0000${changedAt ?? ''}`, async () => ({
      stream,
      subscribers: await this.ports.connections.listByStream(accountId, streamName),
      changedAt,
    }));
    return listing.subscribers;
  }

  /** Drops the cached listings of a stream (a subscriber of it has gone or was revoked). */
  forget(accountId: string, streamName: string): void {
    const stream = streamKey(accountId, streamName);
    this.listings.deleteWhere((listing) => listing.stream === stream);
  }
}

function streamKey(accountId: string, streamName: string): string {
  return `${accountId}\u0000${streamName}`;
}
