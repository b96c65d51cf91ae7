import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { wonConditionalWrite } from './conditional-write';
import { queryAll } from './query-all';

/** One sign-in session: a login and the refresh tokens descending from it. */
export interface UserSessionRecord {
  sessionId: string;
  accountId: string;
  email: string;
  /** The id of the one refresh token of the session that may still be used. */
  refreshTokenId: string;
  /** ms since epoch */
  createdAt: number;
  /** epoch seconds: the end of the current refresh token's life */
  expiresAt: number;
}

/**
 * Sign-in sessions in the accounts table: `pk=sessions#<email>, sk=session#<sessionId>` →
 * `{sessionId, accountId, email, refreshTokenId, createdAt (ms), expiresAt (TTL, s)}`. One item per login;
 * each refresh replaces `refreshTokenId` (conditionally on the one presented), so a used-up refresh token
 * is told apart from the current one. Readers ignore expired items (dynalite has no TTL).
 */
export class UserSessionsRepo {
  private readonly now: () => number;

  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string; now?: () => number }) {
    this.now = opts.now ?? Date.now;
  }

  async create(session: UserSessionRecord): Promise<void> {
    await this.opts.doc.send(
      new PutCommand({
        TableName: this.opts.table,
        Item: { ...itemKey(session.email, session.sessionId), ...session },
      }),
    );
  }

  async get(email: string, sessionId: string): Promise<UserSessionRecord | undefined> {
    const { Item } = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: itemKey(email, sessionId), ConsistentRead: true }),
    );
    if (!Item || Number(Item.expiresAt) * 1000 <= this.now()) return undefined;
    return recordOf(Item);
  }

  /** Replaces the session's refresh token id, only if it still is `from`; false when it was not. */
  async rotate(
    email: string,
    sessionId: string,
    from: string,
    to: string,
    expiresAt: number,
  ): Promise<boolean> {
    return wonConditionalWrite(() =>
      this.opts.doc.send(
        new UpdateCommand({
          TableName: this.opts.table,
          Key: itemKey(email, sessionId),
          UpdateExpression: 'SET refreshTokenId = :to, expiresAt = :expiresAt',
          ConditionExpression: 'refreshTokenId = :from',
          ExpressionAttributeValues: { ':from': from, ':to': to, ':expiresAt': expiresAt },
        }),
      ),
    );
  }

  async revoke(email: string, sessionId: string): Promise<void> {
    await this.opts.doc.send(
      new DeleteCommand({ TableName: this.opts.table, Key: itemKey(email, sessionId) }),
    );
  }

  /** Ends every session of a user; the ids of the sessions ended. */
  async revokeAll(email: string): Promise<string[]> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `sessions#${email}`, ':prefix': 'session#' },
      ConsistentRead: true,
    });
    for (const item of items) {
      await this.opts.doc.send(
        new DeleteCommand({ TableName: this.opts.table, Key: { pk: String(item.pk), sk: String(item.sk) } }),
      );
    }
    return items.map((item) => String(item.sessionId));
  }
}

function itemKey(email: string, sessionId: string) {
  return { pk: `sessions#${email}`, sk: `session#${sessionId}` };
}

function recordOf(item: Record<string, unknown>): UserSessionRecord {
  return {
    sessionId: String(item.sessionId),
    accountId: String(item.accountId),
    email: String(item.email),
    refreshTokenId: String(item.refreshTokenId),
    createdAt: Number(item.createdAt),
    expiresAt: Number(item.expiresAt),
  };
}
