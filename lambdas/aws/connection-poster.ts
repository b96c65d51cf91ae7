import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';

/** `ok`: delivered; `gone`: the connection no longer exists (delete its record); `throttled`: retry later. */
export type PostOutcome = 'ok' | 'gone' | 'throttled';

function isGone(error: unknown): boolean {
  // By name: the error class can come from another copy of the SDK (the local gateway's 410 reply too).
  return (error as { name?: unknown } | null)?.name === 'GoneException';
}

/**
 * API Gateway refused the post for its rate, or because the subscriber's buffer is full
 * (`LimitExceededException`), or the account throttle answered 429: worth a retry after a pause.
 */
function isThrottled(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  return (
    e?.name === 'LimitExceededException' ||
    e?.name === 'TooManyRequestsException' ||
    e?.$metadata?.httpStatusCode === 429
  );
}

/** Sends text frames to (and closes) WebSocket connections through the API Gateway `@connections` endpoint. */
export class ConnectionPoster {
  private readonly client: ApiGatewayManagementApiClient;

  constructor(deps: { client?: ApiGatewayManagementApiClient; endpoint?: string }) {
    if (deps.client) this.client = deps.client;
    else if (deps.endpoint) this.client = new ApiGatewayManagementApiClient({ endpoint: deps.endpoint });
    else throw new Error('ConnectionPoster needs a client or an endpoint');
  }

  /** Posts one frame; any error other than a vanished connection or throttling is rethrown. */
  async post(connectionId: string, data: string): Promise<PostOutcome> {
    try {
      await this.client.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(data, 'utf8') }),
      );
      return 'ok';
    } catch (error) {
      if (isGone(error)) return 'gone';
      if (isThrottled(error)) return 'throttled';
      throw error;
    }
  }

  /** Closes a connection (DeleteConnection); one that is already gone is fine. */
  async disconnect(connectionId: string): Promise<void> {
    try {
      await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}
