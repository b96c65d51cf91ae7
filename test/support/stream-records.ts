import { randomUUID } from 'node:crypto';
import { generateClientCredentials, hashClientSecret } from '../../lambdas/core/client-secrets';
import type { StreamRecord } from '../../lambdas/core/stream-definition';

/** An active source stream record with one client id (a fresh account and name unless overridden). */
export function streamRecord(overrides: Partial<StreamRecord> = {}): StreamRecord {
  return {
    name: `s-${randomUUID().slice(0, 8)}`,
    accountId: randomUUID(),
    description: '',
    tags: [],
    enabled: true,
    keyRotationHours: 24,
    createdAt: new Date().toISOString(),
    credentials: [{ clientId: generateClientCredentials().clientId }],
    ...overrides,
  };
}

/**
 * A stream stored with one credential whose secret is known, as management creates it (only the hash
 * stored), in any repository with the in-memory fakes' `put(record, secretHash)`.
 */
export function givenStreamWithCredential(
  repo: { put(record: StreamRecord, secretHash?: string): void },
  overrides: Partial<StreamRecord> = {},
) {
  const { clientId, clientSecret } = generateClientCredentials();
  const record = streamRecord({ credentials: [{ clientId }], ...overrides });
  repo.put(record, hashClientSecret(clientSecret));
  return { record, clientId, clientSecret };
}
