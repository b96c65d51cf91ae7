/**
 * The scope of key links and key-encryption keys: one incarnation of one source stream of one account,
 * `<accountId>/<streamName>@<stream createdAt>`. It is the boundary of account isolation (a key link is
 * exported or shredded only by the account its scope names) and of crypto-shredding (a stream deleted and
 * created again under the same name gets new keys). Made, read and checked only here.
 */
export type KeyLinkScope = string & { readonly __brand: 'KeyLinkScope' };

/** The scope of a source stream's key links. */
export function keyLinkScopeOf(stream: { accountId: string; name: string; createdAt: string }): KeyLinkScope {
  return `${stream.accountId}/${stream.name}@${stream.createdAt}` as KeyLinkScope;
}

/** A scope read back from storage; throws on anything that is not one (stored data is ours, so a 500). */
export function parseKeyLinkScope(value: string): KeyLinkScope {
  const slash = value.indexOf('/');
  if (slash <= 0 || slash === value.length - 1) throw new Error('stored key-link scope is malformed');
  return value as KeyLinkScope;
}

/** The account a scope belongs to. */
export function accountOfScope(scope: KeyLinkScope): string {
  return scope.slice(0, scope.indexOf('/'));
}

/** Whether a key link of this scope belongs to the account (the only check before export or shredding). */
export function isScopeOwnedBy(scope: KeyLinkScope, accountId: string): boolean {
  return accountId.length > 0 && accountOfScope(scope) === accountId;
}
