/**
 * The export state of one exporter on one shard of its internal event stream, and the pure rules that
 * move it. Every change is a new version written only if the stored version is still the one it was
 * computed from (optimistic locking), so concurrent writers (the stream consumer, the scheduled tick, a
 * retry of either) can never both win.
 *
 * - `position`: every record of the shard up to this sequence number has been dealt with for this exporter
 *   (its lines are in a staged part of `buffer`, in a written file, or it was not the exporter's).
 * - `phase`: `backfill` while the scheduled tick reads the shard itself (events before the exporter was known
 *   everywhere, or all retained events); `live` once the stream consumer takes over.
 * - `liveSeen`: during backfill, the highest sequence number the stream consumer saw and left to the tick;
 *   the switch to `live` waits until `position` has reached it.
 * - `buffer`: the staged parts of the next file, opened at `openedAt`; `sealed` once it is being written.
 */

export type ExportPhase = 'backfill' | 'live';

export interface StagedPart {
  key: string;
  lines: number;
  bytes: number;
}

export interface ExportBuffer {
  /** ms since the epoch, whole seconds: the file's name. */
  openedAt: number;
  parts: StagedPart[];
  lines: number;
  bytes: number;
  sealed: boolean;
}

export interface ShardExportState {
  exporterId: string;
  accountId: string;
  exporterName: string;
  shardId: string;
  /** Seconds a buffer stays open (the exporter's interval). */
  interval: number;
  phase: ExportPhase;
  position?: string;
  liveSeen?: string;
  buffer?: ExportBuffer;
  /** openedAt of the last file written: the next one opens at least a second later (unique names). */
  lastFileAt?: number;
  version: number;
}

/** A file is written early once its buffer holds this much (like Firehose's buffer size). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** …or this many staged parts (keeps the state item far below DynamoDB's 400 KB). */
export const MAX_PARTS_PER_FILE = 500;

/** Kinesis sequence numbers are decimal strings longer than a double holds. */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Whether `sequence` lies after `position` (everything does when there is no position yet). */
export function isAfter(sequence: string, position: string | undefined): boolean {
  return position === undefined || compareSequenceNumbers(sequence, position) > 0;
}

/** The later of two optional sequence numbers. */
export function laterSequence(a: string | undefined, b: string): string {
  return a === undefined || compareSequenceNumbers(b, a) > 0 ? b : a;
}

/** A fresh state: every shard starts in backfill, so nothing between creation and the switch is missed. */
export function initialShardState(
  fields: Omit<ShardExportState, 'phase' | 'version'>,
  phase: ExportPhase = 'backfill',
): ShardExportState {
  return { ...fields, phase, version: 0 };
}

/** Whether the buffer's file must be written now: sealed, its interval over, or full. */
export function isBufferDue(state: ShardExportState, nowMs: number): boolean {
  const buffer = state.buffer;
  if (!buffer) return false;
  return (
    buffer.sealed ||
    nowMs >= buffer.openedAt + state.interval * 1000 ||
    buffer.bytes >= MAX_FILE_BYTES ||
    buffer.parts.length >= MAX_PARTS_PER_FILE
  );
}

/** When the scheduled tick must look at this state (undefined: only when events arrive). */
export function dueAtOf(state: ShardExportState): number | undefined {
  if (state.phase === 'backfill' || state.buffer?.sealed) return 0;
  return state.buffer ? state.buffer.openedAt + state.interval * 1000 : undefined;
}

/** The next version with one more staged part; a new buffer opens now (whole seconds, after the last file). */
export function withPart(
  state: ShardExportState,
  part: StagedPart,
  position: string,
  nowMs: number,
): ShardExportState {
  const buffer = state.buffer ?? {
    openedAt: Math.max(Math.floor(nowMs / 1000) * 1000, (state.lastFileAt ?? 0) + 1000),
    parts: [],
    lines: 0,
    bytes: 0,
    sealed: false,
  };
  return {
    ...state,
    position,
    buffer: {
      ...buffer,
      parts: [...buffer.parts, part],
      lines: buffer.lines + part.lines,
      bytes: buffer.bytes + part.bytes,
    },
    version: state.version + 1,
  };
}

/** The next version with the position moved on and nothing staged (no lines for the exporter). */
export function withPosition(state: ShardExportState, position: string): ShardExportState {
  return { ...state, position, version: state.version + 1 };
}

/** The next version with the buffer sealed: nothing is added to it any more. */
export function sealed(state: ShardExportState): ShardExportState {
  if (!state.buffer) throw new Error('no buffer to seal');
  return { ...state, buffer: { ...state.buffer, sealed: true }, version: state.version + 1 };
}

/** The next version once the sealed buffer's file is written. */
export function afterFileWritten(state: ShardExportState): ShardExportState {
  if (!state.buffer?.sealed) throw new Error('only a sealed buffer is written');
  const { buffer, ...rest } = state;
  return { ...rest, lastFileAt: buffer.openedAt, version: state.version + 1 };
}

/** During backfill: the next version remembering that the stream consumer saw records up to `sequence`. */
export function withLiveSeen(state: ShardExportState, sequence: string): ShardExportState {
  return { ...state, liveSeen: laterSequence(state.liveSeen, sequence), version: state.version + 1 };
}

/** Whether backfill may hand over: it has caught up with the shard and with what the consumer left to it. */
export function canGoLive(state: ShardExportState): boolean {
  return (
    state.liveSeen === undefined || (state.position !== undefined && !isAfter(state.liveSeen, state.position))
  );
}

export function wentLive(state: ShardExportState): ShardExportState {
  const { liveSeen: _, ...rest } = state;
  return { ...rest, phase: 'live', version: state.version + 1 };
}
