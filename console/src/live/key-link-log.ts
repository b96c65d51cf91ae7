import { type ContractFields, cellView, type LiveColumn } from './cell-view';
import type { LiveRow } from './live-table';

/**
 * The key links the console has seen in this session, for the usage page: which events used each one and,
 * where a derived stream shows the key field in clear, whose session (key-field value) it belongs to.
 */
export interface SeenKeyLink {
  keyLinkId: string;
  source: string;
  firstSeenMs: number;
  lastSeenMs: number;
  events: number;
  /** Key-field values seen in clear for this key link (one, unless the contract has a data subject). */
  sessions: string[];
}

export class KeyLinkLog {
  private readonly links = new Map<string, SeenKeyLink>();
  private readonly counted = new Set<string>();

  /** Records a row of the live view (idempotent per row; later copies may add the session in clear). */
  record(
    source: string,
    row: LiveRow,
    columns: readonly LiveColumn[],
    contract: ContractFields | undefined,
    nowMs: number,
  ): void {
    let link = this.links.get(row.meta.keyLink);
    if (!link) {
      link = {
        keyLinkId: row.meta.keyLink,
        source,
        firstSeenMs: nowMs,
        lastSeenMs: nowMs,
        events: 0,
        sessions: [],
      };
      this.links.set(link.keyLinkId, link);
    }
    link.lastSeenMs = nowMs;
    if (!this.counted.has(row.key)) {
      this.counted.add(row.key);
      link.events++;
    }
    if (!contract) return;
    for (const column of columns) {
      const cell = cellView(row, column, source, contract, nowMs);
      if (cell.status !== 'received') continue;
      const key = cell.fields.find((f) => f.path === contract.keyField && f.state === 'clear');
      if (key && !link.sessions.includes(key.value)) link.sessions.push(key.value);
    }
  }

  forget(keyLinkId: string): void {
    this.links.delete(keyLinkId);
  }

  /** Most recently seen first. */
  list(): SeenKeyLink[] {
    return [...this.links.values()].sort((a, b) => b.lastSeenMs - a.lastSeenMs);
  }
}
