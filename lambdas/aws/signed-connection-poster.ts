import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { ConnectionPoster, type PostOutcome } from './connection-poster';

/** Sockets kept open to the `@connections` endpoint (egress posts up to 48 at once). */
const MAX_SOCKETS = 50;
/** A post that has not been answered in this long has failed. */
const POST_TIMEOUT_MS = 10_000;

/** A post API Gateway refused for another reason than a gone connection or throttling; named by its error type. */
export class PostToConnectionError extends Error {
  constructor(errorType: string) {
    super(`PostToConnection failed: ${errorType}`);
    // The log names errors by `name`: the service's own error type says what happened.
    this.name = errorType;
  }
}

/**
 * PostToConnection as one SigV4-signed HTTP request (@smithy/signature-v4, the SDK's own signer, with the
 * SDK client's credentials and region) on a keep-alive socket — without the SDK's per-call middleware
 * stack, which costs about 0.5 ms of CPU per call on top of the request (measured: `npm run bench`, suite
 * aws-sim): a fan-out makes one call per message and subscriber, so that overhead decides how many
 * subscribers one Lambda serves. The request is the SDK's (`POST <stage>/@connections/<id>`, octet-stream
 * body); 410 is `gone`, 429 (LimitExceeded, the account throttle) `throttled`. Closing a connection is rare
 * and goes through the SDK client.
 */
export class SignedConnectionPoster {
  private readonly client: ApiGatewayManagementApiClient;
  private readonly closer: ConnectionPoster;
  private readonly endpoint: URL;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly signer: SignatureV4;

  constructor(deps: { endpoint: string; client?: ApiGatewayManagementApiClient }) {
    this.endpoint = new URL(deps.endpoint);
    this.client = deps.client ?? new ApiGatewayManagementApiClient({ endpoint: deps.endpoint });
    this.closer = new ConnectionPoster({ client: this.client });
    const secure = this.endpoint.protocol === 'https:';
    this.agent = secure
      ? new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS })
      : new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS });
    const config = this.client.config;
    this.signer = new SignatureV4({
      credentials: config.credentials,
      region: config.region,
      service: 'execute-api',
      sha256: config.sha256,
    });
  }

  /** Posts one frame; any answer but 2xx, 410 and 429 is thrown as a PostToConnectionError. */
  async post(connectionId: string, data: string): Promise<PostOutcome> {
    const body = Buffer.from(data, 'utf8');
    const stage = this.endpoint.pathname.replace(/\/$/, '');
    const unsigned: HttpRequest = {
      method: 'POST',
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      port: this.endpoint.port ? Number(this.endpoint.port) : undefined,
      path: `${stage}/@connections/${encodeURIComponent(connectionId)}`,
      headers: {
        host: this.endpoint.host,
        'content-type': 'application/octet-stream',
        'content-length': String(body.length),
      },
      query: {},
      body,
    };
    const signed = await this.signer.sign(unsigned);
    const { status, errorType } = await this.send(signed, body);
    if (status >= 200 && status < 300) return 'ok';
    if (status === 410) return 'gone';
    if (status === 429) return 'throttled';
    throw new PostToConnectionError(errorType ?? `HTTP${status}`);
  }

  /** Closes a connection (DeleteConnection); one that is already gone is fine. */
  disconnect(connectionId: string): Promise<void> {
    return this.closer.disconnect(connectionId);
  }

  private send(signed: HttpRequest, body: Buffer): Promise<{ status: number; errorType?: string }> {
    const request = this.endpoint.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          method: signed.method,
          host: this.endpoint.hostname,
          port: this.endpoint.port || undefined,
          path: signed.path,
          headers: signed.headers,
          agent: this.agent,
          timeout: POST_TIMEOUT_MS,
        },
        (res: IncomingMessage) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, errorType: errorTypeOf(res) }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new PostToConnectionError('TimeoutError')));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** API Gateway's error type header (`LimitExceededException`, sometimes followed by `:` and a URL). */
function errorTypeOf(res: IncomingMessage): string | undefined {
  const header = res.headers['x-amzn-errortype'];
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(':')[0] || undefined;
}
