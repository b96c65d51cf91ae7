import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { clickEvent, createStream, sendEvent, signedInUser, streamToken } from '../support/stack-api';

/**
 * A bounded property-based fuzz of `POST /event` and `/v1` through the local stack (gateway, workers,
 * emulators): whatever arrives — any method, path, header, content type, body bytes (invalid UTF-8
 * included), JSON of any shape or nesting, valid tokens or not — the answer is never a 5xx, and the stack
 * keeps serving. A small number of cases, every one of them run (no time limit that could end the fuzz
 * early); the bulk of the fuzzing is at handler level (test/unit/handlers/management-fuzz.test.ts).
 */
const PASSWORD = 'fuzzing passphrase of some length';
const CASES = 1000;
let stack: LocalStack;
let dataDir: string;
let userToken: string;
let eventToken: string;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  dataDir = mkdtempSync(join(tmpdir(), 'ps-fuzz-'));
  stack = await startLocalStack({ port: 0, dataDir, quiet: true, log: () => undefined });
  userToken = (await signedInUser(stack.apiUrl, 'fuzz@example.com', PASSWORD)).accessToken;
  const credentials = await createStream(stack.apiUrl, userToken, { name: 'fuzz-target-stream' });
  await createStream(stack.apiUrl, userToken, { linkedStream: 'fuzz-target-stream', consentLevels: [0] });
  eventToken = await streamToken(stack.apiUrl, credentials);
});

afterAll(async () => {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** JSON nested `depth` levels deep, in arrays or objects. */
const nested = fc
  .tuple(fc.integer({ min: 1, max: 1000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/** A valid clickstream event with one field replaced by anything JSON can say. */
const mutatedEvent = fc
  .tuple(
    fc.constantFrom('strmMeta', 'producerSessionId', 'url', 'customer', 'eventType', 'abTests', 'conversion'),
    fc.jsonValue({ maxDepth: 4 }),
  )
  .map(([field, value]) => JSON.stringify({ ...clickEvent('fuzz-session', 'm'), [field]: value }));

const body = fc.oneof(
  mutatedEvent,
  fc.json({ maxDepth: 6 }),
  nested,
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(''),
);

const contentType = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/octet-stream',
    ),
    fc.string({ maxLength: 40 }),
  ),
  { nil: undefined },
);

/** Header values fetch accepts (no CR, LF, NUL, and Latin-1 only). */
const headerValue = fc.string({ maxLength: 60 }).map((v) => v.replace(/[^\x20-\x7e]/g, ''));

const authorization = (valid: () => string) =>
  fc
    .oneof(
      fc.constant(undefined),
      fc.constant('VALID'),
      headerValue.map((v) => `Bearer ${v}`),
      headerValue,
    )
    .map((a) => (a === 'VALID' ? `Bearer ${valid()}` : a));

function headersOf(entries: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).filter((e): e is [string, string] => e[1] !== undefined));
}

async function status(url: string, init: RequestInit): Promise<number> {
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return response.status;
}

describe('fuzzing the public API', () => {
  it(`POST /event never answers 5xx, in ${CASES} cases`, async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        body,
        contentType,
        fc.option(fc.constantFrom('application/json', 'application/x-avro-binary', 'x'), { nil: undefined }),
        authorization(() => eventToken),
        async (payload, type, serialization, auth) => {
          runs++;
          const headers = headersOf({
            'content-type': type,
            'strm-serialization-type': serialization,
            authorization: auth,
          });
          const code = await status(`${stack.apiUrl}/event`, { method: 'POST', headers, body: payload });
          expect(code).toBeLessThan(500);
        },
      ),
      { numRuns: CASES },
    );
    expect(runs).toBe(CASES);
  }, 120_000);

  it(`/v1 never answers 5xx, whatever the method, path, body and token, in ${CASES} cases`, async () => {
    let runs = 0;
    const segment = fc.oneof(
      fc.constantFrom(
        'streams',
        'fuzz-target-stream',
        'credentials',
        'usage',
        'key-links',
        'contracts',
        'me',
        'auth',
        'schemas',
        'batch-exporters',
        'users',
        'read-token',
        'files',
      ),
      fc.string({ maxLength: 30 }).map(encodeURIComponent),
    );
    const path = fc.oneof(
      fc.constantFrom(
        '/v1/accounts',
        '/v1/auth/login',
        '/v1/auth/refresh',
        '/v1/auth/logout',
        '/v1/auth/password',
        '/v1/streams',
        '/v1/contracts',
        '/v1/data-subjects/forget',
        '/v1/schemas',
        '/v1/users',
        '/v1/batch-exporters',
        '/v1/streams/fuzz-target-stream/read-token',
      ),
      fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => `/v1/${parts.join('/')}`),
    );
    const v1Body = fc.oneof(
      body,
      fc
        .record({ email: fc.oneof(fc.emailAddress(), fc.string()), password: fc.string({ maxLength: 40 }) })
        .map((b) => JSON.stringify(b)),
      fc.record({ refreshToken: fc.string() }).map((b) => JSON.stringify(b)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
        path,
        v1Body,
        authorization(() => userToken),
        async (method, target, payload, auth) => {
          runs++;
          const headers = headersOf({ 'content-type': 'application/json', authorization: auth });
          const init: RequestInit = { method, headers, body: method === 'GET' ? undefined : payload };
          const code = await status(`${stack.apiUrl}${target}`, init);
          expect(code).toBeLessThan(500);
        },
      ),
      { numRuns: CASES },
    );
    expect(runs).toBe(CASES);
  }, 120_000);

  it('keeps serving afterwards: ready, and a valid event to a new stream is accepted', async () => {
    // (the fuzz may have deleted its target stream, as a valid DELETE can)
    expect(await status(`${stack.apiUrl}/ready`, {})).toBe(200);
    const fresh = await createStream(stack.apiUrl, userToken, { name: 'after-the-fuzz' });
    const token = await streamToken(stack.apiUrl, fresh);
    expect((await sendEvent(stack.apiUrl, token, clickEvent('after-fuzz', 'ok'))).status).toBe(204);
  });
});
