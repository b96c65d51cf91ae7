import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { errorName } from '../core/errors';
import { onceSucceeded } from '../core/once-succeeded';

/**
 * The one way a handler module becomes a Lambda entry point. The handler is built from the environment on
 * the first invocation and reused by later ones (Lambda keeps the process warm). Start-up policy, the same
 * for every function: a failed build is logged by error name and rethrown, so the invocation fails (API
 * Gateway answers 500, an event-source mapping retries the batch, a `$connect` is refused) and the next
 * invocation builds again — a cold start never pins a transient error. The invocation's context (its
 * remaining time) is passed on to handlers that take it.
 */
export function lambdaEntryPoint<E, R>(
  functionName: string,
  build: () =>
    | Promise<(event: E, context?: Context) => Promise<R>>
    | ((event: E, context?: Context) => Promise<R>),
): (event: E, context?: Context) => Promise<R> {
  const built = onceSucceeded(async () => build());
  return async (event, context) => {
    let handle: (event: E, context?: Context) => Promise<R>;
    try {
      handle = await built();
    } catch (error) {
      new Logger({ serviceName: functionName }).error('handler could not start', {
        errorName: errorName(error),
      });
      throw error;
    }
    return handle(event, context);
  };
}
