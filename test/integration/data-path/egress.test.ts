import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamEvent } from 'aws-lambda';
import { WebSocket, WebSocketServer } from 'ws';
import { ConnectionPoster } from '../../../lambdas/aws/connection-poster';
import { ConnectionsRepo } from '../../../lambdas/aws/connections-repo';
import { type EventEnvelope, encodeEnvelope } from '../../../lambdas/core/event-envelope';
import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import { createEgressHandler } from '../../../lambdas/handlers/egress';
import { createWsConnectHandler } from '../../../lambdas/handlers/ws-connect';
import {
  CONNECTIONS_PATH,
  handleConnectionsRequest,
  type LiveConnection,
} from '../../../local/connections-endpoint';
import { InMemorySessionsRepo } from '../../support/fakes/in-memory-sessions-repo';
import { type DataPathEnv, startDataPathEnv } from './data-path-env';

/**
 * Egress against dynalite and the local `@connections` endpoint, with real WebSocket clients: what a
 * subscriber receives is what went over the socket.
 */
let env: DataPathEnv;
let server: Server;
let wss: WebSocketServer;
let endpoint: string;
const live = new Map<string, LiveConnection>();
const clients: WebSocket[] = [];

beforeAll(async () => {
  env = await startDataPathEnv();
  server = createServer((req, res) => {
    const match = CONNECTIONS_PATH.exec(req.url ?? '');
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    void handleConnectionsRequest(req, res, decodeURIComponent(match[1]!), live);
  });
  wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    const id = new URL(req.url ?? '/', 'http://local').searchParams.get('id')!;
    live.set(id, { ws, lastActiveAt: Date.now(), alive: true } as unknown as LiveConnection);
    ws.on('close', () => live.delete(id));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const client of clients) client.terminate();
  wss.close();
  await new Promise((resolve) => server.close(resolve));
  await env.close();
});

/** A WebSocket subscriber whose frames are collected. */
async function subscriber(connectionId: string): Promise<{ frames: string[]; close(): Promise<void> }> {
  const ws = new WebSocket(`${endpoint.replace('http', 'ws')}/?id=${encodeURIComponent(connectionId)}`);
  clients.push(ws);
  const frames: string[] = [];
  ws.on('message', (data) => frames.push(data.toString()));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  // The server registers the socket in its own 'connection' callback; wait until it is known.
  while (!live.has(connectionId)) await new Promise((resolve) => setTimeout(resolve, 5));
  return {
    frames,
    close: async () => {
      ws.close();
      while (live.has(connectionId)) await new Promise((resolve) => setTimeout(resolve, 5));
    },
  };
}

function connectEvent(connectionId: string, accountId: string, stream: string) {
  return {
    requestContext: {
      routeKey: '$connect',
      eventType: 'CONNECT',
      connectionId,
      authorizer: { accountId, stream, clientId: 'client-1', principalId: 'client-1', integrationLatency: 3 },
    },
  };
}

function recordsEvent(envelopes: EventEnvelope[]): KinesisStreamEvent {
  return {
    Records: envelopes.map((envelope, index) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'pk',
        sequenceNumber: String(1000 + index),
        data: Buffer.from(encodeEnvelope(envelope)).toString('base64'),
        approximateArrivalTimestamp: Date.now() / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${1000 + index}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/local',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/derived-events',
    })),
  };
}

function envelope(accountId: string, stream: string, n: number): EventEnvelope {
  return {
    v: 1,
    accountId,
    stream,
    contractRef: 'streammachine/example/1.3.0',
    event: { n, strmMeta: { consentLevels: [] } },
  };
}

async function waitForFrames(frames: string[], count: number): Promise<void> {
  while (frames.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('ws-connect', () => {
  const repo = () => new ConnectionsRepo({ doc: env.dynamo, table: env.tables.connections });

  it('stores the connection with the stream of its authorizer context on $connect', async () => {
    const accountId = randomUUID();
    const result = await createWsConnectHandler({
      connections: repo(),
      sessions: new InMemorySessionsRepo(),
    })(connectEvent('conn-a', accountId, 'demo'));
    expect(result.statusCode).toBe(200);
    expect((await repo().listByStream(accountId, 'demo')).map((c) => c.connectionId)).toEqual(['conn-a']);
  });

  it('sets the connection to expire two hours from now (epoch seconds)', async () => {
    const accountId = randomUUID();
    await createWsConnectHandler({ connections: repo(), sessions: new InMemorySessionsRepo() })(
      connectEvent('conn-ttl', accountId, 'demo'),
    );
    const { Item } = await env.dynamo.send(
      new GetCommand({ TableName: env.tables.connections, Key: { pk: 'conn#conn-ttl', sk: 'conn' } }),
    );
    const nowSeconds = Date.now() / 1000;
    expect(Item?.expiresAt).toBeGreaterThan(nowSeconds + 7100);
    expect(Item?.expiresAt).toBeLessThanOrEqual(nowSeconds + 7201);
  });

  it('deletes the connection on $disconnect', async () => {
    const accountId = randomUUID();
    const handler = createWsConnectHandler({ connections: repo(), sessions: new InMemorySessionsRepo() });
    await handler(connectEvent('conn-b', accountId, 'demo'));
    const result = await handler({ requestContext: { eventType: 'DISCONNECT', connectionId: 'conn-b' } });
    expect(result.statusCode).toBe(200);
    expect(await repo().listByStream(accountId, 'demo')).toEqual([]);
  });

  it('refuses a $connect without authorizer context', async () => {
    const result = await createWsConnectHandler({
      connections: repo(),
      sessions: new InMemorySessionsRepo(),
    })({
      requestContext: { eventType: 'CONNECT', connectionId: 'conn-c', authorizer: null },
    });
    expect(result.statusCode).toBe(403);
  });

  it('does not list connections that have expired', async () => {
    const accountId = randomUUID();
    const past = new ConnectionsRepo({
      doc: env.dynamo,
      table: env.tables.connections,
      now: () => Date.now() - 3 * 60 * 60 * 1000,
    });
    await past.put({ connectionId: 'conn-old', accountId, streamName: 'demo', clientId: 'c' });
    expect(await repo().listByStream(accountId, 'demo')).toEqual([]);
  });
});

describe('egress fan-out', () => {
  const repo = () => new ConnectionsRepo({ doc: env.dynamo, table: env.tables.connections });
  // Every subscriber of these tests connected with client-1, a credential its stream still has.
  const streams = {
    get: async (accountId: string, name: string) =>
      ({ name, accountId, enabled: true, credentials: [{ clientId: 'client-1' }] }) as StreamRecord,
  };
  const egress = () =>
    createEgressHandler({
      connections: repo(),
      streams,
      poster: new ConnectionPoster({
        client: new ApiGatewayManagementApiClient({
          endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
        }),
      }),
    });

  it('sends each event, as its event object in one text frame, to the subscribers of its stream only', async () => {
    const accountId = randomUUID();
    const connect = createWsConnectHandler({ connections: repo(), sessions: new InMemorySessionsRepo() });
    const a = await subscriber('sub-a');
    const b = await subscriber('sub-b');
    const other = await subscriber('sub-other');
    await connect(connectEvent('sub-a', accountId, 'demo-1'));
    await connect(connectEvent('sub-b', accountId, 'demo-1'));
    await connect(connectEvent('sub-other', accountId, 'demo-2'));

    const report = await egress()(
      recordsEvent([
        envelope(accountId, 'demo-1', 1),
        envelope(accountId, 'demo-1', 2),
        envelope(randomUUID(), 'demo-2', 3),
      ]),
    );

    expect(report).toMatchObject({ events: 3, deliveries: 4, gone: 0, failedPosts: 0 });
    await waitForFrames(a.frames, 2);
    await waitForFrames(b.frames, 2);
    for (const frames of [a.frames, b.frames]) {
      expect(frames.map((frame) => JSON.parse(frame))).toEqual([
        { n: 1, strmMeta: { consentLevels: [] } },
        { n: 2, strmMeta: { consentLevels: [] } },
      ]);
    }
    expect(other.frames).toEqual([]); // the demo-2 event belongs to another account
  });

  it('removes a connection that has gone and keeps delivering to the others', async () => {
    const accountId = randomUUID();
    // Connected a minute ago: long past the moments in which API Gateway still runs a $connect.
    const aMinuteAgo = new ConnectionsRepo({
      doc: env.dynamo,
      table: env.tables.connections,
      now: () => Date.now() - 60_000,
    });
    const connect = createWsConnectHandler({ connections: aMinuteAgo, sessions: new InMemorySessionsRepo() });
    const stays = await subscriber('sub-stays');
    const leaves = await subscriber('sub-leaves');
    await connect(connectEvent('sub-stays', accountId, 'demo'));
    await connect(connectEvent('sub-leaves', accountId, 'demo'));
    await leaves.close();

    const report = await egress()(
      recordsEvent([envelope(accountId, 'demo', 1), envelope(accountId, 'demo', 2)]),
    );

    expect(report).toMatchObject({ deliveries: 2, gone: 1 });
    await waitForFrames(stays.frames, 2);
    expect((await repo().listByStream(accountId, 'demo')).map((c) => c.connectionId)).toEqual(['sub-stays']);
  });

  it('sends a subscriber that connected with ?batch=true JSON arrays of events over its socket', async () => {
    const accountId = randomUUID();
    const connect = createWsConnectHandler({ connections: repo(), sessions: new InMemorySessionsRepo() });
    const batched = await subscriber('sub-batched');
    await connect({
      ...connectEvent('sub-batched', accountId, 'demo'),
      queryStringParameters: { batch: 'true' },
    });

    const report = await egress()(
      recordsEvent([
        envelope(accountId, 'demo', 1),
        envelope(accountId, 'demo', 2),
        envelope(accountId, 'demo', 3),
      ]),
    );

    expect(report).toMatchObject({ deliveries: 3, messages: 1 });
    await waitForFrames(batched.frames, 1);
    expect(JSON.parse(batched.frames[0]!)).toEqual(
      [1, 2, 3].map((n) => ({ n, strmMeta: { consentLevels: [] } })),
    );
  });

  it('keeps the record of a subscriber whose socket is not open yet ($connect still running), and serves it once it is', async () => {
    const accountId = randomUUID();
    const connect = createWsConnectHandler({ connections: repo(), sessions: new InMemorySessionsRepo() });
    // The record is stored by $connect before API Gateway opens the socket: posts answer 410 meanwhile.
    await connect(connectEvent('sub-connecting', accountId, 'demo'));
    const first = await egress()(recordsEvent([envelope(accountId, 'demo', 1)]));
    const connecting = await subscriber('sub-connecting');

    const second = await egress()(recordsEvent([envelope(accountId, 'demo', 2)]));

    expect(first).toMatchObject({ deliveries: 0, connecting: 1, gone: 0 });
    expect(second).toMatchObject({ deliveries: 1 });
    await waitForFrames(connecting.frames, 1);
    expect(JSON.parse(connecting.frames[0]!)).toEqual({ n: 2, strmMeta: { consentLevels: [] } });
  });

  it('skips and counts records that are not event envelopes', async () => {
    const event = recordsEvent([envelope(randomUUID(), 'demo', 1)]);
    event.Records[0]!.kinesis.data = Buffer.from('not json').toString('base64');
    const report = await egress()(event);
    expect(report).toMatchObject({ events: 0, undecodable: 1 });
  });
});
