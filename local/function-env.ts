import { type EnvSource, resolveEnvironment } from '../lib/function-environment';
import type { FunctionName } from '../lib/topology';
import { type Emulators, emulatorEnv } from './emulators';
import { localBucketName, localStreamName, localTableName } from './local-names';

/**
 * The whole environment of one function in the local stack: its topology variables with their local
 * values, plus the SDK's endpoint, region and credential variables for the emulators. Nothing else of the
 * launcher's environment gets in, except its logging knobs.
 */

export interface LocalRuntimeEndpoints
  extends Pick<Emulators, 'kinesisUrl' | 'dynamodbUrl' | 'kmsUrl' | 'kmsKeyArn' | 's3Url' | 'credentials'> {
  /** The local gateway's base URL: its `@connections` endpoint. */
  callbackUrl: string;
}

/** Launcher variables handed on to every function, so `POWERTOOLS_LOG_LEVEL=DEBUG npm start` works. */
export const FORWARDED_VARIABLES = ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_DEV'] as const;

function localValue(source: EnvSource, endpoints: LocalRuntimeEndpoints): string | undefined {
  switch (source.kind) {
    case 'table':
      return localTableName(source.table);
    case 'stream':
      return localStreamName(source.stream);
    case 'kmsKey':
      return endpoints.kmsKeyArn;
    case 'bootstrapSecret':
      return undefined; // no Secrets Manager locally (see the topology's SIGNUP_MODE override)
    case 'webSocketCallbackUrl':
      return endpoints.callbackUrl;
    case 'bucket':
      return localBucketName(source.bucket);
    case 'grantedBuckets':
      return undefined; // the local stack has no buckets but its own
    case 'fixed':
      if ('config' in source.value) return source.value.local;
      return source.value.local === undefined ? source.value.value : (source.value.local ?? undefined);
  }
}

export function localFunctionEnv(
  name: FunctionName,
  endpoints: LocalRuntimeEndpoints,
  launcherEnv: NodeJS.ProcessEnv = process.env,
  testOverrides: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {
    ...resolveEnvironment(name, (source) => localValue(source, endpoints)),
    ...emulatorEnv(endpoints),
    ...testOverrides,
  };
  for (const variable of FORWARDED_VARIABLES) {
    const value = launcherEnv[variable];
    if (value !== undefined) env[variable] = value;
  }
  return env;
}
