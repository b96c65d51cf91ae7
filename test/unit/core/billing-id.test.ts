import { generateBillingId, isBillingId } from '../../../lambdas/core/billing-id';

describe('billing ids', () => {
  it('are a lower-case word and ten digits, like the original demo4678984730', () => {
    // Act
    const ids = Array.from({ length: 50 }, generateBillingId);
    // Assess
    for (const id of ids) expect(id).toMatch(/^[a-z]+[0-9]{10}$/);
    expect(new Set(ids).size).toBe(50);
  });

  it('recognises the shape, including the original seed value', () => {
    expect(isBillingId('demo4678984730')).toBe(true);
    expect(isBillingId('Demo4678984730')).toBe(false);
    expect(isBillingId('demo467898473')).toBe(false);
    expect(isBillingId(42)).toBe(false);
  });
});
