import { checkTestRunPlan, testEvents } from '../../../console/src/live/test-events';
import { findBuiltinContract } from '../../../lambdas/core/contracts';
import { incomingEvent } from '../../../lambdas/core/event-crypto';
import { readStrmMeta } from '../../../lambdas/core/strm-meta';

const PLAN = { schema: 'clickstream', count: 8, sessions: 3, consentChoices: ['', '0', '0/1'] };

describe('test events', () => {
  it('take the consent choices in turn, so a short run has every one, "no consent" included', () => {
    // Act
    const events = testEvents(PLAN, 'run1');
    // Assess
    expect(events.map((e) => (e.event.strmMeta as { consentLevels: number[] }).consentLevels)).toEqual([
      [],
      [0],
      [0, 1],
      [],
      [0],
      [0, 1],
      [],
      [0],
    ]);
  });

  it('spread the events over the given number of sessions of this run', () => {
    // Act
    const sessions = new Set(testEvents(PLAN, 'run1').map((e) => e.event.producerSessionId));
    // Assess
    expect(sessions).toEqual(new Set(['run1-0', 'run1-1', 'run1-2']));
  });

  it.each(['clickstream', 'demo'])('%s events pass their contract as ingest checks it', (schema) => {
    // Act
    const events = testEvents({ ...PLAN, schema }, 'run1');
    // Assess
    for (const { event } of events) {
      const meta = readStrmMeta(event);
      expect(() => incomingEvent(event, meta, findBuiltinContract(meta.contractRef))).not.toThrow();
    }
  });

  it('refuse plans out of bounds with a message for the form', () => {
    // Act + Assess
    expect(() => checkTestRunPlan({ ...PLAN, count: 0 })).toThrow('Number of events must be 1 to 500');
    expect(() => checkTestRunPlan({ ...PLAN, sessions: 101 })).toThrow('Sessions must be 1 to 100');
    expect(() => checkTestRunPlan({ ...PLAN, consentChoices: [] })).toThrow('at least one');
  });
});
