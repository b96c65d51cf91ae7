import * as fs from 'node:fs';
import type { ExportedKeyLink } from '../../../cli/api-client';
import { runStrm, tempConfigDir } from './run-cli';
import { scriptedCli } from './scripted-cli';

const KEY_LINK_ID = '0b9c8f1e-2d3a-4b5c-8d7e-6f5a4b3c2d1e';

const cli = scriptedCli({ signedIn: true });

function keyset(keyId = 1234): string {
  return JSON.stringify({
    primaryKeyId: keyId,
    key: [
      {
        keyData: {
          typeUrl: 'type.googleapis.com/google.crypto.tink.AesSivKey',
          value: 'EkA=',
          keyMaterialType: 'SYMMETRIC',
        },
        status: 'ENABLED',
        keyId,
        outputPrefixType: 'TINK',
      },
    ],
  });
}

function exportedKeyLink(overrides: Partial<ExportedKeyLink> = {}): ExportedKeyLink {
  return {
    keyLinkId: KEY_LINK_ID,
    createdAt: '2024-01-01T00:00:00.000Z',
    expiresAt: '2024-01-02T00:00:00.000Z',
    keyset: keyset(),
    ...overrides,
  };
}

const notFound = (message: string) => ({ status: 404, body: { error: { code: 'not_found', message } } });

describe('strm get key-link', () => {
  it('asks GET /v1/key-links/{id} with the user token', async () => {
    cli.api.on(`GET /v1/key-links/${KEY_LINK_ID}`, { status: 200, body: exportedKeyLink() });
    const result = await runStrm(['get', 'key-link', KEY_LINK_ID], { env: cli.env });
    expect(result.code).toBe(0);
    const [request] = cli.api.requestsTo(`GET /v1/key-links/${KEY_LINK_ID}`);
    expect(request.headers.authorization).toBe('Bearer user-access');
  });

  it('prints id, createdAt and expiresAt as key/value lines and the keyset on its own line', async () => {
    cli.api.on(`GET /v1/key-links/${KEY_LINK_ID}`, { status: 200, body: exportedKeyLink() });
    const result = await runStrm(['get', 'key-link', KEY_LINK_ID], { env: cli.env });
    expect(result.stdout).toMatch(new RegExp(`^key link id:\\s+${KEY_LINK_ID}$`, 'm'));
    expect(result.stdout).toMatch(/^created at:\s+2024-01-01T00:00:00.000Z$/m);
    expect(result.stdout).toMatch(/^expires at:\s+2024-01-02T00:00:00.000Z$/m);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.at(-2)).toBe('keyset:');
    expect(lines.at(-1)).toBe(keyset());
  });

  it('warns on stderr, in one line, that the keyset is a secret Tink decryption key', async () => {
    cli.api.on(`GET /v1/key-links/${KEY_LINK_ID}`, { status: 200, body: exportedKeyLink() });
    const result = await runStrm(['get', 'key-link', KEY_LINK_ID], { env: cli.env });
    expect(result.stderr).toMatch(/^[^\n]*secret decryption key[^\n]*Tink DeterministicAead[^\n]*\n$/);
    expect(result.stderr).not.toContain(keyset());
  });

  it('prints the API JSON with -o json', async () => {
    cli.api.on(`GET /v1/key-links/${KEY_LINK_ID}`, { status: 200, body: exportedKeyLink() });
    const result = await runStrm(['-o', 'json', 'get', 'key-link', KEY_LINK_ID], { env: cli.env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(exportedKeyLink());
  });

  it('prints only the keyset JSON with --keyset-only, even with -o json', async () => {
    cli.api.on(`GET /v1/key-links/${KEY_LINK_ID}`, { status: 200, body: exportedKeyLink() });
    for (const args of [
      ['get', 'key-link', KEY_LINK_ID, '--keyset-only'],
      ['get', 'key-link', KEY_LINK_ID, '--keyset-only', '-o', 'json'],
    ]) {
      const result = await runStrm(args, { env: cli.env });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${keyset()}\n`);
      expect(JSON.parse(result.stdout)).toEqual(JSON.parse(keyset()));
    }
  });

  it('encodes the id into the path', async () => {
    cli.api.on('GET /v1/key-links/a%2Fb', { status: 200, body: exportedKeyLink({ keyLinkId: 'a/b' }) });
    const result = await runStrm(['get', 'key-link', 'a/b'], { env: cli.env });
    expect(result.code).toBe(0);
    expect(cli.api.requestsTo('GET /v1/key-links/a%2Fb')).toHaveLength(1);
  });

  it('prints the 404 message of an unknown (or shredded) key link and exits 1', async () => {
    cli.api.on(`GET /v1/key-links/${KEY_LINK_ID}`, notFound('key link not found'));
    const result = await runStrm(['get', 'key-link', KEY_LINK_ID], { env: cli.env });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'Error: key link not found\n' });
  });

  it('says to log in first when there is no login, without calling the API', async () => {
    const emptyDir = tempConfigDir();
    const result = await runStrm(['get', 'key-link', KEY_LINK_ID], {
      env: { ...cli.env, STRM_CONFIG_PATH: emptyDir },
    });
    fs.rmSync(emptyDir, { recursive: true, force: true });
    expect(result).toMatchObject({
      code: 1,
      stderr: 'Error: Not logged in: run strm auth login <email> first\n',
    });
    expect(cli.api.requests).toHaveLength(0);
  });
});

describe('strm delete key-link', () => {
  it('sends DELETE /v1/key-links/{id} with the user token and says what crypto-shredding means', async () => {
    cli.api.on(`DELETE /v1/key-links/${KEY_LINK_ID}`, { status: 204 });
    const result = await runStrm(['delete', 'key-link', KEY_LINK_ID], { env: cli.env });
    expect(result).toEqual({
      code: 0,
      stdout: `Key link ${KEY_LINK_ID} deleted: events encrypted with it can no longer be decrypted.\n`,
      stderr: '',
    });
    const [request] = cli.api.requestsTo(`DELETE /v1/key-links/${KEY_LINK_ID}`);
    expect(request.headers.authorization).toBe('Bearer user-access');
  });

  it('prints the deleted id as JSON with -o json', async () => {
    cli.api.on(`DELETE /v1/key-links/${KEY_LINK_ID}`, { status: 204 });
    const result = await runStrm(['-o', 'json', 'delete', 'key-link', KEY_LINK_ID], { env: cli.env });
    expect(JSON.parse(result.stdout)).toEqual({ keyLinkId: KEY_LINK_ID, deleted: true });
  });

  it('prints the 404 message of an unknown key link and exits 1', async () => {
    cli.api.on(`DELETE /v1/key-links/${KEY_LINK_ID}`, notFound('key link not found'));
    const result = await runStrm(['delete', 'key-link', KEY_LINK_ID], { env: cli.env });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'Error: key link not found\n' });
  });
});

describe('strm delete data-subject', () => {
  type Answer = { status: number; body: unknown };
  /** Answers POST /v1/data-subjects/forget per data subject named in the body. */
  function scriptForget(answers: Record<string, number | Answer>): void {
    cli.api.on('POST /v1/data-subjects/forget', (request) => {
      const { dataSubject } = JSON.parse(request.body) as { dataSubject: string };
      const answer = answers[dataSubject];
      if (answer === undefined) return { status: 500, body: { error: { code: 'x', message: 'unexpected' } } };
      return typeof answer === 'number' ? { status: 200, body: { deletedKeyLinks: answer } } : answer;
    });
  }
  const forgotten = () =>
    cli.api
      .requestsTo('POST /v1/data-subjects/forget')
      .map((r) => (JSON.parse(r.body) as { dataSubject: string }).dataSubject);

  it('sends the id in the body of POST /v1/data-subjects/forget with the user token and prints the count', async () => {
    scriptForget({ 'customer-session-0': 3 });
    const result = await runStrm(['delete', 'data-subject', 'customer-session-0'], { env: cli.env });
    expect(result).toEqual({
      code: 0,
      stdout: 'Data subject customer-session-0: 3 key links deleted\n',
      stderr: '',
    });
    const [request] = cli.api.requestsTo('POST /v1/data-subjects/forget');
    expect(request.headers.authorization).toBe('Bearer user-access');
    expect(JSON.parse(request.body)).toEqual({ dataSubject: 'customer-session-0' });
  });

  it('sends ids that are not safe in a URL path unchanged (API Gateway decodes paths)', async () => {
    scriptForget({ 'a/b?c#d %41': 1 });
    const result = await runStrm(['delete', 'data-subject', 'a/b?c#d %41'], { env: cli.env });
    expect(result.code).toBe(0);
    expect(forgotten()).toEqual(['a/b?c#d %41']);
  });

  it('deletes several data subjects in the order given, one line each', async () => {
    scriptForget({ alice: 1, bob: 0, 'carol smith': 2 });
    const result = await runStrm(['delete', 'data-subject', 'alice', 'bob', 'carol smith'], { env: cli.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'Data subject alice: 1 key link deleted\n' +
        'Data subject bob: 0 key links deleted\n' +
        'Data subject carol smith: 2 key links deleted\n',
    );
    expect(forgotten()).toEqual(['alice', 'bob', 'carol smith']);
  });

  it('accepts the original spelling delete data-subjects', async () => {
    scriptForget({ alice: 1 });
    const result = await runStrm(['delete', 'data-subjects', 'alice'], { env: cli.env });
    expect(result).toMatchObject({ code: 0, stdout: 'Data subject alice: 1 key link deleted\n' });
  });

  it('prints [{dataSubject, deletedKeyLinks}] with -o json', async () => {
    scriptForget({ alice: 1, bob: 4 });
    const result = await runStrm(['-o', 'json', 'delete', 'data-subject', 'alice', 'bob'], { env: cli.env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { dataSubject: 'alice', deletedKeyLinks: 1 },
      { dataSubject: 'bob', deletedKeyLinks: 4 },
    ]);
  });

  it('stops at the first API error, printing its message, with the ids already done above it', async () => {
    scriptForget({
      alice: 1,
      carol: 2,
      bob: { status: 400, body: { error: { code: 'invalid_request', message: 'dataSubject: too long' } } },
    });
    const result = await runStrm(['delete', 'data-subject', 'alice', 'bob', 'carol'], { env: cli.env });
    expect(result).toEqual({
      code: 1,
      stdout: 'Data subject alice: 1 key link deleted\n',
      stderr: 'Error: dataSubject: too long\n',
    });
    expect(forgotten()).toEqual(['alice', 'bob']);
  });

  it('requires at least one id', async () => {
    const result = await runStrm(['delete', 'data-subject'], { env: cli.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("missing required argument 'id'");
    expect(cli.api.requests).toHaveLength(0);
  });
});
