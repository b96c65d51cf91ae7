import { ValidationError } from './errors';

/**
 * Reading JSON from request bytes strictly: the bytes must be valid UTF-8 (never silently replaced by
 * U+FFFD, which would change PII before it is encrypted) and nest at most `MAX_JSON_DEPTH` arrays and
 * objects deep (a deeply nested body costs stack and time in every step after the parse). Used for one
 * event, and for every line or element of a batch body.
 */
export const MAX_JSON_DEPTH = 64;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The text of UTF-8 bytes; ValidationError when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array, what = 'body'): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new ValidationError(`${what} is not valid UTF-8`);
  }
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The deepest nesting of arrays and objects in JSON text, counted without parsing (brackets inside
 * strings do not count). Stops counting once it passes `limit`.
 */
export function jsonNestingDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return deepest;
}

/** JSON text that does not parse (a ValidationError of its own, so a reader can word it its way). */
export class MalformedJsonError extends ValidationError {}

/** The ValidationError for a value nested deeper than `maxDepth` (text or parsed value alike). */
export function tooDeeplyNested(what: string, maxDepth: number): ValidationError {
  return new ValidationError(`${what} nests arrays and objects more than ${maxDepth} levels deep`);
}

/** Parses JSON text after checking its nesting; ValidationError naming `what` on either failure. */
export function parseJsonText(text: string, what = 'body', maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonNestingDepth(text, maxDepth) > maxDepth) throw tooDeeplyNested(`JSON ${what}`, maxDepth);
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedJsonError(`malformed JSON ${what}`);
  }
}

/** Strict UTF-8, bounded nesting, then JSON.parse: the one way ingest reads JSON bytes. */
export function parseJsonBytes(bytes: Uint8Array, what = 'body', maxDepth = MAX_JSON_DEPTH): unknown {
  return parseJsonText(decodeUtf8(bytes, what), what, maxDepth);
}

/** The nesting depth of a parsed value (iterative, so a deep value cannot overflow the stack). */
export function valueNestingDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > limit) return deepest;
    for (const inner of Object.values(current)) pending.push([inner, level]);
  }
  return deepest;
}
