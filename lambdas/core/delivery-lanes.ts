/**
 * How one subscriber's events of a batch become WebSocket messages, and which of them may be posted at the
 * same time. Only events of one key link have an order to keep (Kinesis orders a stream per partition
 * key, which is the key link); so a connection's events are split into lanes, each key link wholly in one
 * lane: a lane's messages go one after another, lanes go at once. One-event frames (the default, which the
 * original drivers read) are one message per event; batched frames (`?batch=true`) are JSON arrays of
 * events, packed to API Gateway's 32 KB frame — the unit WebSocket messages are billed in — and at most
 * 128 KB (its message limit) for an event that is larger on its own.
 */

/** API Gateway's WebSocket frame size, and the 32 KB unit messages are metered in. */
export const MAX_FRAME_BYTES = 32 * 1024;
/** API Gateway's WebSocket message limit (PostToConnection refuses larger data). */
export const MAX_MESSAGE_BYTES = 128 * 1024;
/** Posts to one connection in flight at once, at most. */
export const MAX_LANES_PER_CONNECTION = 8;
/** Batched lanes are planned this full, so that a little imbalance between lanes does not spill a frame. */
const BATCH_FILL = 0.85;

/** One event to deliver: its JSON text and UTF-8 size, and the key it must stay in order with (its key link). */
export interface OutgoingEvent {
  text: string;
  bytes: number;
  orderKey: string;
}

/** One PostToConnection: its text and how many events it carries. */
export interface Message {
  text: string;
  events: number;
}

/** The lanes of one connection: each lane's messages in the order they must be posted. */
export function planDelivery(
  events: readonly OutgoingEvent[],
  batched: boolean,
  maxLanes = MAX_LANES_PER_CONNECTION,
): Message[][] {
  if (events.length === 0) return [];
  const groups = groupByOrderKey(events);
  const weight = (index: number) => (batched ? events[index]!.bytes + 1 : 1);
  const total = events.reduce((sum, _, index) => sum + weight(index), 0);
  const wanted = batched ? Math.ceil(total / (MAX_FRAME_BYTES * BATCH_FILL)) : groups.length;
  const laneCount = Math.max(1, Math.min(maxLanes, groups.length, wanted));
  const lanes: number[][] = Array.from({ length: laneCount }, () => []);
  const loads = new Array<number>(laneCount).fill(0);
  for (const group of groups) {
    // The least loaded lane (the first of equals): lanes end up about equally long.
    const lane = loads.indexOf(Math.min(...loads));
    lanes[lane]!.push(...group);
    loads[lane]! += group.reduce((sum, index) => sum + weight(index), 0);
  }
  return lanes.map((indices) => {
    // Record order within a lane; each key link's events were already in order.
    const ordered = indices.sort((a, b) => a - b).map((index) => events[index]!);
    return batched ? packMessages(ordered) : ordered.map((event) => ({ text: event.text, events: 1 }));
  });
}

/** Indices of the events per order key, keys in order of first appearance, indices ascending. */
function groupByOrderKey(events: readonly OutgoingEvent[]): number[][] {
  const groups = new Map<string, number[]>();
  events.forEach((event, index) => {
    const group = groups.get(event.orderKey);
    if (group) group.push(index);
    else groups.set(event.orderKey, [index]);
  });
  return [...groups.values()];
}

/**
 * Events in order as JSON-array messages of at most MAX_FRAME_BYTES; an event too large for that alone is
 * a message of its own (PostToConnection refuses it when it is over MAX_MESSAGE_BYTES).
 */
export function packMessages(events: readonly OutgoingEvent[]): Message[] {
  const messages: Message[] = [];
  let texts: string[] = [];
  let bytes = 2;
  const flush = () => {
    if (texts.length === 0) return;
    messages.push({ text: `[${texts.join(',')}]`, events: texts.length });
    texts = [];
    bytes = 2;
  };
  for (const event of events) {
    const added = event.bytes + (texts.length > 0 ? 1 : 0);
    if (texts.length > 0 && bytes + added > MAX_FRAME_BYTES) flush();
    texts.push(event.text);
    bytes += event.bytes + (texts.length > 1 ? 1 : 0);
  }
  flush();
  return messages;
}
