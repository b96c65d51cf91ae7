import { Logger } from '@aws-lambda-powertools/logger';

/**
 * A silent Powertools Logger that remembers every line a handler logs (message and attributes), so a test
 * can check what was logged and that no secret, token or PII was.
 */
export function recordingLogger(serviceName = 'test') {
  const logger = new Logger({ serviceName, logLevel: 'SILENT' });
  const spies = (['debug', 'info', 'warn', 'error'] as const).map((level) => jest.spyOn(logger, level));
  return {
    logger,
    /** Every logged line as `[message, ...attributes]`, in no particular order across levels. */
    lines: (): unknown[][] => spies.flatMap((spy) => spy.mock.calls as unknown[][]),
    /** The attributes of every line logged with this message. */
    attributesOf: (message: string): unknown[] =>
      spies
        .flatMap((spy) => spy.mock.calls as unknown[][])
        .filter(([m]) => m === message)
        .map(([, a]) => a),
    /** Everything logged, as one JSON string to search. */
    text: (): string => JSON.stringify(spies.flatMap((spy) => spy.mock.calls)),
  };
}
