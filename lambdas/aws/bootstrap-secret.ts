import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { onceSucceeded } from '../core/once-succeeded';

/** Reads the bootstrap secret: the string a deployment's first sign-up must present (bootstrap mode). */
export type BootstrapSecretSource = () => Promise<string | undefined>;

/**
 * The bootstrap secret from Secrets Manager, read once per process (a failed read is retried on the next
 * call). Without a `secretId` (none configured) there is no secret, and bootstrap sign-up stays closed.
 */
export function bootstrapSecretFromSecretsManager(opts: {
  secrets: SecretsManagerClient;
  secretId: string | undefined;
}): BootstrapSecretSource {
  const { secrets, secretId } = opts;
  if (!secretId) return () => Promise.resolve(undefined);
  return onceSucceeded(async () => {
    const result = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    return result.SecretString || undefined;
  });
}
