/**
 * The hardware's ceiling for ingest on this machine: a bare `node:http` server doing exactly the core's
 * per-event work — strict JSON decode, strmMeta, contract lookup and validation, the keyed hash of the
 * key-field value, every PII field sealed (AES-SIV, Tink format), strmMeta stamped, the Kinesis envelope
 * encoded — and nothing else: no token, no storage, no network behind it (each session's key is made once
 * and kept in memory). `POST /event` answers 204, `POST /events` (a JSON array) a result per event, as the
 * stack does. Run as a child process by the bench (one core), which tells it nothing and reads its port.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findBuiltinContract } from '../../lambdas/core/contracts';
import { AppError } from '../../lambdas/core/errors';
import { incomingEvent, sealEvent } from '../../lambdas/core/event-crypto';
import { encodeEnvelope, envelopeRecord } from '../../lambdas/core/event-envelope';
import { decodeEvent } from '../../lambdas/core/event-serialization';
import { isJsonObject } from '../../lambdas/core/field-path';
import { httpStatusOf } from '../../lambdas/core/http-status';
import { parseJsonBytes } from '../../lambdas/core/json-text';
import { keyedHash } from '../../lambdas/core/keyed-hash';
import { newStrmStamp, readStrmMeta } from '../../lambdas/core/strm-meta';
import { generateTinkAesSivKey, TinkDeterministicAead } from '../../lambdas/core/tink-daead';

const SCOPE = 'bench-account/winston@2025-01-01T00:00:00.000Z';
const LOOKUP_SECRET = randomBytes(32);
const keys = new Map<string, { keyLinkId: string; aead: TinkDeterministicAead }>();

/** The sealed record bytes of one decoded event (what ingest hands to Kinesis). */
function seal(event: Record<string, unknown>): Uint8Array {
  const meta = readStrmMeta(event);
  const incoming = incomingEvent(event, meta, findBuiltinContract(meta.contractRef));
  const keyHash = keyedHash(LOOKUP_SECRET, SCOPE, incoming.keyFieldValue, '');
  let key = keys.get(keyHash);
  if (!key) {
    key = {
      keyLinkId: randomBytes(16).toString('hex'),
      aead: new TinkDeterministicAead(generateTinkAesSivKey()),
    };
    keys.set(keyHash, key);
  }
  const sealed = sealEvent(incoming, key.aead, newStrmStamp(key.keyLinkId, Date.now(), null));
  const target = {
    accountId: 'bench-account',
    stream: 'winston',
    streamCreatedAt: '2025-01-01T00:00:00.000Z',
    contractRef: incoming.contract.ref,
  };
  return encodeEnvelope(envelopeRecord(target, sealed, key.keyLinkId).envelope);
}

function resultOf(event: unknown, index: number): { index: number; status: number; reason?: string } {
  try {
    if (!isJsonObject(event)) return { index, status: 400, reason: 'event must be a JSON object' };
    seal(event);
    return { index, status: 204 };
  } catch (error) {
    return {
      index,
      status: httpStatusOf(error),
      reason: error instanceof AppError ? error.message : 'internal error',
    };
  }
}

function serve(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  try {
    if (req.url === '/event') {
      seal(decodeEvent(body, 'application/json'));
      res.writeHead(204).end();
      return;
    }
    const events = parseJsonBytes(body, 'body', 65);
    if (!Array.isArray(events)) throw new AppError('bad_request', 'invalid_request', 'not an array');
    const results = events.map(resultOf);
    const accepted = results.filter((r) => r.status === 204).length;
    const text = JSON.stringify({ accepted, rejected: results.length - accepted, results });
    res.writeHead(200, { 'content-type': 'application/json' }).end(text);
  } catch (error) {
    const status = httpStatusOf(error);
    res
      .writeHead(status, { 'content-type': 'text/plain' })
      .end(error instanceof AppError ? error.message : 'internal error');
  }
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/cpu') {
    // Microseconds of CPU this process has used: the bench tells how busy its one core was.
    const { user, system } = process.cpuUsage();
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ cpuMicros: user + system }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => serve(req, res, Buffer.concat(chunks)));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
