import { type KeyLinkScope, keyLinkScopeOf } from '../../lambdas/core/key-link-scope';

/** The key-link scope of a stream `name` of `accountId` created at a fixed instant. */
export function testScope(accountId: string, name = 'winston'): KeyLinkScope {
  return keyLinkScopeOf({ accountId, name, createdAt: '2024-01-01T00:00:00.000Z' });
}
