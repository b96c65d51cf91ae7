import { type ConsentRule, isEventIncluded, parseConsentRule } from '../../../lambdas/core/consent';

/**
 * Why a derived stream leaves an event out, in words, from the same consent rules the decrypter applies
 * (lambdas/core/consent.ts): the console explains, it never decides differently.
 */

/** The consent rule of a stream record, or undefined for a source stream (or a rule that does not parse). */
export function consentRuleOf(stream: {
  linkedStream?: string;
  consentLevels?: unknown;
  consentLevelType?: unknown;
}): ConsentRule | undefined {
  if (stream.linkedStream === undefined) return undefined;
  try {
    return parseConsentRule(stream.consentLevels, stream.consentLevelType);
  } catch {
    return undefined;
  }
}

/** `CUMULATIVE ≥ 1` or `GRANULAR {1, 3}`. */
export function describeRule(rule: ConsentRule): string {
  return rule.type === 'CUMULATIVE'
    ? `CUMULATIVE ≥ ${rule.levels[0]}`
    : `GRANULAR {${rule.levels.join(', ')}}`;
}

const levelsText = (levels: readonly number[]) => `[${levels.join(', ')}]`;

/** Undefined when the rule includes an event with these consent levels; otherwise the reason it does not. */
export function exclusionReason(rule: ConsentRule, eventLevels: readonly number[]): string | undefined {
  if (isEventIncluded(rule, eventLevels)) return undefined;
  if (eventLevels.length === 0) return `no consent given: consentLevels [] (needs ${describeRule(rule)})`;
  if (rule.type === 'CUMULATIVE') {
    const highest = Math.max(...eventLevels);
    return `highest consent level ${highest} < ${rule.levels[0]}: consentLevels ${levelsText(eventLevels)}`;
  }
  const granted = new Set(eventLevels);
  const missing = rule.levels.filter((level) => !granted.has(level));
  return `consent for ${missing.join(', ')} missing: consentLevels ${levelsText(eventLevels)} (needs ${describeRule(rule)})`;
}
