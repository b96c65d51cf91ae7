import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import {
  EXPORTS_BUCKET,
  GRANTED_BUCKET,
  MANAGEMENT_NOW,
  type ManagementRequest,
  managementApi,
  managementRequest,
  responseBody,
} from '../../support/management-api';
import { streamRecord } from '../../support/stream-records';

/**
 * The batch exporter routes of the management API through createManagementHandler with in-memory fakes:
 * creating (and refusing bad definitions with a reason), listing, deleting, the stream tree, and the files.
 */
type Api = ReturnType<typeof managementApi>;

const call = (api: Api, request: ManagementRequest) => api.handler(managementRequest(request));

function given(api: Api, accountId = 'acct-1') {
  const source: StreamRecord = streamRecord({
    name: 'winston',
    accountId,
    createdAt: '2024-12-01T00:00:00.000Z',
  });
  const derived: StreamRecord = streamRecord({
    name: 'winston-0',
    accountId,
    linkedStream: 'winston',
    consentLevels: [0],
    consentLevelType: 'CUMULATIVE',
    createdAt: '2024-12-02T00:00:00.000Z',
  });
  api.streams.put(source);
  api.streams.put(derived);
  return { source, derived };
}

async function create(api: Api, token: string, body: Record<string, unknown>) {
  return call(api, { method: 'POST', path: '/v1/batch-exporters', token, body });
}

describe('POST /v1/batch-exporters', () => {
  it('creates an exporter of a derived stream with the defaults and answers 201 with the record', async () => {
    // Prepare
    const api = managementApi();
    given(api);
    const token = await api.userToken('acct-1');
    // Act
    const result = await create(api, token, { stream: 'winston-0', interval: 30 });
    // Assess
    expect(result.statusCode).toBe(201);
    expect(responseBody(result).batchExporter).toEqual({
      exporterId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'winston-0-export',
      accountId: 'acct-1',
      stream: 'winston-0',
      source: 'derivedEvents',
      kind: 'events',
      interval: 30,
      pathPrefix: '',
      includeExistingEvents: false,
      bucket: EXPORTS_BUCKET,
      streamCreatedAt: '2024-12-02T00:00:00.000Z',
      createdAt: new Date(MANAGEMENT_NOW).toISOString(),
    });
    expect(api.log.attributesOf('batch exporter created')).toEqual([
      { accountId: 'acct-1', exporterId: responseBody(result).batchExporter.exporterId, kind: 'events' },
    ]);
  });

  it('creates a key stream of a source stream, into a bucket the deployer granted', async () => {
    // Prepare
    const api = managementApi();
    given(api);
    const token = await api.userToken('acct-1');
    // Act
    const result = await create(api, token, {
      stream: 'winston',
      kind: 'keys',
      bucket: GRANTED_BUCKET,
      pathPrefix: 'keys',
    });
    // Assess
    expect(result.statusCode).toBe(201);
    expect(responseBody(result).batchExporter).toMatchObject({
      name: 'winston-keys',
      kind: 'keys',
      source: 'sourceEvents',
      bucket: GRANTED_BUCKET,
      pathPrefix: 'keys',
    });
  });

  it.each([
    [{ stream: 'winston', interval: 10 }, 'interval must be an integer number of seconds from 30 to 3600'],
    [{ stream: 'winston', interval: 7200 }, 'interval must be an integer number of seconds from 30 to 3600'],
    [{ stream: 'winston', pathPrefix: 'exports/' }, "pathPrefix must not end with '/'"],
    [
      { stream: 'winston', bucket: 'not-granted' },
      'bucket not-granted is not an export bucket of this deployment',
    ],
    [{ stream: 'winston-0', kind: 'keys' }, "kind 'keys' needs a source stream"],
    [{}, 'stream must name one of your streams'],
  ])('refuses %p with 400 and the reason', async (body, reason) => {
    // Prepare
    const api = managementApi();
    given(api);
    const token = await api.userToken('acct-1');
    // Act
    const result = await create(api, token, body);
    // Assess
    expect(result.statusCode).toBe(400);
    expect(responseBody(result).error.message).toContain(reason);
    expect(api.exporters.exporters.size).toBe(0);
  });

  it('answers 404 for an unknown stream and for another account’s stream alike', async () => {
    // Prepare
    const api = managementApi();
    given(api, 'acct-other');
    const token = await api.userToken('acct-1');
    // Act
    const unknown = await create(api, token, { stream: 'nope' });
    const foreign = await create(api, token, { stream: 'winston' });
    // Assess
    expect([unknown.statusCode, foreign.statusCode]).toEqual([404, 404]);
    expect(responseBody(foreign).error).toEqual({ code: 'not_found', message: 'stream winston not found' });
  });

  it('refuses a second exporter of the same name, and one that would write the same files, with 409', async () => {
    // Prepare
    const api = managementApi();
    given(api);
    const token = await api.userToken('acct-1');
    await create(api, token, { stream: 'winston' });
    // Act
    const sameName = await create(api, token, { stream: 'winston', pathPrefix: 'other' });
    const sameFiles = await create(api, token, { stream: 'winston', name: 'winston-again' });
    // Assess
    expect(sameName.statusCode).toBe(409);
    expect(responseBody(sameName).error.code).toBe('batch_exporter_exists');
    expect(sameFiles.statusCode).toBe(409);
    expect(responseBody(sameFiles).error.code).toBe('export_target_taken');
  });
});

describe('listing, reading and deleting exporters', () => {
  it('lists the caller’s exporters only, gets one, and deletes it with 204', async () => {
    // Prepare
    const api = managementApi();
    given(api);
    given(api, 'acct-2');
    const token = await api.userToken('acct-1');
    await create(api, token, { stream: 'winston' });
    await create(api, await api.userToken('acct-2'), { stream: 'winston' });
    // Act
    const list = await call(api, { method: 'GET', path: '/v1/batch-exporters', token });
    const one = await call(api, { method: 'GET', path: '/v1/batch-exporters/winston-export', token });
    const deleted = await call(api, { method: 'DELETE', path: '/v1/batch-exporters/winston-export', token });
    const gone = await call(api, { method: 'GET', path: '/v1/batch-exporters/winston-export', token });
    // Assess
    expect(responseBody(list).batchExporters.map((e: { accountId: string }) => e.accountId)).toEqual([
      'acct-1',
    ]);
    expect(responseBody(one).batchExporter.name).toBe('winston-export');
    expect(deleted.statusCode).toBe(204);
    expect(gone.statusCode).toBe(404);
    expect(api.exporters.exporters.size).toBe(1);
  });

  it('lists a stream’s exporters with the stream', async () => {
    // Prepare
    const api = managementApi();
    given(api);
    const token = await api.userToken('acct-1');
    await create(api, token, { stream: 'winston', kind: 'keys' });
    // Act
    const result = await call(api, { method: 'GET', path: '/v1/streams/winston', token });
    // Assess
    expect(responseBody(result).batchExporters.map((e: { name: string }) => e.name)).toEqual([
      'winston-keys',
    ]);
  });

  it('refuses to delete a stream whose tree has exporters unless recursive, then deletes them first', async () => {
    // Prepare
    const api = managementApi();
    given(api);
    const token = await api.userToken('acct-1');
    await create(api, token, { stream: 'winston-0' });
    await api.streams.delete('acct-1', 'never-mind');
    // Act
    const refused = await call(api, { method: 'DELETE', path: '/v1/streams/winston-0', token });
    const deleted = await call(api, {
      method: 'DELETE',
      path: '/v1/streams/winston',
      token,
      query: { recursive: 'true' },
    });
    // Assess
    expect(refused.statusCode).toBe(409);
    expect(responseBody(refused).error).toEqual({
      code: 'has_batch_exporters',
      message:
        'stream winston-0 has batch exporters (winston-0-export); delete them first or use ?recursive=true',
    });
    expect(responseBody(deleted)).toEqual({
      deleted: ['winston-0', 'winston'],
      deletedBatchExporters: ['winston-0-export'],
    });
    expect(api.exporters.exporters.size).toBe(0);
  });
});

describe('GET /v1/batch-exporters/{name}/files', () => {
  const file = (stream: string, time: string, what = 'stream') =>
    `${time}-${what}-${stream}---shardId-000000000000.jsonl`;

  async function exporterWithFiles(api: Api) {
    given(api);
    const token = await api.userToken('acct-1');
    await create(api, token, { stream: 'winston', pathPrefix: 'lake' });
    await api.exportFiles.put(
      EXPORTS_BUCKET,
      `acct-1/lake/${file('winston', '2025-01-01T10:00:00')}`,
      '{"a":1}\n',
    );
    await api.exportFiles.put(
      EXPORTS_BUCKET,
      `acct-1/lake/${file('winston', '2025-01-01T10:01:00')}`,
      '{"a":2}\n',
    );
    await api.exportFiles.put(
      EXPORTS_BUCKET,
      `acct-1/lake/${file('winston', '2025-01-01T10:00:00', 'keys')}`,
      '{}\n',
    );
    await api.exportFiles.put(
      EXPORTS_BUCKET,
      `acct-2/lake/${file('winston', '2025-01-01T10:00:00')}`,
      '{}\n',
    );
    return token;
  }

  it('lists exactly the exporter’s own files, oldest first, with their size', async () => {
    // Prepare
    const api = managementApi();
    const token = await exporterWithFiles(api);
    // Act
    const result = await call(api, {
      method: 'GET',
      path: '/v1/batch-exporters/winston-export/files',
      token,
    });
    // Assess
    expect(responseBody(result)).toEqual({
      files: [
        expect.objectContaining({
          name: file('winston', '2025-01-01T10:00:00'),
          size: 8,
          bucket: EXPORTS_BUCKET,
        }),
        expect.objectContaining({ name: file('winston', '2025-01-01T10:01:00'), size: 8 }),
      ],
    });
  });

  it('answers a short-lived download URL for one of its files, and 404 for any other', async () => {
    // Prepare
    const api = managementApi();
    const token = await exporterWithFiles(api);
    const path = (name: string) => `/v1/batch-exporters/winston-export/files/${name}`;
    // Act
    const ok = await call(api, { method: 'GET', path: path(file('winston', '2025-01-01T10:01:00')), token });
    const keys = await call(api, {
      method: 'GET',
      path: path(file('winston', '2025-01-01T10:00:00', 'keys')),
      token,
    });
    const missing = await call(api, {
      method: 'GET',
      path: path(file('winston', '2030-01-01T10:00:00')),
      token,
    });
    // Assess
    expect(responseBody(ok)).toEqual({
      name: file('winston', '2025-01-01T10:01:00'),
      size: 8,
      url: `memory://${EXPORTS_BUCKET}/acct-1/lake/${file('winston', '2025-01-01T10:01:00')}`,
      expiresAt: new Date(MANAGEMENT_NOW + 300_000).toISOString(),
    });
    expect([keys.statusCode, missing.statusCode]).toEqual([404, 404]);
  });

  it('refuses a file name that is a path with 400', async () => {
    // Prepare
    const api = managementApi();
    const token = await exporterWithFiles(api);
    // Act
    const result = await call(api, {
      method: 'GET',
      path: '/v1/batch-exporters/winston-export/files',
      token,
      query: { after: '../acct-2/x' },
    });
    // Assess
    expect(result.statusCode).toBe(400);
  });
});
