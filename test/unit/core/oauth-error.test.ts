import { OAuthError, type OAuthErrorCode } from '../../../lambdas/core/errors';
import { httpStatusOf } from '../../../lambdas/core/http-status';

describe('OAuthError', () => {
  it.each<[OAuthErrorCode, number]>([
    ['invalid_request', 400],
    ['unsupported_grant_type', 400],
    ['invalid_grant', 400],
    ['invalid_client', 401],
  ])('takes the HTTP status of %s from the one status table (%i)', (code, status) => {
    // Act
    const error = new OAuthError(code, 'description');
    // Assess
    expect(httpStatusOf(error)).toBe(status);
  });

  it('keeps its code and description for the {error, error_description} body and names itself in logs', () => {
    // Act
    const error = new OAuthError('invalid_grant', 'refresh_token is not valid (token expired)');
    // Assess
    expect(error).toMatchObject({
      name: 'OAuthError',
      code: 'invalid_grant',
      message: 'refresh_token is not valid (token expired)',
    });
  });
});
