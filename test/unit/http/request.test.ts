import { bearerToken, bearerTokenOf } from '../../../lambdas/http/request';
import { httpApiEvent } from '../../support/http-api-event';

describe('bearerTokenOf (the one reading of an Authorization: Bearer value)', () => {
  it('reads the token whatever the case of the scheme and the white space around it', () => {
    // Act
    const tokens = ['Bearer abc', 'bearer  abc', 'BEARER abc  '].map(bearerTokenOf);
    // Assess
    expect(tokens).toEqual(['abc', 'abc', 'abc']);
  });

  it('reads nothing from another scheme, an empty token, a token with a space, or no header', () => {
    // Act
    const tokens = ['Basic abc', 'Bearer ', 'Bearer a b', 'Bearerabc', undefined].map(bearerTokenOf);
    // Assess
    expect(tokens).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('bearerToken reads the Authorization header of an HTTP API event in any case', () => {
    // Prepare
    const event = httpApiEvent({ method: 'GET', path: '/v1/me', headers: { AUTHORIZATION: 'Bearer t0k3n' } });
    // Act
    const token = bearerToken(event);
    // Assess
    expect(token).toBe('t0k3n');
  });
});
