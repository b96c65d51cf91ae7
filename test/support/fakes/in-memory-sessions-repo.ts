import type { UserSessionRecord, UserSessionsRepo } from '../../../lambdas/aws/user-sessions-repo';

type SessionsRepoSurface = Pick<UserSessionsRepo, 'create' | 'get' | 'rotate' | 'revoke' | 'revokeAll'>;

/**
 * In-memory stand-in for the sign-in sessions of the accounts table, with the adapter's semantics: a
 * session is found by email and id until it expires (epoch seconds, injectable clock) or is revoked;
 * `rotate` replaces the refresh token id only if it still is the one given (a conditional update).
 */
export class InMemorySessionsRepo implements SessionsRepoSurface {
  readonly sessions = new Map<string, UserSessionRecord>();
  private readonly now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
  }

  async create(session: UserSessionRecord): Promise<void> {
    this.sessions.set(key(session.email, session.sessionId), { ...session });
  }

  async get(email: string, sessionId: string): Promise<UserSessionRecord | undefined> {
    const session = this.sessions.get(key(email, sessionId));
    if (!session || session.expiresAt * 1000 <= this.now()) return undefined;
    return { ...session };
  }

  async rotate(
    email: string,
    sessionId: string,
    from: string,
    to: string,
    expiresAt: number,
  ): Promise<boolean> {
    const session = this.sessions.get(key(email, sessionId));
    if (!session || session.refreshTokenId !== from) return false;
    session.refreshTokenId = to;
    session.expiresAt = expiresAt;
    return true;
  }

  async revoke(email: string, sessionId: string): Promise<void> {
    this.sessions.delete(key(email, sessionId));
  }

  async revokeAll(email: string): Promise<string[]> {
    const mine = [...this.sessions.values()].filter((s) => s.email === email);
    for (const s of mine) this.sessions.delete(key(s.email, s.sessionId));
    return mine.map((s) => s.sessionId);
  }

  /** The live sessions of a user. */
  of(email: string): UserSessionRecord[] {
    return [...this.sessions.values()].filter((s) => s.email === email);
  }
}

function key(email: string, sessionId: string): string {
  return `${email}\u0000${sessionId}`;
}
