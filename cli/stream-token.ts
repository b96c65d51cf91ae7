import type { ApiClient, TokenResponse } from './api-client';

/** Renew this long before expiry so no request carries a token that expires in flight. */
const RENEW_MARGIN_MS = 60_000;

/**
 * Stream tokens for one client id/secret: fetched with client_credentials, renewed with the refresh
 * token about 60 s before expiry, and fetched afresh with client_credentials if the refresh fails.
 */
export class StreamTokenProvider {
  private token: string | undefined;
  private refreshToken: string | undefined;
  private expiresAtMs = 0;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token valid for at least the renew margin (concurrent callers share one request). */
  async getToken(): Promise<string> {
    if (this.token !== undefined && this.now() < this.expiresAtMs - RENEW_MARGIN_MS) return this.token;
    this.pending ??= this.renew().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forgets the cached access token (e.g. after the server rejected it), keeping the refresh token. */
  invalidate(): void {
    this.token = undefined;
    this.expiresAtMs = 0;
  }

  private async renew(): Promise<string> {
    let response: TokenResponse | undefined;
    if (this.refreshToken !== undefined) {
      try {
        response = await this.api.refreshStreamToken(this.refreshToken);
      } catch {
        // An expired or revoked refresh token is normal: fall back to the client credentials.
        this.refreshToken = undefined;
      }
    }
    response ??= await this.api.streamToken(this.clientId, this.clientSecret);
    this.token = response.access_token;
    this.refreshToken = response.refresh_token ?? this.refreshToken;
    this.expiresAtMs = this.now() + response.expires_in * 1000;
    return this.token;
  }
}
