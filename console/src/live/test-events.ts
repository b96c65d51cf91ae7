import { findSimSchema, parseConsentLevelChoices, seededRandom } from '../../../cli/simulator';

/**
 * The events of "send test events": the CLI simulator's event shapes (cli/simulator.ts), with the consent
 * choices taken in turn rather than at random, so that even a short run shows every choice — including
 * "no consent", which no derived stream may receive.
 */

export interface TestRunPlan {
  /** `clickstream` or `demo`, as `strm sim run-random --schema`. */
  schema: string;
  count: number;
  /** Distinct key-field values (sessions); each gets its own key link. */
  sessions: number;
  /** Items like `""`, `"0"`, `"0/1"` (the CLI's `--consent-levels`). */
  consentChoices: readonly string[];
}

export interface TestEvent {
  schemaRef: string;
  event: Record<string, unknown>;
}

export const DEFAULT_TEST_CONSENT_CHOICES = ['', '0', '0/1', '0/1/2'];

export const TEST_RUN_LIMITS = { maxCount: 500, maxSessions: 100 } as const;

/** Checks a plan; an Error with a message for the form on bad input. */
export function checkTestRunPlan(plan: TestRunPlan): void {
  if (!Number.isInteger(plan.count) || plan.count < 1 || plan.count > TEST_RUN_LIMITS.maxCount)
    throw new Error(`Number of events must be 1 to ${TEST_RUN_LIMITS.maxCount}`);
  if (!Number.isInteger(plan.sessions) || plan.sessions < 1 || plan.sessions > TEST_RUN_LIMITS.maxSessions)
    throw new Error(`Sessions must be 1 to ${TEST_RUN_LIMITS.maxSessions}`);
  if (plan.consentChoices.length === 0) throw new Error('Choose at least one set of consent levels');
}

/** The events of one run; `runId` keeps the sessions of different runs apart. */
export function testEvents(plan: TestRunPlan, runId: string): TestEvent[] {
  checkTestRunPlan(plan);
  const schema = findSimSchema(plan.schema);
  const choices = parseConsentLevelChoices(plan.consentChoices);
  const random = seededRandom(plan.count * 31 + plan.sessions);
  return Array.from({ length: plan.count }, (_, i) => ({
    schemaRef: schema.schemaRef,
    event: schema.build(`${runId}-${i % plan.sessions}`, [...choices[i % choices.length]!], random),
  }));
}

/**
 * How long a test run's temporary credential lives: the run (one event per `sendIntervalMs`) plus ten
 * minutes. The panel deletes it after the run; the expiry covers a tab closed mid-run, which cannot.
 */
export function temporaryCredentialSeconds(eventCount: number, sendIntervalMs: number): number {
  return Math.ceil((eventCount * sendIntervalMs) / 1000) + 600;
}
