import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import WebSocket from 'ws';
import { type Emulators, startEmulators } from '../../../local/emulators';
import { type EventSourceMapping, startEventSourceMapping } from '../../../local/event-source-mapping';
import { type Gateway, startGateway } from '../../../local/gateway';
import { localKinesisClient } from '../../../local/local-clients';
import { ensureLocalResources, LOCAL_STREAMS } from '../../../local/resources';
import { allowPolicy } from '../../support/authorizer-policy';
import { h2Request } from '../../support/h2-request';
import { shapeDifferences } from './event-shape';

const SAMPLES = join(__dirname, '../../fixtures/aws-events');
const sample = (name: string): unknown => JSON.parse(readFileSync(join(SAMPLES, name), 'utf8'));

async function eventually<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A POST over node:http with exactly these headers (fetch adds its own). */
function http1Request(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

type Captured = Record<
  'ingest' | 'token' | 'sts' | 'management' | 'health' | 'ws-authorizer' | 'ws-connect' | 'kinesis',
  unknown[]
>;

describe('events handed to handlers have the shapes of real AWS events', () => {
  const captured: Captured = {
    ingest: [],
    token: [],
    sts: [],
    management: [],
    health: [],
    'ws-authorizer': [],
    'ws-connect': [],
    kinesis: [],
  };
  let emulators: Emulators;
  let gateway: Gateway;
  let mapping: EventSourceMapping;
  const kinesis = { client: undefined as ReturnType<typeof localKinesisClient> | undefined };

  beforeAll(async () => {
    emulators = await startEmulators();
    await ensureLocalResources(emulators);
    const record = (name: keyof Captured, result: unknown) => async (event: unknown) => {
      captured[name].push(event);
      return result;
    };
    gateway = await startGateway({
      port: 0,
      handlers: {
        ingest: record('ingest', { statusCode: 204 }),
        token: record('token', { statusCode: 200, body: '{}' }),
        sts: record('sts', { statusCode: 200, body: '{}' }),
        management: record('management', { statusCode: 200, body: '{}' }),
        health: record('health', { status: 'ok' }),
        'ws-authorizer': async (event: unknown) => {
          captured['ws-authorizer'].push(event);
          return allowPolicy(event);
        },
        'ws-connect': record('ws-connect', { statusCode: 200 }),
      },
    });
    kinesis.client = localKinesisClient({
      endpoint: emulators.kinesisUrl,
      credentials: emulators.credentials,
    });
    mapping = await startEventSourceMapping({
      kinesis: kinesis.client,
      streamName: LOCAL_STREAMS.sourceEvents,
      functionName: 'fidelity',
      handler: record('kinesis', undefined),
      startingPosition: 'TRIM_HORIZON',
      pollIntervalMs: 20,
    });
  });

  afterAll(async () => {
    await mapping?.stop();
    await gateway?.close();
    kinesis.client?.destroy();
    await emulators?.close();
  });

  it('the shape comparison notices a missing key, an unexpected key and a changed type', () => {
    const reference = { a: 1, b: { c: 'x' }, h: { k: 'v' } };
    expect(
      shapeDifferences(reference, { a: 1, b: { c: 'x' }, h: { other: 'w' } }, { maps: ['$.h'] }),
    ).toEqual([]);
    expect(shapeDifferences(reference, { b: { c: 'x', d: 1 }, h: { k: 2 } }, { maps: ['$.h'] })).toEqual([
      '$.a: missing',
      '$.b.d: not in the sample',
      '$.h.k: number instead of string',
    ]);
    expect(shapeDifferences(reference, { a: '1', b: { c: 'x' }, h: {} }, { maps: ['$.h'] })).toEqual([
      '$.a: string instead of number',
    ]);
  });

  describe('HTTP API payload v2', () => {
    // Optional fields of the v2 format that the sample request did not need.
    const extras = ['$.body', '$.cookies', '$.queryStringParameters', '$.pathParameters'];

    it('matches http-api-v2-request.json for a proxy route with query, cookies and a JSON body', async () => {
      const response = await fetch(`${gateway.url}/v1/streams/demo?a=1&a=2&b=x%20y`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: 'c1=v1; c2=v2', authorization: 'Bearer foo' },
        body: JSON.stringify({ name: 'demo' }),
      });
      expect(response.status).toBe(200);
      const event = captured.management.at(-1) as Record<string, unknown>;
      expect(
        shapeDifferences(sample('http-api-v2-request.json'), event, { maps: ['$.headers'], extras }),
      ).toEqual([]);
      expect(event).toMatchObject({
        version: '2.0',
        routeKey: 'ANY /v1/{proxy+}',
        rawPath: '/v1/streams/demo',
        rawQueryString: 'a=1&a=2&b=x%20y',
        cookies: ['c1=v1', 'c2=v2'],
        queryStringParameters: { a: '1,2', b: 'x y' },
        pathParameters: { proxy: 'streams/demo' },
        body: '{"name":"demo"}',
        isBase64Encoded: false,
        requestContext: { routeKey: 'ANY /v1/{proxy+}', stage: '$default', http: { method: 'POST' } },
      });
      expect((event.headers as Record<string, string>).cookie).toBeUndefined();
      expect((event.headers as Record<string, string>).authorization).toBe('Bearer foo');
    });

    it('matches the sample exactly (no extras) for a body-less request without query', async () => {
      await fetch(`${gateway.url}/ready`);
      const event = captured.health.at(-1);
      expect(shapeDifferences(sample('http-api-v2-request.json'), event, { maps: ['$.headers'] })).toEqual(
        [],
      );
    });

    it('gives an HTTP/2 request (h2c with prior knowledge, :scheme https) the same event as HTTP/1.1', async () => {
      // Prepare
      const path = '/v1/streams/demo?a=1&a=2&b=x%20y';
      const headers = {
        'content-type': 'application/json',
        cookie: 'c1=v1; c2=v2',
        authorization: 'Bearer foo',
      };
      await http1Request(`${gateway.url}${path}`, headers, '{"name":"demo"}');
      const overHttp1 = captured.management.at(-1) as Record<string, unknown>;
      // Act
      const status = await h2Request(
        gateway.url,
        { ':method': 'POST', ':path': path, ...headers },
        '{"name":"demo"}',
      );
      // Assess
      expect(status).toBe(200);
      const overHttp2 = captured.management.at(-1) as Record<string, unknown>;
      expect(
        shapeDifferences(sample('http-api-v2-request.json'), overHttp2, {
          maps: ['$.headers'],
          extras: ['$.body', '$.cookies', '$.queryStringParameters', '$.pathParameters'],
        }),
      ).toEqual([]);
      const comparable = (event: Record<string, unknown>) => {
        const {
          requestContext,
          headers: eventHeaders,
          ...rest
        } = event as {
          requestContext: Record<string, unknown>;
          headers: Record<string, string>;
        };
        const { requestId, time, timeEpoch, http, ...context } = requestContext;
        const { 'x-amzn-trace-id': trace, 'content-length': length, ...kept } = eventHeaders;
        return { ...rest, requestContext: context, headers: kept };
      };
      expect(comparable(overHttp2)).toEqual(comparable(overHttp1));
      expect((overHttp2.requestContext as { http: { protocol: string } }).http.protocol).toBe('HTTP/2.0');
      expect(Object.keys(overHttp2.headers as object).some((name) => name.startsWith(':'))).toBe(false);
    });

    it('passes a binary body base64-encoded with isBase64Encoded true', async () => {
      const bytes = Buffer.from([0, 1, 2, 250, 251]);
      await fetch(`${gateway.url}/event`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      const event = captured.ingest.at(-1) as { body: string; isBase64Encoded: boolean; routeKey: string };
      expect(event.routeKey).toBe('POST /event');
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body, 'base64').equals(bytes)).toBe(true);
    });
  });

  describe('WebSocket API', () => {
    it('sends the $connect authorizer the event of websocket-connect-authorizer-request.json', async () => {
      const ws = new WebSocket(`${gateway.wsUrl}?token=abc&x=1`, { headers: { Authorization: 'Bearer t' } });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const event = captured['ws-authorizer'].at(-1) as Record<string, unknown>;
      const maps = [
        '$.headers',
        '$.multiValueHeaders',
        '$.queryStringParameters',
        '$.multiValueQueryStringParameters',
      ];
      expect(shapeDifferences(sample('websocket-connect-authorizer-request.json'), event, { maps })).toEqual(
        [],
      );
      expect(event).toMatchObject({
        type: 'REQUEST',
        queryStringParameters: { token: 'abc', x: '1' },
        multiValueQueryStringParameters: { token: ['abc'], x: ['1'] },
        requestContext: { routeKey: '$connect', eventType: 'CONNECT' },
      });
      expect(event.methodArn).toMatch(/^arn:aws:execute-api:us-east-1:\d{12}:[^/]+\/[^/]+\/\$connect$/);
      expect((event.headers as Record<string, string>).Authorization).toBe('Bearer t');

      const connect = captured['ws-connect'].at(-1) as { requestContext: Record<string, unknown> };
      expect(connect.requestContext).toMatchObject({
        routeKey: '$connect',
        eventType: 'CONNECT',
        connectionId: (event.requestContext as { connectionId: string }).connectionId,
        authorizer: { accountId: 'acc-1', stream: 'demo', clientId: 'client-1', principalId: 'client-1' },
      });

      const before = captured['ws-connect'].length;
      ws.close();
      const disconnect = (await eventually(() => captured['ws-connect'][before], '$disconnect')) as {
        requestContext: Record<string, unknown>;
      };
      expect(disconnect.requestContext).toMatchObject({
        routeKey: '$disconnect',
        eventType: 'DISCONNECT',
        connectionId: connect.requestContext.connectionId,
      });
    });
  });

  describe('Kinesis event source mapping', () => {
    it('invokes with the event of kinesis-stream-event.json', async () => {
      await kinesis.client!.send(
        new PutRecordCommand({
          StreamName: LOCAL_STREAMS.sourceEvents,
          PartitionKey: 'pk-1',
          Data: Buffer.from('{"hello":"world"}'),
        }),
      );
      const event = (await eventually(() => captured.kinesis[0], 'a Kinesis batch')) as {
        Records: Array<{
          kinesis: { data: string; partitionKey: string; sequenceNumber: string };
          eventID: string;
        }>;
      };
      expect(shapeDifferences(sample('kinesis-stream-event.json'), event, {})).toEqual([]);
      const [record] = event.Records;
      expect(Buffer.from(record!.kinesis.data, 'base64').toString()).toBe('{"hello":"world"}');
      expect(record!.kinesis.partitionKey).toBe('pk-1');
      expect(record!.eventID).toMatch(new RegExp(`^shardId-\\d{12}:${record!.kinesis.sequenceNumber}$`));
      expect(event.Records[0]).toMatchObject({
        eventSource: 'aws:kinesis',
        eventName: 'aws:kinesis:record',
        eventSourceARN: expect.stringMatching(/^arn:aws:kinesis:us-east-1:\d{12}:stream\/ps-source-events$/),
      });
    });
  });
});
