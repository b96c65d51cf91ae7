import fc from 'fast-check';
import { managementRoutes } from '../../../lambdas/http/management-routes';
import type { ManagementPorts } from '../../../lambdas/use-cases/management/ports';
import {
  type ManagementRequest,
  managementApi,
  managementRequest,
  responseBody,
} from '../../support/management-api';

/**
 * The bulk of the fuzzing, at handler level: every route of the management API (read from its route
 * table, so a new route is fuzzed too), with each path parameter either a value that exists or anything,
 * any method, any body (JSON of any shape, nesting up to 100,000 levels, bytes that are not UTF-8) and any
 * token (the owner's, a stream's, garbage, none), through createManagementHandler over in-memory fakes.
 * The answer is never a 5xx. A fixed number of cases, all of them run (no time limit that could end it
 * early); test/e2e/fuzz.test.ts keeps a small fuzz against the running stack.
 */
// Real scrypt hashes, at the fixtures' tiny N: sign-ups, teammates, password changes and logins of the
// fuzz would otherwise cost 2^14 each (verifyPassword stays the real one and reads N from the hash).
jest.mock('../../../lambdas/core/passwords', () => {
  const real = jest.requireActual('../../../lambdas/core/passwords');
  const { fixturePasswordHash } = jest.requireActual('../../support/password-hashes');
  const decoy = fixturePasswordHash('decoy of the fuzz');
  return {
    ...real,
    hashPassword: async (password: string) => fixturePasswordHash(password),
    decoyPasswordHash: async () => decoy,
  };
});

const CASES = 20_000;
const EMAIL = 'fuzz@example.com';
const PASSWORD = 'fuzzing passphrase of some length';

type Api = ReturnType<typeof managementApi>;
const call = (api: Api, request: ManagementRequest) => api.handler(managementRequest(request));

/** The route table's routes, e.g. `DELETE /v1/streams/:name/credentials/:clientId`. */
const ROUTES = managementRoutes(undefined as unknown as ManagementPorts).map(({ method, path }) => ({
  method,
  path,
}));
const ROUTE_PATHS = [...new Set(ROUTES.map((r) => r.path))];

/** What exists in the fuzzed account, to be named by the path parameters. */
interface Existing {
  params: Record<string, string[]>;
  /**
   * The owner's access token of a new session: one per case, since a case may end the sessions it knows
   * (a password change, a logout), which would leave the rest of the fuzz unauthenticated.
   */
  ownerToken: () => Promise<string>;
  streamToken: string;
}

/** Stands for the owner's token in a generated case; replaced by a fresh one when the case runs. */
const OWNER = 'Bearer <owner>';

async function expectCreated(what: string, answer: Promise<{ statusCode?: number; body?: string }>) {
  const result = await answer;
  if (result.statusCode !== 201 && result.statusCode !== 200) {
    throw new Error(`setting up the fuzz: ${what} → ${result.statusCode} ${result.body}`);
  }
  return responseBody(result);
}

/** An account with a stream, a derived stream, a schema, a contract, a teammate and an exporter. */
async function givenAccount(api: Api): Promise<Existing> {
  const account = await expectCreated(
    'sign-up',
    call(api, { method: 'POST', path: '/v1/accounts', body: { email: EMAIL, password: PASSWORD } }),
  );
  const token = await api.userToken(account.accountId, EMAIL);
  const post = (path: string, body: unknown) =>
    expectCreated(`POST ${path}`, call(api, { method: 'POST', path, token, body }));
  const stream = await post('/v1/streams', { name: 'fuzz-target' });
  await post('/v1/streams', { linkedStream: 'fuzz-target', consentLevels: [0] });
  await post('/v1/schemas', {
    ref: 'fuzz/thing/1.0.0',
    type: 'JSONSCHEMA',
    definition: { type: 'object', properties: { id: { type: 'string' } } },
  });
  await post('/v1/contracts', {
    ref: 'fuzz/thing-contract/1.0.0',
    schemaRef: 'fuzz/thing/1.0.0',
    keyField: 'id',
    piiFields: {},
    validations: [],
  });
  await post('/v1/users', { email: 'mate@example.com', password: PASSWORD });
  await post('/v1/batch-exporters', { stream: 'fuzz-target' });
  const clientId: string = stream.credentials.clientId;
  const streamTokens = await api.tokens.issueStreamTokens({
    clientId,
    accountId: account.accountId,
    stream: 'fuzz-target',
    derived: false,
  });
  return {
    ownerToken: () => api.userToken(account.accountId, EMAIL),
    streamToken: streamTokens.accessToken,
    params: {
      name: ['fuzz-target', 'fuzz-target-0', 'fuzz-target-export'],
      email: [EMAIL, 'mate@example.com'],
      clientId: [clientId],
      handle: ['fuzz', 'strmprivacy'],
      version: ['1.0.0'],
      ref: ['fuzz/thing/1.0.0', encodeURIComponent('fuzz/thing/1.0.0')],
      id: ['00000000-0000-4000-8000-000000000000'],
      file: ['part-0000.jsonl'],
    },
  };
}

/** Anything a path segment can carry, encoded as a client would send it. */
const anySegment = fc.oneof(
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom('', '..', '%', '%ZZ', '%00', 'a'.repeat(300)),
);

/** A route's path with each `:param` a value that exists or anything. */
function pathOf(template: string, existing: Existing): fc.Arbitrary<string> {
  const parts = template
    .split('/')
    .map((part) =>
      part.startsWith(':')
        ? fc.oneof(fc.constantFrom(...(existing.params[part.slice(1)] ?? ['x'])), anySegment)
        : fc.constant(part),
    );
  return fc.tuple(...parts).map((segments) => segments.join('/'));
}

/** JSON nested `depth` levels deep, in arrays or objects. */
const deeplyNested = fc
  .tuple(fc.integer({ min: 1, max: 100_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/** Bodies the routes that read one accept, by route, for one of their fields to be replaced by anything. */
const VALID_BODIES: Record<string, Record<string, unknown>[]> = {
  'POST /v1/accounts': [{ email: 'new@example.com', password: PASSWORD }],
  'POST /v1/auth/login': [{ email: EMAIL, password: PASSWORD }],
  'POST /v1/auth/refresh': [{ refreshToken: 'x' }],
  'POST /v1/auth/logout': [{ refreshToken: 'x' }],
  'POST /v1/auth/password': [{ currentPassword: PASSWORD, newPassword: `${PASSWORD} 2` }],
  'POST /v1/users': [{ email: 'new@example.com', password: PASSWORD }],
  'POST /v1/streams': [
    { name: 'another-stream', description: 'x' },
    { linkedStream: 'fuzz-target', consentLevels: [0, 1] },
  ],
  'POST /v1/schemas': [
    { ref: 'fuzz/other/1.0.0', type: 'JSONSCHEMA', definition: { type: 'object' } },
    { ref: 'fuzz/avro/1.0.0', type: 'AVRO', definition: { type: 'record', name: 'R', fields: [] } },
  ],
  'POST /v1/contracts': [
    { ref: 'fuzz/c/1.0.0', schemaRef: 'fuzz/thing/1.0.0', keyField: 'id', piiFields: {}, validations: [] },
  ],
  'POST /v1/batch-exporters': [{ stream: 'fuzz-target-0', interval: 60, pathPrefix: 'p' }],
  'POST /v1/data-subjects/forget': [{ dataSubject: 'subject-1' }],
};
const ANY_VALID_BODY = Object.values(VALID_BODIES).flat();

/** A valid body with one field (or a new one) anything JSON can say, or nested up to 100,000 deep. */
const mutatedBody = (valid: Record<string, unknown>[]) =>
  fc
    .tuple(
      fc.constantFrom(...valid),
      fc.nat(),
      fc.oneof(
        fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
        deeplyNested,
      ),
    )
    .map(([body, pick, value]) => {
      const fields = [...Object.keys(body), 'extra'];
      const field = fields[pick % fields.length]!;
      return JSON.stringify({ ...body, [field]: '__FUZZED__' }).replace('"__FUZZED__"', value);
    });

/** The body of a request: the text API Gateway hands over, or bytes it base64-encodes. */
type Body = { text?: string; base64?: string };

/** Any body, and often a valid one of the route's (`routeKey`) with one field fuzzed. */
const bodyFor = (routeKey: string): fc.Arbitrary<Body> =>
  fc.oneof(
    { arbitrary: anyBody, weight: 1 },
    { arbitrary: mutatedBody(VALID_BODIES[routeKey] ?? ANY_VALID_BODY).map((text) => ({ text })), weight: 1 },
  );

const anyBody: fc.Arbitrary<Body> = fc.oneof(
  fc.constant({}),
  fc.json({ maxDepth: 6 }).map((text) => ({ text })),
  fc
    .record({
      email: fc.oneof(fc.emailAddress(), fc.string()),
      password: fc.string({ maxLength: 40 }),
      name: fc.string({ maxLength: 40 }),
      stream: fc.string({ maxLength: 40 }),
      ref: fc.string({ maxLength: 40 }),
      refreshToken: fc.string(),
    })
    .map((b) => ({ text: JSON.stringify(b) })),
  deeplyNested.map((text) => ({ text })),
  fc.string({ unit: 'binary', maxLength: 300 }).map((text) => ({ text })),
  // Bytes that are not UTF-8 (lone continuation bytes, overlongs, surrogates) among any others.
  fc
    .tuple(
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff, 0xfe], [0xf8, 0x88, 0x80, 0x80]),
    )
    .map(([bytes, invalid]) => ({ base64: Buffer.from([...bytes, ...invalid]).toString('base64') })),
);

/** Mostly the owner's token (to get past authentication), else a stream's, garbage or none. */
const authorization = (existing: Existing) =>
  fc.oneof(
    { arbitrary: fc.constant(OWNER), weight: 6 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: fc.constant(`Bearer ${existing.streamToken}`), weight: 1 },
    { arbitrary: fc.string({ maxLength: 60 }).map((v) => `Bearer ${v}`), weight: 1 },
    { arbitrary: fc.string({ maxLength: 60 }), weight: 1 },
  );

const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'] as const;

/** A request to one route of the table (mostly its own method), or to any path under /v1. */
function request(existing: Existing) {
  const routes = ROUTES.map((route) =>
    fc.record({
      method: fc.oneof({ arbitrary: fc.constant(route.method), weight: 4 }, fc.constantFrom(...METHODS)),
      path: pathOf(route.path, existing),
      body: bodyFor(`${route.method} ${route.path}`),
    }),
  );
  const elsewhere = fc.record({
    method: fc.constantFrom(...METHODS),
    path: fc.array(anySegment, { minLength: 1, maxLength: 5 }).map((parts) => `/v1/${parts.join('/')}`),
    body: anyBody,
  });
  return fc.oneof(...routes, elsewhere);
}

describe('fuzzing the management API at handler level', () => {
  it(`never answers 5xx, on any route, in ${CASES} cases`, async () => {
    // Prepare
    const api = managementApi();
    const existing = await givenAccount(api);
    let runs = 0;
    // Act
    await fc.assert(
      fc.asyncProperty(
        request(existing),
        authorization(existing),
        fc.option(fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1')),
        async ({ method, path, body }, auth, contentType) => {
          runs++;
          const headers: Record<string, string> = {};
          if (auth !== undefined)
            headers.authorization = auth === OWNER ? `Bearer ${await existing.ownerToken()}` : auth;
          if (contentType !== null) headers['content-type'] = contentType;
          const result = await call(api, {
            method,
            path,
            headers,
            body: body.base64 ?? body.text,
            isBase64Encoded: body.base64 !== undefined,
          });
          // Assess
          expect(result.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: CASES },
    );
    expect(runs).toBeGreaterThanOrEqual(CASES);
  }, 300_000);

  it('never answers 5xx to JSON nested 100,000 deep in any field of any route’s body', async () => {
    // Prepare: every field (and one more) of each valid body, as deep objects and as deep arrays.
    const api = managementApi();
    const existing = await givenAccount(api);
    const depth = 100_000;
    const deep = [`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, '['.repeat(depth) + ']'.repeat(depth)];
    const cases = Object.entries(VALID_BODIES).flatMap(([routeKey, bodies]) =>
      bodies.flatMap((body) =>
        [...Object.keys(body), 'extra'].flatMap((field) =>
          deep.map((value, shape) => ({ routeKey, field, shape, body, value })),
        ),
      ),
    );
    // Act
    const answers = [];
    for (const { routeKey, field, shape, body, value } of cases) {
      const [method, path] = routeKey.split(' ') as [string, string];
      const text = JSON.stringify({ ...body, [field]: '__DEEP__' }).replace('"__DEEP__"', value);
      const result = await call(api, { method, path, token: await existing.ownerToken(), body: text });
      answers.push({ routeKey, field, shape: shape === 0 ? 'objects' : 'arrays', status: result.statusCode });
    }
    // Assess
    expect(answers.length).toBeGreaterThan(50);
    expect(answers.filter((a) => (a.status ?? 500) >= 500)).toEqual([]);
  }, 120_000);

  it('fuzzes every route of the route table', () => {
    expect(ROUTE_PATHS.length).toBeGreaterThanOrEqual(25);
    expect(ROUTE_PATHS).toEqual(
      expect.arrayContaining([
        '/v1/schemas',
        '/v1/batch-exporters/:name/files/:file',
        '/v1/users/:email',
        '/v1/streams/:name/read-token',
      ]),
    );
  });
});
