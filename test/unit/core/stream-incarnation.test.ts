import {
  INCARNATION_CLOCK_SLACK_MS,
  isOfIncarnation,
  mayPredateIncarnation,
} from '../../../lambdas/core/stream-incarnation';

const CREATED = '2025-01-01T00:00:00.000Z';
const CREATED_MS = Date.parse(CREATED);

describe('stream incarnations', () => {
  it('an event belongs to the incarnation its envelope names', () => {
    // Act / Assess
    expect(isOfIncarnation({ streamCreatedAt: CREATED }, CREATED)).toBe(true);
  });

  it('an event of another incarnation does not belong to this one', () => {
    // Act / Assess
    expect(isOfIncarnation({ streamCreatedAt: '2024-12-31T00:00:00.000Z' }, CREATED)).toBe(false);
  });

  it('an event from before incarnations were recorded belongs to the current one', () => {
    // Act / Assess
    expect(isOfIncarnation({}, CREATED)).toBe(true);
  });

  it('a record loaded before an incarnation was created (within the clock slack) may not know it', () => {
    // Act / Assess
    expect(mayPredateIncarnation(CREATED_MS - 60_000, { streamCreatedAt: CREATED })).toBe(true);
    expect(
      mayPredateIncarnation(CREATED_MS + INCARNATION_CLOCK_SLACK_MS - 1, { streamCreatedAt: CREATED }),
    ).toBe(true);
  });

  it('a record loaded well after an incarnation was created knows it', () => {
    // Act / Assess
    expect(mayPredateIncarnation(CREATED_MS + INCARNATION_CLOCK_SLACK_MS, { streamCreatedAt: CREATED })).toBe(
      false,
    );
  });

  it('an event without an incarnation never asks for a new read', () => {
    // Act / Assess
    expect(mayPredateIncarnation(0, {})).toBe(false);
  });
});
