import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { onceSucceeded } from '../core/once-succeeded';
import { TokenService } from '../core/tokens';
import { dynamoDocumentClient, kmsClient } from './clients';
import { optionalEnv, requiredEnv } from './config';

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
  private readonly cache = new Map<SystemSecretName, Promise<Uint8Array>>();

  constructor(private readonly opts: SystemSecretsOptions) {}

  /** The secret's plaintext, decrypted once per process (the promise is cached; a failure is retried next time). */
  get(name: SystemSecretName): Promise<Uint8Array> {
    let pending = this.cache.get(name);
    if (!pending) {
      pending = this.load(name);
      this.cache.set(name, pending);
      pending.catch(() => {
        if (this.cache.get(name) === pending) this.cache.delete(name);
      });
    }
    return pending;
  }

  private key(name: SystemSecretName) {
    return { pk: `secret#${name}`, sk: 'secret' };
  }

  private async load(name: SystemSecretName): Promise<Uint8Array> {
    const stored = await this.readBlob(name);
    if (stored) return this.decrypt(name, stored);

    const generated = await this.opts.kms.send(
      new GenerateDataKeyCommand({
        KeyId: this.opts.kmsKeyId,
        KeySpec: 'AES_256',
        EncryptionContext: { purpose: name },
      }),
    );
    if (!generated.Plaintext || !generated.CiphertextBlob)
      throw new Error('KMS GenerateDataKey returned no key');
    try {
      await this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: {
            ...this.key(name),
            wrappedKey: generated.CiphertextBlob,
            createdAt: new Date().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return Uint8Array.from(generated.Plaintext);
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const winner = await this.readBlob(name);
      if (!winner) throw new Error(`system secret ${name} vanished after a conditional put conflict`);
      return this.decrypt(name, winner);
    }
  }

  private async readBlob(name: SystemSecretName): Promise<Uint8Array | undefined> {
    const result = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: this.key(name), ConsistentRead: true }),
    );
    const blob = result.Item?.wrappedKey;
    return blob instanceof Uint8Array ? blob : undefined;
  }

  private async decrypt(name: SystemSecretName, blob: Uint8Array): Promise<Uint8Array> {
    const result = await this.opts.kms.send(
      new DecryptCommand({
        CiphertextBlob: blob,
        KeyId: this.opts.kmsKeyId,
        EncryptionContext: { purpose: name },
      }),
    );
    if (!result.Plaintext) throw new Error('KMS Decrypt returned no plaintext');
    return Uint8Array.from(result.Plaintext);
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
