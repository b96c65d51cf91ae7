import { ValidationError } from './errors';

/**
 * Consent rules of derived streams (strm-behaviour.md §1.3). E = the event's consent levels.
 * - CUMULATIVE, one level N (the default): included iff E is non-empty and max(E) ≥ N;
 *   a PII field is decrypted iff its level ≤ N.
 * - GRANULAR, set R: included iff R ⊆ E; a PII field is decrypted iff its level ∈ R.
 * An event with an empty consent list is never included (for GRANULAR because R is never empty).
 */
export type ConsentLevelType = 'CUMULATIVE' | 'GRANULAR';

export interface ConsentRule {
  type: ConsentLevelType;
  /** CUMULATIVE: exactly one level. GRANULAR: sorted, unique, non-empty. */
  levels: readonly number[];
}

const MAX_RULE_LEVELS = 50;
const MAX_LEVEL = 2_147_483_647;

/** Reads a consent type; `undefined`/`null` means CUMULATIVE. Case-insensitive. */
export function parseConsentLevelType(type: unknown): ConsentLevelType {
  if (type === undefined || type === null) return 'CUMULATIVE';
  if (typeof type === 'string') {
    const upper = type.toUpperCase();
    if (upper === 'CUMULATIVE' || upper === 'GRANULAR') return upper;
  }
  throw new ValidationError("consentLevelType must be 'CUMULATIVE' or 'GRANULAR'");
}

/**
 * Validates a derived stream's consent levels and type (default CUMULATIVE). CUMULATIVE takes exactly one
 * level; GRANULAR levels are de-duplicated and sorted. Throws ValidationError naming `consentLevels` or
 * `consentLevelType`.
 */
export function parseConsentRule(levels: unknown, type?: unknown): ConsentRule {
  const ruleType = parseConsentLevelType(type);
  if (!Array.isArray(levels) || levels.length === 0) {
    throw new ValidationError('consentLevels must be a non-empty array of non-negative integers');
  }
  if (levels.length > MAX_RULE_LEVELS) {
    throw new ValidationError(`consentLevels must have at most ${MAX_RULE_LEVELS} levels`);
  }
  for (const level of levels) {
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > MAX_LEVEL) {
      throw new ValidationError('consentLevels must be a non-empty array of non-negative integers');
    }
  }
  if (ruleType === 'CUMULATIVE') {
    if (levels.length !== 1) {
      throw new ValidationError(
        'consentLevels must contain exactly one level for consentLevelType CUMULATIVE',
      );
    }
    return { type: 'CUMULATIVE', levels: [levels[0] as number] };
  }
  return { type: 'GRANULAR', levels: [...new Set(levels as number[])].sort((a, b) => a - b) };
}

/** Whether an event with these consent levels belongs in a derived stream with this rule. */
export function isEventIncluded(rule: ConsentRule, eventLevels: readonly number[]): boolean {
  if (eventLevels.length === 0) return false;
  if (rule.type === 'CUMULATIVE') {
    const required = rule.levels[0];
    return eventLevels.some((level) => level >= required);
  }
  const granted = new Set(eventLevels);
  return rule.levels.every((level) => granted.has(level));
}

/** Whether a PII field of this consent level is decrypted in a derived stream with this rule. */
export function isLevelDecrypted(rule: ConsentRule, fieldLevel: number): boolean {
  if (rule.type === 'CUMULATIVE') return fieldLevel <= rule.levels[0];
  return rule.levels.includes(fieldLevel);
}

/** The default derived stream name: `<source>-<levels joined by ->` (`winston-0`, `demo-0-1`). */
export function defaultDerivedStreamName(source: string, rule: ConsentRule): string {
  return `${source}-${rule.levels.join('-')}`;
}
