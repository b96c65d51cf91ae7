import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * In-process stand-ins for the AWS endpoints of the aws-sim suite, each answering after a stated latency:
 * a delaying proxy in front of an emulator (DynamoDB, KMS: real data, real SigV4 checks), a Kinesis that
 * takes every PutRecords, an `@connections` that takes every post. Each counts what it served.
 */

export interface StandInStats {
  /** Requests served. */
  requests: number;
  /** Answers the upstream (the emulator) itself took longer than the stated latency for. */
  late: number;
  /** Request body bytes received. */
  bytesIn: number;
  /** Kinesis: records written, and their billed bytes (data blob + partition key). */
  records: number;
  recordBytes: number;
}

export interface StandIn {
  url: string;
  stats(): StandInStats;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function listen(
  handle: (req: IncomingMessage, res: ServerResponse, counts: StandInStats) => Promise<void>,
): Promise<StandIn> {
  const counts: StandInStats = { requests: 0, late: 0, bytesIn: 0, records: 0, recordBytes: 0 };
  const server: Server = createServer((req, res) => {
    counts.requests++;
    handle(req, res, counts).catch(() => res.writeHead(500).end());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Forwards every request unchanged (signature headers included, so the emulator's SigV4 check still
 * applies) and answers no earlier than `latencyMs` after it arrived. `late` counts the answers the
 * emulator itself took longer for.
 */
export function delayingProxy(upstream: string, latencyMs: number): Promise<StandIn> {
  const target = new URL(upstream);
  return listen(async (req, res, counts) => {
    const arrived = performance.now();
    const body = await readBody(req);
    counts.bytesIn += body.length;
    const answer = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>(
      (resolve, reject) => {
        const forwarded = request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (response) => {
            readBody(response).then(
              (data) =>
                resolve({ status: response.statusCode ?? 500, headers: response.headers, body: data }),
              reject,
            );
          },
        );
        forwarded.on('error', reject);
        forwarded.end(body);
      },
    );
    const left = latencyMs - (performance.now() - arrived);
    if (left > 0) await sleep(left);
    else counts.late++;
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers).end(answer.body);
  });
}

/** Kinesis taking every PutRecords (awsJson1_1) after `latencyMs`: every record gets a sequence number. */
export function kinesisStandIn(latencyMs: number): Promise<StandIn> {
  let sequence = 0n;
  return listen(async (req, res, counts) => {
    const arrived = performance.now();
    const body = await readBody(req);
    counts.bytesIn += body.length;
    const input = JSON.parse(body.toString('utf8')) as {
      Records?: { Data?: string; PartitionKey?: string }[];
    };
    for (const record of input.Records ?? []) {
      counts.records++;
      counts.recordBytes +=
        Buffer.from(record.Data ?? '', 'base64').length + Buffer.byteLength(record.PartitionKey ?? '');
    }
    const records = (input.Records ?? []).map(() => ({
      SequenceNumber: String(49_000_000_000_000_000_000_000_000_000n + sequence++),
      ShardId: 'shardId-000000000000',
    }));
    const left = latencyMs - (performance.now() - arrived);
    if (left > 0) await sleep(left);
    const text = JSON.stringify({ FailedRecordCount: 0, Records: records });
    res
      .writeHead(200, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(text),
      })
      .end(text);
  });
}

/** `@connections` taking every post after `latencyMs` (200, no body). */
export function connectionsStandIn(latencyMs: number): Promise<StandIn> {
  return listen(async (req, res, counts) => {
    const arrived = performance.now();
    const body = await readBody(req);
    counts.bytesIn += body.length;
    const left = latencyMs - (performance.now() - arrived);
    if (left > 0) await sleep(left);
    res.writeHead(200, { 'content-length': '0' }).end();
  });
}
