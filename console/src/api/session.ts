import { ApiError, type FetchFn, type RequestOptions, requestJson } from './http';

/**
 * A signed-in user's session in the console. The access token lives in memory only; the refresh token
 * in the tab's session storage (so a reload keeps the user signed in, and closing the tab forgets it).
 * The access token is refreshed quietly a minute before it expires (and once when a call answers 401);
 * every refresh answers a new refresh token, which replaces the old one. When the refresh token is
 * refused (expired, revoked, used up) the session ends and the console shows the sign-in page.
 */

/** The login and refresh response of the management API. */
export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch seconds. */
  expiresAt: number;
  accountId: string;
  email: string;
}

/** Where the refresh token is kept between page loads (window.sessionStorage in the browser). */
export interface RefreshTokenStore {
  load(): string | undefined;
  save(refreshToken: string | undefined): void;
}

export interface SessionDeps {
  fetch: FetchFn;
  store: RefreshTokenStore;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  setTimer: (fn: () => void, ms: number) => () => void;
  /** The API's origin; '' for the page's own. */
  baseUrl?: string;
}

export type SessionEnd = 'signed_out' | 'expired';

/** Thrown by a call after the session has ended. */
export class SessionEndedError extends Error {
  constructor(readonly reason: SessionEnd) {
    super(reason === 'expired' ? 'Your session has ended. Sign in again.' : 'Signed out.');
    this.name = 'SessionEndedError';
  }
}

/** Refresh this long before the access token expires. */
export const REFRESH_AHEAD_MS = 60_000;
/** After a refresh failed for a reason other than the token (network, 5xx), try again this much later. */
export const REFRESH_RETRY_MS = 15_000;

export class Session {
  private tokens: SessionTokens;
  private ended: SessionEnd | undefined;
  private refreshing: Promise<void> | undefined;
  private cancelTimer: () => void = () => undefined;
  private readonly listeners = new Set<(reason: SessionEnd) => void>();

  private constructor(
    private readonly deps: SessionDeps,
    tokens: SessionTokens,
  ) {
    this.tokens = tokens;
    this.accept(tokens);
  }

  /** `POST /v1/auth/login`. */
  static async signIn(deps: SessionDeps, email: string, password: string): Promise<Session> {
    const tokens = await requestJson<SessionTokens>(
      deps.fetch,
      'POST',
      `${deps.baseUrl ?? ''}/v1/auth/login`,
      {
        body: { email, password },
      },
    );
    return new Session(deps, tokens);
  }

  /** The session of a stored refresh token, or undefined when there is none or it is refused. */
  static async resume(deps: SessionDeps): Promise<Session | undefined> {
    const refreshToken = deps.store.load();
    if (!refreshToken) return undefined;
    try {
      return new Session(deps, await refreshTokens(deps, refreshToken));
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) deps.store.save(undefined);
      return undefined;
    }
  }

  get email(): string {
    return this.tokens.email;
  }

  get accountId(): string {
    return this.tokens.accountId;
  }

  get isActive(): boolean {
    return this.ended === undefined;
  }

  /** Called once, when the session ends (sign-out or a refused refresh token). */
  onEnd(listener: (reason: SessionEnd) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A management call with the user's access token: refreshed first when due, retried once after a 401. */
  async call<T>(method: string, path: string, options: Omit<RequestOptions, 'token'> = {}): Promise<T> {
    if (this.deps.now() >= this.tokens.expiresAt * 1000 - REFRESH_AHEAD_MS) await this.refresh();
    const send = () => this.request<T>(method, path, options);
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      await this.refresh();
      return send();
    }
  }

  /** `POST /v1/auth/logout` (best effort: the session ends here whatever the server says). */
  async signOut(): Promise<void> {
    if (this.ended) return;
    const { refreshToken } = this.tokens;
    this.end('signed_out');
    await requestJson(this.deps.fetch, 'POST', `${this.deps.baseUrl ?? ''}/v1/auth/logout`, {
      body: { refreshToken },
    }).catch(() => undefined);
  }

  /** Exchanges the refresh token for new tokens; one exchange at a time. */
  refresh(): Promise<void> {
    if (this.ended) return Promise.reject(new SessionEndedError(this.ended));
    this.refreshing ??= refreshTokens(this.deps, this.tokens.refreshToken)
      .then((tokens) => this.accept(tokens))
      .catch((error: unknown) => {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          this.end('expired');
          throw new SessionEndedError('expired');
        }
        this.schedule(REFRESH_RETRY_MS);
        throw error;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private request<T>(method: string, path: string, options: Omit<RequestOptions, 'token'>): Promise<T> {
    if (this.ended) return Promise.reject(new SessionEndedError(this.ended));
    return requestJson<T>(this.deps.fetch, method, `${this.deps.baseUrl ?? ''}${path}`, {
      ...options,
      token: this.tokens.accessToken,
    });
  }

  private accept(tokens: SessionTokens): void {
    this.tokens = tokens;
    this.deps.store.save(tokens.refreshToken);
    this.schedule(tokens.expiresAt * 1000 - REFRESH_AHEAD_MS - this.deps.now());
  }

  private schedule(delayMs: number): void {
    this.cancelTimer();
    this.cancelTimer = this.deps.setTimer(
      () => {
        this.refresh().catch(() => undefined);
      },
      Math.max(0, delayMs),
    );
  }

  private end(reason: SessionEnd): void {
    if (this.ended) return;
    this.ended = reason;
    this.cancelTimer();
    this.deps.store.save(undefined);
    for (const listener of this.listeners) listener(reason);
  }
}

function refreshTokens(deps: SessionDeps, refreshToken: string): Promise<SessionTokens> {
  return requestJson<SessionTokens>(deps.fetch, 'POST', `${deps.baseUrl ?? ''}/v1/auth/refresh`, {
    body: { refreshToken },
  });
}
