import { type FetchFn, requestJson } from './http';
import type { Credentials } from './management';

/**
 * Sends the console's test events as any producer does: a stream token from `POST /auth/token` (client
 * credentials), then `POST /event` per event. The token is kept in memory and renewed when it is due.
 */
export class TestProducer {
  private token: { value: string; renewAtMs: number } | undefined;

  constructor(
    private readonly fetchFn: FetchFn,
    private readonly credentials: Credentials,
    private readonly now: () => number = Date.now,
  ) {}

  async send(event: Record<string, unknown>, schemaRef: string): Promise<void> {
    await requestJson(this.fetchFn, 'POST', '/event', {
      body: event,
      token: await this.accessToken(),
      headers: { 'strm-schema-ref': schemaRef, 'strm-serialization-type': 'application/json' },
    });
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.renewAtMs) return this.token.value;
    const issued = await requestJson<{ access_token: string; expires_in: number }>(
      this.fetchFn,
      'POST',
      '/auth/token',
      {
        form: {
          grant_type: 'client_credentials',
          client_id: this.credentials.clientId,
          client_secret: this.credentials.clientSecret,
        },
      },
    );
    // Renew a minute early, so no event goes out with a token about to expire.
    this.token = { value: issued.access_token, renewAtMs: this.now() + (issued.expires_in - 60) * 1000 };
    return this.token.value;
  }
}
