import type { KMSClient } from '@aws-sdk/client-kms';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { CachedLoader } from '../core/cached-loader';
import { onceSucceeded } from '../core/once-succeeded';
import { TokenService } from '../core/tokens';
import { dynamoDocumentClient, kmsClient } from './clients';
import { wonConditionalWrite } from './conditional-write';
import { optionalEnv, requiredEnv } from './config';
import { decryptDataKey, generateDataKey, type KmsDataKeys } from './data-keys';

/**
 * System secrets (JWT signing key, lookup-hash secret): 32-byte KMS data keys. The table holds only the
 * KMS CiphertextBlob (`pk=secret#<name>, sk=secret` in the key-links table); the plaintext lives only in
 * this process's memory. The first caller anywhere creates the secret with a conditional put; a loser of
 * that race reads and uses the winner's.
 */
export type SystemSecretName = 'signing' | 'lookup-hash';

export interface SystemSecretsOptions {
  doc: DynamoDBDocumentClient;
  kms: KMSClient;
  table: string;
  kmsKeyId: string;
}

export class SystemSecrets {
  private readonly cache = new CachedLoader<SystemSecretName, Uint8Array>({ capacity: 10 });
  private readonly keys: KmsDataKeys;

  constructor(private readonly opts: SystemSecretsOptions) {
    this.keys = { kms: opts.kms, kmsKeyId: opts.kmsKeyId };
  }

  /** The secret's plaintext, decrypted once per process (a failure is retried next time). */
  get(name: SystemSecretName): Promise<Uint8Array> {
    return this.cache.get(name, () => this.load(name));
  }

  private key(name: SystemSecretName) {
    return { pk: `secret#${name}`, sk: 'secret' };
  }

  private async load(name: SystemSecretName): Promise<Uint8Array> {
    const context = { purpose: name };
    const stored = await this.readBlob(name);
    if (stored) return decryptDataKey(this.keys, stored, context);

    const { plaintext, blob } = await generateDataKey(this.keys, context);
    const won = await wonConditionalWrite(() =>
      this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: { ...this.key(name), wrappedKey: blob, createdAt: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (won) return plaintext;
    const winner = await this.readBlob(name);
    if (!winner) throw new Error(`system secret ${name} vanished after a conditional put conflict`);
    return decryptDataKey(this.keys, winner, context);
  }

  private async readBlob(name: SystemSecretName): Promise<Uint8Array | undefined> {
    const result = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: this.key(name), ConsistentRead: true }),
    );
    const blob = result.Item?.wrappedKey;
    return blob instanceof Uint8Array ? blob : undefined;
  }
}

export const SIGNING_KEY_ID = 'signing-v1';
export const DEFAULT_TOKEN_ISSUER = 'privacy-streams';

let systemSecrets: SystemSecrets | undefined;

function systemSecretsFromEnv(): SystemSecrets {
  systemSecrets ??= new SystemSecrets({
    doc: dynamoDocumentClient(),
    kms: kmsClient(),
    table: requiredEnv('KEY_LINKS_TABLE'),
    kmsKeyId: requiredEnv('KMS_KEY_ID'),
  });
  return systemSecrets;
}

/** The process-wide TokenService (signing key from KMS, issuer from TOKEN_ISSUER). */
export const getTokenService: () => Promise<TokenService> = onceSucceeded(async () => {
  const signingKey = await systemSecretsFromEnv().get('signing');
  return new TokenService({
    signingKey,
    kid: SIGNING_KEY_ID,
    issuer: optionalEnv('TOKEN_ISSUER', DEFAULT_TOKEN_ISSUER),
  });
});

/** The process-wide secret for keyed lookup hashes (key-field values, data subjects). */
export function getLookupSecret(): Promise<Uint8Array> {
  return systemSecretsFromEnv().get('lookup-hash');
}
