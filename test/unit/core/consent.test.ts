import fc from 'fast-check';
import {
  type ConsentRule,
  defaultDerivedStreamName,
  isEventIncluded,
  isLevelDecrypted,
  parseConsentRule,
} from '../../../lambdas/core/consent';
import { findBuiltinContract } from '../../../lambdas/core/contracts';
import { ValidationError } from '../../../lambdas/core/errors';

const cumulative = (level: number): ConsentRule => parseConsentRule([level], 'CUMULATIVE');
const granular = (...levels: number[]): ConsentRule => parseConsentRule(levels, 'GRANULAR');

describe('parseConsentRule', () => {
  it('defaults to CUMULATIVE', () => {
    expect(parseConsentRule([2])).toEqual({ type: 'CUMULATIVE', levels: [2] });
  });

  it('accepts the type in any case', () => {
    expect(parseConsentRule([1, 0], 'granular').type).toBe('GRANULAR');
  });

  it('de-duplicates and sorts GRANULAR levels', () => {
    expect(parseConsentRule([3, 1, 3], 'GRANULAR')).toEqual({ type: 'GRANULAR', levels: [1, 3] });
  });

  it('rejects CUMULATIVE with more than one level', () => {
    expect(() => parseConsentRule([0, 1], 'CUMULATIVE')).toThrow(/exactly one level/);
  });

  it.each([[[]], [undefined], ['1'], [[-1]], [[0.5]], [['0']]])(
    'rejects the levels %j naming consentLevels',
    (levels) => {
      expect(() => parseConsentRule(levels, 'GRANULAR')).toThrow(ValidationError);
      expect(() => parseConsentRule(levels, 'GRANULAR')).toThrow(/consentLevels/);
    },
  );

  it('rejects an unknown type naming consentLevelType', () => {
    expect(() => parseConsentRule([0], 'SOMETIMES')).toThrow(/consentLevelType/);
  });
});

describe('default derived stream names', () => {
  it('join the source name and the levels with dashes', () => {
    expect(defaultDerivedStreamName('winston', cumulative(0))).toBe('winston-0');
    expect(defaultDerivedStreamName('demo', granular(1, 0))).toBe('demo-0-1');
  });
});

describe('CUMULATIVE consent', () => {
  it('includes an event whose highest level reaches the stream level', () => {
    expect(isEventIncluded(cumulative(2), [3])).toBe(true);
  });

  it('excludes an event whose levels are all below the stream level', () => {
    expect(isEventIncluded(cumulative(2), [0, 1])).toBe(false);
  });

  it('never includes an event with no consent, even at level 0', () => {
    expect(isEventIncluded(cumulative(0), [])).toBe(false);
  });

  it('decrypts every level from 0 up to and including the stream level', () => {
    expect([0, 1, 2, 3].map((level) => isLevelDecrypted(cumulative(2), level))).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});

describe('GRANULAR consent', () => {
  it('includes an event that has every requested level', () => {
    expect(isEventIncluded(granular(1, 3), [0, 1, 2, 3])).toBe(true);
  });

  it('excludes an event that lacks one requested level', () => {
    expect(isEventIncluded(granular(1, 3), [1, 2])).toBe(false);
  });

  it('decrypts exactly the requested levels, leaving gaps encrypted', () => {
    expect([0, 1, 2, 3, 4].map((level) => isLevelDecrypted(granular(1, 4), level))).toEqual([
      false,
      true,
      false,
      false,
      true,
    ]);
  });
});

describe('worked example (strm-behaviour.md §1.3) with the example contract', () => {
  const example = findBuiltinContract('streammachine/example/1.3.0')!;
  const events: Record<string, number[]> = {
    A: [],
    B: [0],
    C: [0, 1],
    D: [0, 1, 2],
    E: [0, 1, 2, 3],
    F: [2],
    G: [1, 3],
  };
  const decryptedFields = (rule: ConsentRule) =>
    Object.entries(example.piiFields)
      .filter(([, level]) => isLevelDecrypted(rule, level))
      .map(([field]) => field)
      .sort();

  describe.each([
    ['CUMULATIVE [2] (by-hand-2)', cumulative(2), 'DEFG', ['consistentValue', 'uniqueIdentifier']],
    ['CUMULATIVE [1] (demo-1)', cumulative(1), 'CDEFG', ['uniqueIdentifier']],
    ['GRANULAR [0,1] (demo-0-1)', granular(0, 1), 'CDE', ['uniqueIdentifier']],
    ['GRANULAR [1,3]', granular(1, 3), 'EG', ['someSensitiveValue', 'uniqueIdentifier']],
    ['GRANULAR [2]', granular(2), 'DEF', ['consistentValue']],
  ])('%s', (_name, rule, included, decrypted) => {
    it.each(Object.keys(events))(`event %s is included iff it is one of ${included}`, (name) => {
      expect(isEventIncluded(rule, events[name])).toBe(included.includes(name));
    });

    it(`decrypts ${decrypted.join(', ')} and nothing else`, () => {
      expect(decryptedFields(rule)).toEqual(decrypted);
    });
  });
});

describe('consent laws (property-based)', () => {
  const level = fc.integer({ min: 0, max: 8 });
  const eventLevels = fc.array(level, { maxLength: 8 });
  const granularRule = fc
    .uniqueArray(level, { minLength: 1, maxLength: 5 })
    .map((levels) => granular(...levels));
  const cumulativeRule = level.map(cumulative);
  const anyRule = fc.oneof(granularRule, cumulativeRule);

  it('GRANULAR: an included event has every requested level', () => {
    fc.assert(
      // Half the generated events contain the requested set, so plenty of them are included.
      fc.property(granularRule, eventLevels, fc.boolean(), (rule, extra, superset) => {
        const levels = superset ? [...extra, ...rule.levels] : extra;
        fc.pre(isEventIncluded(rule, levels));
        expect(rule.levels.every((requested) => levels.includes(requested))).toBe(true);
      }),
    );
  });

  it('GRANULAR: a field is decrypted iff its level is requested', () => {
    fc.assert(
      fc.property(granularRule, level, (rule, fieldLevel) => {
        expect(isLevelDecrypted(rule, fieldLevel)).toBe(rule.levels.includes(fieldLevel));
      }),
    );
  });

  it('CUMULATIVE N never decrypts a level above N', () => {
    fc.assert(
      fc.property(level, level, (n, fieldLevel) => {
        fc.pre(fieldLevel > n);
        expect(isLevelDecrypted(cumulative(n), fieldLevel)).toBe(false);
      }),
    );
  });

  it('an empty consent list is never included', () => {
    fc.assert(fc.property(anyRule, (rule) => expect(isEventIncluded(rule, [])).toBe(false)));
  });

  it('CUMULATIVE N includes an event iff some level is at least N', () => {
    fc.assert(
      fc.property(level, eventLevels, (n, levels) => {
        expect(isEventIncluded(cumulative(n), levels)).toBe(levels.some((e) => e >= n));
      }),
    );
  });

  it('CUMULATIVE [N] and GRANULAR [0..N] agree on prefix-closed consent lists', () => {
    const prefixClosed = fc
      .integer({ min: -1, max: 8 })
      .map((top) => Array.from({ length: top + 1 }, (_, i) => i));
    fc.assert(
      fc.property(level, prefixClosed, fc.integer({ min: 0, max: 10 }), (n, levels, fieldLevel) => {
        const upToN = granular(...Array.from({ length: n + 1 }, (_, i) => i));
        expect(isEventIncluded(cumulative(n), levels)).toBe(isEventIncluded(upToN, levels));
        expect(isLevelDecrypted(cumulative(n), fieldLevel)).toBe(isLevelDecrypted(upToN, fieldLevel));
      }),
    );
  });

  it('duplicates and order in the event list do not change the decision', () => {
    fc.assert(
      fc.property(anyRule, eventLevels, (rule, levels) => {
        const shuffled = [...levels, ...levels].reverse();
        expect(isEventIncluded(rule, shuffled)).toBe(isEventIncluded(rule, levels));
      }),
    );
  });
});
