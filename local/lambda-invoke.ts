import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './local-account';

/** A Lambda entry point as the local runtime sees it (the `handler` export of a handler module). */
export type LambdaHandler = (event: unknown, context: Context) => unknown;

/** Thrown when an invocation runs longer than its timeout (like a Lambda "Task timed out"). */
export class InvocationTimeoutError extends Error {
  constructor(
    readonly functionName: string,
    readonly timeoutMs: number,
  ) {
    super(`${functionName} timed out after ${timeoutMs} ms`);
    this.name = 'InvocationTimeoutError';
  }
}

/** A Lambda-like context object for one invocation (memory: the function's topology memory size). */
export function createLambdaContext(functionName: string, timeoutMs: number, memoryMb = 1024): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = () => {
    throw new Error(
      'context.done/fail/succeed are not supported by the local runtime; return a value instead',
    );
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/**
 * Invokes a handler like the Lambda service does: a fresh context, the result awaited, and an
 * `InvocationTimeoutError` when it takes longer than `timeoutMs` (the handler itself cannot be stopped).
 */
export async function invokeHandler(
  handler: LambdaHandler,
  functionName: string,
  event: unknown,
  timeoutMs: number,
): Promise<unknown> {
  const context = createLambdaContext(functionName, timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InvocationTimeoutError(functionName, timeoutMs)), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([Promise.resolve().then(() => handler(event, context)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
