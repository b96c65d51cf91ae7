import type { ConnectionRecord } from '../../aws/connections-repo';
import type { UserSessionRecord } from '../../aws/user-sessions-repo';
import type { AccountRecord, AccountUser } from '../../core/accounts';
import type { BatchExporterRecord, ExportBuckets } from '../../core/batch-exporter';
import type { EventContract } from '../../core/contracts';
import type { EventSchema } from '../../core/event-schemas';
import type { KeyEncryptionKeys, KeyLinkRecord } from '../../core/key-links';
import type { FailureRecord } from '../../core/login-backoff';
import type { SignupMode } from '../../core/sign-up-gate';
import type { StreamRecord } from '../../core/stream-definition';
import type { TokenService } from '../../core/tokens';
import type { MinuteCount } from '../../core/usage-buckets';
import type { BillingIdStore } from '../account-billing-id';

/**
 * What the management use cases need from the outside world, as interfaces the AWS adapters (and the
 * in-memory fakes of the tests) satisfy. Each use case takes the `Pick` of these it uses.
 */
export interface AccountStore {
  /** ConflictError when the email is taken. */
  create(account: AccountRecord): Promise<void>;
  /** Creates the first account under an atomic claim; ForbiddenError when the claim is taken. */
  createFirst(account: AccountRecord): Promise<void>;
  getByEmail(email: string): Promise<AccountRecord | undefined>;
  hasAnyAccount(): Promise<boolean>;
  /**
   * Adds a further user (teammate) to `user.accountId`; ConflictError when the email is taken. `addedBy`
   * is listed from then on too (the first user of an account from before teammates was not).
   */
  addUser(user: AccountRecord, addedBy?: AccountRecord): Promise<void>;
  /** The users of an account by email; `known` (a user of it) is listed even without a membership item. */
  listUsers(accountId: string, known?: AccountRecord): Promise<AccountUser[]>;
  /** Removes a user of the account (false when the email is none of its users), marking it removed. */
  removeUser(accountId: string, email: string, removedAt: string): Promise<boolean>;
  /** Whether the user was removed from the account (and not added again): its tokens are refused. */
  isRemoved(accountId: string, email: string): Promise<boolean>;
  /** Replaces the password hash of the account under this email, if it still has that account id; false if not. */
  updatePasswordHash(email: string, accountId: string, passwordHash: string): Promise<boolean>;
}

export interface StreamStore {
  get(accountId: string, name: string): Promise<StreamRecord | undefined>;
  list(accountId: string): Promise<StreamRecord[]>;
  listDerived(accountId: string, sourceName: string): Promise<StreamRecord[]>;
  /** ConflictError on a name clash. */
  create(record: StreamRecord, credential: { clientId: string; secretHash: string }): Promise<void>;
  /** Deletes the stream and its credentials; a missing stream is a no-op. */
  delete(accountId: string, name: string): Promise<void>;
  /** Adds a client credential to a stream; the updated record, undefined when the stream does not exist. */
  addCredential(
    accountId: string,
    name: string,
    credential: { clientId: string; secretHash: string; createdAt: string },
  ): Promise<StreamRecord | undefined>;
  /** Removes a client credential from a stream (its tokens stop working); false when the stream has no such client. */
  removeCredential(accountId: string, name: string, clientId: string): Promise<boolean>;
}

export interface SessionStore {
  create(session: UserSessionRecord): Promise<void>;
  /** The live session; undefined when it was revoked or has expired. */
  get(email: string, sessionId: string): Promise<UserSessionRecord | undefined>;
  /** Replaces the refresh token id if it still is `from` (false when another refresh got there first). */
  rotate(email: string, sessionId: string, from: string, to: string, expiresAt: number): Promise<boolean>;
  revoke(email: string, sessionId: string): Promise<void>;
  /** Ends every session of a user; how many. */
  revokeAll(email: string): Promise<number>;
}

/** Failed sign-ins by key (`account#<email>`, `source#<ip>`), shared by every instance. */
export interface LoginAttempts {
  get(key: string): Promise<FailureRecord | undefined>;
  recordFailure(key: string, nowMs: number, forgetAfterMs: number): Promise<void>;
  clear(key: string): Promise<void>;
}

/** The stored WebSocket subscribers of streams (the connections table). */
export interface ConnectionStore {
  listByStream(accountId: string, streamName: string): Promise<ConnectionRecord[]>;
  delete(connectionId: string): Promise<void>;
}

/** Ends live WebSocket connections (API Gateway `DeleteConnection`); a connection already gone is fine. */
export interface SocketControl {
  disconnect(connectionId: string): Promise<void>;
}

export interface ContractStore {
  listForAccount(accountId: string): Promise<EventContract[]>;
  get(accountId: string, ref: string): Promise<EventContract | undefined>;
  /** ConflictError when the ref exists (contracts are immutable). */
  put(accountId: string, contract: EventContract): Promise<void>;
  /** False when the contract did not exist. */
  delete(accountId: string, ref: string): Promise<boolean>;
}

/** An account's own event schemas (aws/schemas-repo.ts); versions are immutable. */
export interface SchemaStore {
  listForAccount(accountId: string): Promise<EventSchema[]>;
  get(accountId: string, ref: string): Promise<EventSchema | undefined>;
  /** ConflictError when the ref exists. */
  put(accountId: string, schema: EventSchema): Promise<void>;
  /** False when the schema did not exist. */
  delete(accountId: string, ref: string): Promise<boolean>;
}

export interface UsageCounts {
  /** Per-minute counts with `from <= minute < until` (ISO strings), oldest first. */
  list(accountId: string, streamName: string, from: string, until: string): Promise<MinuteCount[]>;
}

export interface KeyLinkAdmin {
  getById(keyLinkId: string): Promise<KeyLinkRecord | undefined>;
  deleteById(keyLinkId: string): Promise<boolean>;
  /** Deletes every key link of a data subject in an account; the ids deleted. */
  deleteByDataSubject(accountId: string, dataSubjectHash: string): Promise<string[]>;
}

/** The batch exporter definitions of the accounts. */
export interface BatchExporterStore {
  /** ConflictError when the account has an exporter of that name. */
  create(record: BatchExporterRecord): Promise<void>;
  get(accountId: string, name: string): Promise<BatchExporterRecord | undefined>;
  listByAccount(accountId: string): Promise<BatchExporterRecord[]>;
  listByStream(accountId: string, stream: string): Promise<BatchExporterRecord[]>;
  /** A missing exporter is a no-op. */
  delete(accountId: string, name: string): Promise<void>;
}

/** The exported files, read for their owner (listing and download URLs; never their content here). */
export interface ExportFileStore {
  /** Objects under `prefix` after the key `after`, in key order, one page. */
  list(
    bucket: string,
    prefix: string,
    after?: string,
  ): Promise<{ objects: { key: string; size: number; lastModified: string }[]; truncated: boolean }>;
  /** undefined when there is no such object. */
  sizeOf(bucket: string, key: string): Promise<number | undefined>;
  /** A short-lived URL that downloads the object (S3 presigned GET). */
  downloadUrl(bucket: string, key: string): Promise<{ url: string; expiresAt: string }>;
}

/** Where exporters may write, and the shortest interval allowed (lower only in tests). */
export interface ExportSetup {
  buckets: ExportBuckets;
  minimumInterval?: number;
}

/** Audit lines of what a use case did: ids and counts only, never PII, keys, secrets or tokens. */
export interface AuditLog {
  info(message: string, attributes: Record<string, unknown>): void;
}

/** How sign-up is gated (see core/sign-up-gate.ts). */
export interface SignUpPolicy {
  signupMode: SignupMode;
  /** The bootstrap secret (bootstrap mode only); undefined when none is configured. */
  bootstrapSecret: () => Promise<string | undefined>;
}

/** Every port of the management API; a use case's `ports` argument is a `Pick` of this. */
export interface ManagementPorts extends SignUpPolicy {
  accounts: AccountStore;
  sessions: SessionStore;
  loginAttempts: LoginAttempts;
  streams: StreamStore;
  contracts: ContractStore;
  schemas: SchemaStore;
  /** The account item's billing id (created on first use for older accounts). */
  billingIds: BillingIdStore;
  usage: UsageCounts;
  keyLinks: KeyLinkAdmin;
  /** Subscribers of streams, ended when their stream or credential is deleted. */
  connections: ConnectionStore;
  sockets: SocketControl;
  keks: Pick<KeyEncryptionKeys, 'byId'>;
  exporters: BatchExporterStore;
  exportFiles: ExportFileStore;
  exportSetup: ExportSetup;
  tokens: () => Promise<TokenService>;
  lookupSecret: () => Promise<Uint8Array>;
  /** Milliseconds since the epoch. */
  now: () => number;
  audit: AuditLog;
}
