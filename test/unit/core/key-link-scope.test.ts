import {
  accountOfScope,
  isScopeOwnedBy,
  keyLinkScopeOf,
  parseKeyLinkScope,
} from '../../../lambdas/core/key-link-scope';

describe('key-link scope', () => {
  const stream = { accountId: 'acc-1', name: 'winston', createdAt: '2024-05-01T10:00:00.000Z' };

  it('names one incarnation of one stream of one account', () => {
    // Act
    const scope = keyLinkScopeOf(stream);
    // Assess
    expect(scope).toBe('acc-1/winston@2024-05-01T10:00:00.000Z');
  });

  it('gives a stream created again under the same name another scope', () => {
    // Act
    const again = keyLinkScopeOf({ ...stream, createdAt: '2024-05-02T10:00:00.000Z' });
    // Assess
    expect(again).not.toBe(keyLinkScopeOf(stream));
  });

  it('knows the account it belongs to', () => {
    // Act
    const scope = keyLinkScopeOf(stream);
    // Assess
    expect(accountOfScope(scope)).toBe('acc-1');
    expect(isScopeOwnedBy(scope, 'acc-1')).toBe(true);
  });

  it.each([['acc'], ['acc-1/other'], [''], ['acc-1/winston@2024-05-01T10:00:00.000Z']])(
    'is not owned by account %p of another or a prefix of it',
    (accountId) => {
      // Prepare
      const scope = keyLinkScopeOf(stream);
      // Act + Assess
      expect(isScopeOwnedBy(scope, accountId)).toBe(false);
    },
  );

  it('reads back scopes from storage, including those written before stream incarnations', () => {
    // Act
    const legacy = parseKeyLinkScope('acc-1/winston');
    // Assess
    expect(accountOfScope(legacy)).toBe('acc-1');
  });

  it.each([['no-slash'], ['/winston'], ['acc-1/']])('refuses the stored value %p', (value) => {
    // Act + Assess
    expect(() => parseKeyLinkScope(value)).toThrow('malformed');
  });
});
