import type { GatewayHandlers } from './gateway';
import type { LambdaHandler } from './lambda-invoke';

/** Every Lambda entry point the local stack runs. */
export interface LocalHandlers extends GatewayHandlers {
  decrypter: LambdaHandler;
  egress: LambdaHandler;
}

function handlerOf(module: unknown, file: string): LambdaHandler {
  const handler = (module as { handler?: unknown })?.handler;
  if (typeof handler !== 'function')
    throw new Error(`lambdas/handlers/${file}.ts does not export a handler function`);
  return handler as LambdaHandler;
}

/**
 * Loads the same handler modules the Lambdas run. Call it only after the environment is set: the
 * modules read their configuration from process.env (lazily, but some on load is allowed too).
 */
export function loadLambdaHandlers(): LocalHandlers {
  return {
    ingest: handlerOf(require('../lambdas/handlers/ingest'), 'ingest'),
    token: handlerOf(require('../lambdas/handlers/token'), 'token'),
    management: handlerOf(require('../lambdas/handlers/management'), 'management'),
    health: handlerOf(require('../lambdas/handlers/health'), 'health'),
    decrypter: handlerOf(require('../lambdas/handlers/decrypter'), 'decrypter'),
    wsAuthorizer: handlerOf(require('../lambdas/handlers/ws-authorizer'), 'ws-authorizer'),
    wsConnect: handlerOf(require('../lambdas/handlers/ws-connect'), 'ws-connect'),
    egress: handlerOf(require('../lambdas/handlers/egress'), 'egress'),
  };
}
