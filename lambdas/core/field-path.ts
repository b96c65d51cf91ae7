import { ValidationError } from './errors';

/**
 * Field paths name a (possibly nested) field of an event with `/` between the levels, as in the
 * original contracts: `customer/id` is `event.customer.id`. Paths only walk through JSON objects
 * (never into arrays), and a few segment names are refused so a user-supplied path can never reach
 * an object's prototype.
 */
export type FieldPath = readonly string[];

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);
const MAX_PATH_LENGTH = 1000;

/** Splits and checks a `/`-separated path; `what` names the offending input in the error message. */
export function parseFieldPath(path: unknown, what: string): FieldPath {
  if (typeof path !== 'string' || path.length === 0) {
    throw new ValidationError(`${what} must be a non-empty field path`);
  }
  if (path.length > MAX_PATH_LENGTH) {
    throw new ValidationError(`${what} is longer than ${MAX_PATH_LENGTH} characters`);
  }
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment.length === 0) {
      throw new ValidationError(`${what} '${path}' has an empty segment (use 'a/b' for nested fields)`);
    }
    if (FORBIDDEN_SEGMENTS.has(segment)) {
      throw new ValidationError(`${what} '${path}' uses the reserved name '${segment}'`);
    }
  }
  return segments;
}

/** True when the first segment of a path is `strmMeta` (the gateway's metadata record). */
export function touchesStrmMeta(path: FieldPath): boolean {
  return path[0] === 'strmMeta';
}

/** A plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a path, or `undefined` when any level is missing or not an object. */
export function getField(root: Record<string, unknown>, path: FieldPath): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (!isJsonObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/**
 * Replaces the value at a path that already exists; returns false (and changes nothing) when the
 * field or one of its parents is absent, so encrypting or masking never invents fields.
 */
export function replaceField(root: Record<string, unknown>, path: FieldPath, value: unknown): boolean {
  let parent: unknown = root;
  for (const segment of path.slice(0, -1)) {
    if (!isJsonObject(parent) || !Object.hasOwn(parent, segment)) return false;
    parent = parent[segment];
  }
  const last = path[path.length - 1];
  if (!isJsonObject(parent) || !Object.hasOwn(parent, last)) return false;
  parent[last] = value;
  return true;
}

/** The path written back with `/`, for messages. */
export function formatFieldPath(path: FieldPath): string {
  return path.join('/');
}
