import { type EventMeta, eventMetaOf, rowKeyOf, type StreamEvent } from './event-fields';

/**
 * The rows of the live view: one per event, across the source stream and its derived streams, matched
 * by `keyLink` + `nonce` (which a derived event keeps unchanged). Newest first, at most `maxRows` kept;
 * pure state, so the view and the unit tests read the same thing.
 */

export interface LiveRow {
  key: string;
  meta: EventMeta;
  /** When the console first saw any stream's copy of the event (ms). */
  firstSeenMs: number;
  /** The event as each stream delivered it, by stream name. */
  events: ReadonlyMap<string, StreamEvent>;
}

export interface LiveTableOptions {
  maxRows: number;
}

export class LiveTable {
  private readonly byKey = new Map<string, { row: LiveRow; events: Map<string, StreamEvent> }>();
  private order: string[] = [];
  /** Events without the keyLink and nonce that would match them to a row. */
  unmatched = 0;
  /** Rows removed to keep at most maxRows. */
  dropped = 0;

  constructor(private readonly options: LiveTableOptions) {
    if (!Number.isInteger(options.maxRows) || options.maxRows < 1) throw new Error('maxRows must be ≥ 1');
  }

  get maxRows(): number {
    return this.options.maxRows;
  }

  /** Adds one stream's copy of an event; the row it landed in, or undefined when it cannot be matched. */
  add(stream: string, event: StreamEvent, nowMs: number): LiveRow | undefined {
    const meta = eventMetaOf(event);
    if (!meta) {
      this.unmatched++;
      return undefined;
    }
    const key = rowKeyOf(meta);
    let entry = this.byKey.get(key);
    if (!entry) {
      const events = new Map<string, StreamEvent>();
      entry = { row: { key, meta, firstSeenMs: nowMs, events }, events };
      this.byKey.set(key, entry);
      this.order.unshift(key);
      this.trim();
    }
    entry.events.set(stream, event);
    return entry.row;
  }

  /** Newest first. */
  rows(): LiveRow[] {
    return this.order.map((key) => this.byKey.get(key)!.row);
  }

  clear(): void {
    this.byKey.clear();
    this.order = [];
    this.unmatched = 0;
    this.dropped = 0;
  }

  /** Keeps at most maxRows: a later copy of a dropped event starts a new row. */
  setMaxRows(maxRows: number): void {
    if (!Number.isInteger(maxRows) || maxRows < 1) throw new Error('maxRows must be ≥ 1');
    this.options.maxRows = maxRows;
    this.trim();
  }

  private trim(): void {
    while (this.order.length > this.options.maxRows) {
      const oldest = this.order.pop()!;
      this.byKey.delete(oldest);
      this.dropped++;
    }
  }
}
