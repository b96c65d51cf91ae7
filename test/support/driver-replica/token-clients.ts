import { h2Post } from './h2-post';

/**
 * The two token eras of the original drivers, rewritten from their wire behaviour: STRM Privacy OAuth2
 * (nodejs-driver v3 `src/client.ts`: form-encoded, values not URL-encoded, `expires_at` read, refresh
 * scheduled 60 s before it) and the Stream Machine STS (v2: JSON `/auth` with the billing id, `/refresh`
 * posting the whole old token).
 */

/** The driver refreshes this long before `expires_at`. */
export const SEC_BEFORE_EXPIRATION = 60;

export interface OAuthToken {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  expires_at: number;
}

export interface StsToken {
  idToken: string;
  refreshToken: string;
  expiresAt: number;
}

/** Milliseconds until the driver's refresh timer fires (NaN when the token has no absolute expiry). */
export function msBeforeRefresh(expiresAtSeconds: number, nowMs = Date.now()): number {
  return (expiresAtSeconds - nowMs / 1000 - SEC_BEFORE_EXPIRATION) * 1000;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };

export class OAuthTokenClient {
  constructor(
    private readonly origin: string,
    private readonly endpoint: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
  ) {}

  async authenticate(): Promise<OAuthToken> {
    const body = `grant_type=client_credentials&client_id=${this.clientId}&client_secret=${this.clientSecret}`;
    return (await h2Post<OAuthToken>(this.origin, this.endpoint, body, FORM)).data as OAuthToken;
  }

  async refresh(old: OAuthToken): Promise<OAuthToken> {
    const body =
      `grant_type=refresh_token&client_id=${this.clientId}&client_secret=${this.clientSecret}` +
      `&refresh_token=${old.refresh_token}`;
    return (await h2Post<OAuthToken>(this.origin, this.endpoint, body, FORM)).data as OAuthToken;
  }
}

export class StsTokenClient {
  constructor(
    private readonly stsUrl: string,
    private readonly billingId: string,
    private readonly clientId: string,
    private readonly clientSecret: string,
  ) {}

  async authenticate(): Promise<StsToken> {
    const body = JSON.stringify({
      billingId: this.billingId,
      clientId: this.clientId,
      clientSecret: this.clientSecret,
    });
    return (await h2Post<StsToken>(this.stsUrl, '/auth', body, JSON_TYPE)).data as StsToken;
  }

  /** The v2 driver posts the whole old token, not just its refresh token. */
  async refresh(old: StsToken): Promise<StsToken> {
    return (await h2Post<StsToken>(this.stsUrl, '/refresh', JSON.stringify(old), JSON_TYPE)).data as StsToken;
  }
}
