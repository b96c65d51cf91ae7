import type { ExportSetup } from '../use-cases/management/ports';
import { requiredEnv } from './config';

/**
 * Where exporters may write, from EXPORTS_BUCKET (the stack's bucket) and EXPORT_BUCKETS (buckets the
 * deployer granted through the CDK context, comma-separated). EXPORT_MIN_INTERVAL_SECONDS exists only
 * for tests of the local stack, which set it explicitly to keep intervals short; no deployment sets it.
 */
export function exportSetupFromEnv(): ExportSetup {
  const env = process.env;
  const granted = (env.EXPORT_BUCKETS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const minimum = env.EXPORT_MIN_INTERVAL_SECONDS;
  return {
    buckets: { default: requiredEnv('EXPORTS_BUCKET'), granted },
    ...(minimum ? { minimumInterval: Number(minimum) } : {}),
  };
}
