import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { SignedConnectionPoster } from '../../../lambdas/aws/signed-connection-poster';
import { verifyRequestSignature } from '../../../local/request-signature';

const REGION = 'eu-west-1';
const CREDENTIALS = {
  accessKeyId: 'AKIDTEST',
  secretAccessKey: 'secret-for-tests',
  sessionToken: 'session-1',
};

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** An @connections stand-in on 127.0.0.1:0: records each request and answers with the scripted status. */
let server: Server;
let received: Received[] = [];
let answer: { status: number; errorType?: string } = { status: 200 };
let endpoint: string;
let sockets = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (answer.errorType) headers['x-amzn-errortype'] = answer.errorType;
      res.writeHead(answer.status, headers).end(answer.status === 200 ? '' : '{"message":"no"}');
    });
  });
  server.on('connection', () => sockets++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(() => {
  received = [];
  answer = { status: 200 };
});

function sdkClient() {
  return new ApiGatewayManagementApiClient({
    region: REGION,
    endpoint,
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });
}

function poster() {
  return new SignedConnectionPoster({ endpoint, client: sdkClient() });
}

describe('SignedConnectionPoster', () => {
  it('posts the frame as UTF-8 bytes to <stage>/@connections/<connection id>, as the SDK does', async () => {
    // Prepare
    await sdkClient().send(
      new PostToConnectionCommand({ ConnectionId: 'Ab+c/d=', Data: Buffer.from('{"n":"é"}') }),
    );
    const bySdk = received[0]!;
    // Act
    const outcome = await poster().post('Ab+c/d=', '{"n":"é"}');
    // Assess
    const ours = received[1]!;
    expect(outcome).toBe('ok');
    expect([ours.method, ours.url, ours.headers['content-type']]).toEqual([
      bySdk.method,
      bySdk.url,
      bySdk.headers['content-type'],
    ]);
    expect(ours.body.toString('utf8')).toBe('{"n":"é"}');
  });

  it('signs the request (SigV4, execute-api, with the session token) so that a verifier accepts it', async () => {
    // Act
    await poster().post('conn-1', '{"n":1}');
    // Assess
    const request = received[0]!;
    expect(request.headers['x-amz-security-token']).toBe('session-1');
    expect(
      await verifyRequestSignature(request, {
        credentials: CREDENTIALS,
        region: REGION,
        service: 'execute-api',
      }),
    ).toBeUndefined();
  });

  it('is refused by a verifier expecting other credentials', async () => {
    // Act
    await poster().post('conn-1', '{"n":1}');
    // Assess
    const other = { ...CREDENTIALS, secretAccessKey: 'another secret' };
    expect(
      await verifyRequestSignature(received[0]!, {
        credentials: other,
        region: REGION,
        service: 'execute-api',
      }),
    ).toMatchObject({ reason: 'mismatch' });
  });

  it("answers 'gone' for a 410 (GoneException)", async () => {
    // Prepare
    answer = { status: 410, errorType: 'GoneException' };
    // Act / Assess
    expect(await poster().post('conn-1', 'x')).toBe('gone');
  });

  it("answers 'throttled' for a 429 (LimitExceededException, the account throttle)", async () => {
    // Prepare
    answer = { status: 429, errorType: 'LimitExceededException' };
    // Act / Assess
    expect(await poster().post('conn-1', 'x')).toBe('throttled');
  });

  it('throws an error named after the error type for any other refusal', async () => {
    // Prepare
    answer = { status: 413, errorType: 'PayloadTooLargeException:http://internal.amazon.com/coral/' };
    // Act
    const failure = poster().post('conn-1', 'x'.repeat(10));
    // Assess
    await expect(failure).rejects.toMatchObject({ name: 'PayloadTooLargeException' });
  });

  it('reuses its socket for consecutive posts', async () => {
    // Prepare
    const sender = poster();
    const before = sockets;
    // Act
    await sender.post('conn-1', 'a');
    await sender.post('conn-1', 'b');
    await sender.post('conn-1', 'c');
    // Assess
    expect(received).toHaveLength(3);
    expect(sockets - before).toBe(1);
  });
});
