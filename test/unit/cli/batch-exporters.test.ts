import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BatchExporter } from '../../../cli/api-client';
import { writeSavedLogin } from '../../../cli/user-session';
import { localContextDir, runStrm, tempConfigDir } from './run-cli';
import { ScriptedApi } from './scripted-api';

/** `strm create|list|get|delete batch-exporter(s)` and `strm get batch-export-files`, against a scripted API. */

let api: ScriptedApi;
let apiUrl: string;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  api = new ScriptedApi();
  apiUrl = await api.start();
  dir = tempConfigDir();
  env = { STRM_CONFIG_PATH: dir, STRM_API_URL: apiUrl };
  writeSavedLogin(localContextDir(dir), {
    email: 'you@example.com',
    accountId: 'acc-1',
    apiUrl,
    accessToken: 'user-access',
    refreshToken: 'user-refresh',
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  });
});
afterEach(async () => {
  await api.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function exporter(overrides: Partial<BatchExporter> = {}): BatchExporter {
  return {
    exporterId: 'e-1',
    name: 'winston-0-export',
    accountId: 'acc-1',
    stream: 'winston-0',
    kind: 'events',
    interval: 30,
    pathPrefix: '',
    includeExistingEvents: false,
    bucket: 'ps-exports',
    createdAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const file = (name: string) => ({
  name,
  bucket: 'ps-exports',
  key: `acc-1/${name}`,
  size: 12,
  lastModified: '2025-01-01T00:01:00.000Z',
});
const NAME_1 = '2025-01-01T00:00:00-stream-winston-0---shardId-000000000000.jsonl';
const NAME_2 = '2025-01-01T00:00:30-stream-winston-0---shardId-000000000001.jsonl';

describe('strm create batch-exporter', () => {
  it('sends the stream and every flag to POST /v1/batch-exporters with the user token', async () => {
    // Prepare
    api.on('POST /v1/batch-exporters', { status: 201, body: { batchExporter: exporter() } });
    // Act
    const result = await runStrm(
      [
        'create',
        'batch-exporter',
        'winston-0',
        '--interval',
        '30',
        '--path-prefix',
        'lake',
        '--include-existing-events',
        '--bucket',
        'b',
        '--name',
        'n',
      ],
      { env },
    );
    // Assess
    expect(result.code).toBe(0);
    const [request] = api.requestsTo('POST /v1/batch-exporters');
    expect(request!.headers.authorization).toBe('Bearer user-access');
    expect(JSON.parse(request!.body)).toEqual({
      stream: 'winston-0',
      name: 'n',
      interval: 30,
      pathPrefix: 'lake',
      includeExistingEvents: true,
      bucket: 'b',
    });
    expect(result.stdout).toContain('files:                    s3://ps-exports/acc-1/');
  });

  it('with --export-keys asks for a key stream and warns that shredding cannot reach exported keys', async () => {
    // Prepare
    api.on('POST /v1/batch-exporters', {
      status: 201,
      body: { batchExporter: exporter({ name: 'winston-keys', kind: 'keys', stream: 'winston' }) },
    });
    // Act
    const result = await runStrm(['create', 'batch-exporter', 'winston', '--export-keys'], { env });
    // Assess
    expect(JSON.parse(api.requestsTo('POST /v1/batch-exporters')[0]!.body)).toEqual({
      stream: 'winston',
      kind: 'keys',
    });
    expect(result.stderr).toContain(
      'Deleting a key link (crypto-shredding) cannot reach keys already exported',
    );
  });

  it('prints the API’s reason for a bad definition and exits 1', async () => {
    // Prepare
    api.on('POST /v1/batch-exporters', {
      status: 400,
      body: { error: { code: 'invalid_request', message: "pathPrefix must not end with '/'" } },
    });
    // Act
    const result = await runStrm(['create', 'batch-exporter', 'winston', '--path-prefix', 'lake/'], { env });
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("Error: pathPrefix must not end with '/'\n");
  });

  it('refuses an interval that is not a number before asking the API', async () => {
    // Act
    const result = await runStrm(['create', 'batch-exporter', 'winston', '--interval', 'soon'], { env });
    // Assess
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('a number of seconds');
    expect(api.requests).toEqual([]);
  });
});

describe('strm list|get|delete batch-exporter(s)', () => {
  it('lists the exporters as a table', async () => {
    // Prepare
    api.on('GET /v1/batch-exporters', {
      status: 200,
      body: {
        batchExporters: [exporter(), exporter({ name: 'winston-keys', kind: 'keys', stream: 'winston' })],
      },
    });
    // Act
    const result = await runStrm(['list', 'batch-exporters'], { env });
    // Assess
    expect(result.stdout.split('\n')[0]).toMatch(/^NAME\s+STREAM\s+KIND\s+INTERVAL\s+BUCKET\s+PATH PREFIX$/);
    expect(result.stdout).toMatch(/winston-keys\s+winston\s+keys\s+30s\s+ps-exports/);
  });

  it('gets one as JSON with -o json', async () => {
    // Prepare
    api.on('GET /v1/batch-exporters/winston-0-export', { status: 200, body: { batchExporter: exporter() } });
    // Act
    const result = await runStrm(['get', 'batch-exporter', 'winston-0-export', '-o', 'json'], { env });
    // Assess
    expect(JSON.parse(result.stdout)).toEqual(exporter());
  });

  it('deletes one', async () => {
    // Prepare
    api.on('DELETE /v1/batch-exporters/winston-0-export', { status: 204 });
    // Act
    const result = await runStrm(['delete', 'batch-exporter', 'winston-0-export'], { env });
    // Assess
    expect(result.stdout).toBe('Deleted batch exporter winston-0-export\n');
  });
});

describe('strm get batch-export-files', () => {
  it('lists every file, following the pages', async () => {
    // Prepare
    api.on('GET /v1/batch-exporters/winston-0-export/files', (request) =>
      request.url.includes('after=')
        ? { status: 200, body: { files: [file(NAME_2)] } }
        : { status: 200, body: { files: [file(NAME_1)], next: NAME_1 } },
    );
    // Act
    const result = await runStrm(['get', 'batch-export-files', 'winston-0-export', '-o', 'json'], { env });
    // Assess
    expect(JSON.parse(result.stdout).files.map((f: { name: string }) => f.name)).toEqual([NAME_1, NAME_2]);
  });

  it('prints one file’s lines, fetched through its download URL', async () => {
    // Prepare
    api.on(`GET /v1/batch-exporters/winston-0-export/files/${encodeURIComponent(NAME_1)}`, {
      status: 200,
      body: { name: NAME_1, size: 12, url: `${apiUrl}/download/1` },
    });
    api.on('GET /download/1', { status: 200, text: '{"n":1}\n{"n":2}\n' });
    // Act
    const result = await runStrm(['get', 'batch-export-files', 'winston-0-export', NAME_1], { env });
    // Assess
    expect(result.stdout).toBe('{"n":1}\n{"n":2}\n');
    expect(api.requestsTo('GET /download/1')[0]!.headers.authorization).toBeUndefined();
  });

  it('with --fetch downloads every file into the folder, readable by the owner only', async () => {
    // Prepare
    const out = path.join(dir, 'out');
    api.on('GET /v1/batch-exporters/winston-0-export/files', {
      status: 200,
      body: { files: [file(NAME_1)] },
    });
    api.on(`GET /v1/batch-exporters/winston-0-export/files/${encodeURIComponent(NAME_1)}`, {
      status: 200,
      body: { name: NAME_1, size: 8, url: `${apiUrl}/download/1` },
    });
    api.on('GET /download/1', { status: 200, text: '{"n":1}\n' });
    // Act
    const result = await runStrm(
      ['get', 'batch-export-files', 'winston-0-export', '--fetch', '--output-dir', out],
      { env },
    );
    // Assess
    expect(result.stdout).toBe(`${path.join(out, NAME_1)}\n`);
    expect(fs.readFileSync(path.join(out, NAME_1), 'utf8')).toBe('{"n":1}\n');
    expect(fs.statSync(path.join(out, NAME_1)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(out).mode & 0o777).toBe(0o700);
  });
});
