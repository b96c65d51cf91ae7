import { TooManyRequestsError, ValidationError } from '../../../lambdas/core/errors';
import { rateLimitedResponse } from '../../../lambdas/http/oauth2-response';
import { jsonError, retryAfterHeaders, textError } from '../../../lambdas/http/responses';

describe('retryAfterHeaders (the one Retry-After of every API)', () => {
  it('gives whole seconds, rounded up, at least 1', () => {
    // Prepare
    const waits = [0.2, 2.5, 7].map((s) => new TooManyRequestsError('slow down', 'busy', s));
    // Act
    const headers = waits.map(retryAfterHeaders);
    // Assess
    expect(headers).toEqual([{ 'retry-after': '1' }, { 'retry-after': '3' }, { 'retry-after': '7' }]);
  });

  it('gives no header for an error that does not say when to come back', () => {
    // Act
    const headers = retryAfterHeaders(new ValidationError('bad'));
    // Assess
    expect(headers).toEqual({});
  });

  it('is what the management, ingest and token endpoints send with a 429', () => {
    // Prepare
    const error = new TooManyRequestsError('slow down', 'too_many_requests', 1.5);
    // Act
    const answers = [jsonError(error), textError(error), rateLimitedResponse(error)];
    // Assess
    expect(answers.map((a) => [a.statusCode, a.headers?.['retry-after']])).toEqual([
      [429, '2'],
      [429, '2'],
      [429, '2'],
    ]);
  });
});
