import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  connectionsStandIn,
  delayingProxy,
  kinesisStandIn,
  type StandIn,
} from '../../../bench/aws-sim/stand-ins';

/** The aws-sim suite's AWS stand-ins count what they served; the suite's sizes and rates come from that. */
describe('aws-sim stand-ins', () => {
  const opened: StandIn[] = [];
  let upstream: Server | undefined;
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((standIn) => standIn.close()));
    if (upstream) {
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => upstream!.close(() => resolve()));
      upstream = undefined;
    }
  });

  it('gives every PutRecords entry a sequence number and counts its data and partition key bytes', async () => {
    // Prepare
    const kinesis = await kinesisStandIn(0);
    opened.push(kinesis);
    const records = [
      { Data: Buffer.alloc(1_000, 1).toString('base64'), PartitionKey: 'abc' },
      { Data: Buffer.alloc(300, 2).toString('base64'), PartitionKey: 'de' },
    ];

    // Act
    const response = await fetch(kinesis.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ StreamName: 's', Records: records }),
    });
    const answer = (await response.json()) as {
      FailedRecordCount: number;
      Records: { SequenceNumber: string }[];
    };

    // Assess
    expect(answer.FailedRecordCount).toBe(0);
    expect(new Set(answer.Records.map((r) => r.SequenceNumber)).size).toBe(2);
    expect(kinesis.stats()).toMatchObject({ requests: 1, records: 2, recordBytes: 1_000 + 3 + 300 + 2 });
  });

  it('takes every post to a connection and counts its bytes', async () => {
    // Prepare
    const connections = await connectionsStandIn(0);
    opened.push(connections);

    // Act
    const statuses: number[] = [];
    for (const frame of ['x'.repeat(10), 'y'.repeat(30)]) {
      const response = await fetch(`${connections.url}/@connections/c1`, { method: 'POST', body: frame });
      statuses.push(response.status);
    }

    // Assess
    expect(statuses).toEqual([200, 200]);
    expect(connections.stats()).toMatchObject({ requests: 2, bytesIn: 40 });
  });

  it('forwards a request unchanged, headers included, and answers with what the upstream answered', async () => {
    // Prepare
    let seen: { path?: string; signature?: string; body?: string } = {};
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        seen = { path: req.url, signature: req.headers.authorization, body };
        res.writeHead(201, { 'x-upstream': 'yes' }).end('answer');
      });
    });
    await new Promise<void>((resolve) => upstream!.listen(0, '127.0.0.1', resolve));
    const proxy = await delayingProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, 0);
    opened.push(proxy);

    // Act
    const response = await fetch(`${proxy.url}/table?x=1`, {
      method: 'POST',
      headers: { authorization: 'AWS4-HMAC-SHA256 signed' },
      body: 'request body',
    });

    // Assess
    expect([response.status, response.headers.get('x-upstream'), await response.text()]).toEqual([
      201,
      'yes',
      'answer',
    ]);
    expect(seen).toEqual({ path: '/table?x=1', signature: 'AWS4-HMAC-SHA256 signed', body: 'request body' });
    expect(proxy.stats()).toMatchObject({ requests: 1, bytesIn: 'request body'.length });
  });
});
