import {
  displayPath,
  eventMetaOf,
  looksLikeCiphertext,
  rowKeyOf,
} from '../../../console/src/live/event-fields';
import { generateTinkAesSivKey, TinkDeterministicAead } from '../../../lambdas/core/tink-daead';

describe('event fields', () => {
  it('recognise a real Tink AES-SIV ciphertext, and not clear values', () => {
    // Prepare
    const ciphertext = new TinkDeterministicAead(generateTinkAesSivKey()).encryptString('customer-1');
    // Act + Assess
    expect(looksLikeCiphertext(ciphertext)).toBe(true);
    for (const clear of [
      'customer-1',
      'session-42',
      'QUJD',
      '',
      42,
      undefined,
      'not base64 at all!!!!!!!!!!!!',
    ])
      expect(looksLikeCiphertext(clear)).toBe(false);
  });

  it('read keyLink, nonce, consent and the contract (legacy clickstream id too) from strmMeta', () => {
    // Act
    const meta = eventMetaOf({
      strmMeta: { keyLink: 'k', nonce: -5, consentLevels: [0, 'x', 2], schemaId: 'clickstream' },
    });
    // Assess
    expect(meta).toEqual({
      keyLink: 'k',
      nonce: -5,
      timestamp: undefined,
      consentLevels: [0, 2],
      contractRef: 'streammachine/clickstream/1.0.0',
    });
    expect(rowKeyOf(meta!)).toBe('k/-5');
  });

  it('show contract paths the way JSON readers write them', () => {
    // Act + Assess
    expect(displayPath('customer/id')).toBe('customer.id');
  });
});
