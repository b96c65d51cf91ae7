import { TokenService } from '../../lambdas/core/tokens';

/** The issuer of tokens signed by `testTokenService`. */
export const TEST_TOKEN_ISSUER = 'privacy-streams-test';

/**
 * The real TokenService with a fixed signing key (and, optionally, a fixed clock), for unit tests of
 * handlers and use cases that issue or verify tokens without KMS. `signingKeyByte` gives another key:
 * tokens of one key do not verify under another (a forgery).
 */
export function testTokenService(opts: { now?: () => number; signingKeyByte?: number } = {}): TokenService {
  return new TokenService({
    signingKey: new Uint8Array(32).fill(opts.signingKeyByte ?? 7),
    kid: 'signing-v1',
    issuer: TEST_TOKEN_ISSUER,
    now: opts.now,
  });
}
