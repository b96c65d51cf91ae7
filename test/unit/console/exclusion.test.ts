import fc from 'fast-check';
import { consentRuleOf, describeRule, exclusionReason } from '../../../console/src/live/exclusion';
import { isEventIncluded, parseConsentRule } from '../../../lambdas/core/consent';

describe('exclusion reasons', () => {
  it('explain CUMULATIVE exclusions by the highest level', () => {
    // Act + Assess
    expect(exclusionReason(parseConsentRule([2]), [0, 1])).toBe(
      'highest consent level 1 < 2: consentLevels [0, 1]',
    );
  });

  it('explain GRANULAR exclusions by the missing levels', () => {
    // Act + Assess
    expect(exclusionReason(parseConsentRule([1, 3], 'GRANULAR'), [1, 2])).toBe(
      'consent for 3 missing: consentLevels [1, 2] (needs GRANULAR {1, 3})',
    );
  });

  it('explain an empty consent list for either type', () => {
    // Act + Assess
    expect(exclusionReason(parseConsentRule([0]), [])).toBe(
      'no consent given: consentLevels [] (needs CUMULATIVE ≥ 0)',
    );
    expect(exclusionReason(parseConsentRule([0], 'GRANULAR'), [])).toBe(
      'no consent given: consentLevels [] (needs GRANULAR {0})',
    );
  });

  it('give a reason exactly when the pipeline consent rule excludes the event', () => {
    // Prepare
    const rules = fc.oneof(
      fc.nat(5).map((n) => parseConsentRule([n])),
      fc.uniqueArray(fc.nat(5), { minLength: 1, maxLength: 4 }).map((l) => parseConsentRule(l, 'GRANULAR')),
    );
    // Act + Assess
    fc.assert(
      fc.property(rules, fc.array(fc.nat(6), { maxLength: 5 }), (rule, levels) => {
        expect(exclusionReason(rule, levels) === undefined).toBe(isEventIncluded(rule, levels));
      }),
    );
  });

  it('read the rule of a derived stream record, and none of a source stream', () => {
    // Act + Assess
    expect(consentRuleOf({ linkedStream: 'w', consentLevels: [1, 0], consentLevelType: 'GRANULAR' })).toEqual(
      {
        type: 'GRANULAR',
        levels: [0, 1],
      },
    );
    expect(consentRuleOf({ consentLevels: [1] })).toBeUndefined();
    expect(consentRuleOf({ linkedStream: 'w', consentLevels: 'bad' })).toBeUndefined();
    expect(describeRule(parseConsentRule([1]))).toBe('CUMULATIVE ≥ 1');
  });
});
