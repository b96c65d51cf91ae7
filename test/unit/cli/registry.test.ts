import * as fs from 'node:fs';
import * as path from 'node:path';
import { schemaTypeOf } from '../../../cli/commands/registry';
import { runStrm } from './run-cli';
import { scriptedCli } from './scripted-cli';

/** `strm create|list|get|delete schema|event-contract` and `strm auth show`'s billing id, against a scripted API. */

const cli = scriptedCli({ signedIn: true, login: { billingId: 'demo4678984730' } });

function definitionFile(name: string, content: unknown): string {
  const file = path.join(cli.dir, name);
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

const AVRO = { type: 'record', name: 'Order', fields: [{ name: 'orderId', type: 'string' }] };

describe('strm create schema', () => {
  it('posts the ref, the guessed type and the definition with the user token', async () => {
    // Prepare
    cli.api.on('POST /v1/schemas', (request) => ({
      status: 201,
      body: { schema: JSON.parse(request.body) },
    }));
    // Act
    const result = await runStrm(
      ['create', 'schema', 'acme/order/1.0.0', '--definition', definitionFile('order.avsc', AVRO)],
      { env: cli.env },
    );
    // Assess
    expect(result).toMatchObject({ code: 0, stdout: 'Created schema acme/order/1.0.0 (AVRO)\n' });
    const [request] = cli.api.requestsTo('POST /v1/schemas');
    expect(JSON.parse(request!.body)).toEqual({ ref: 'acme/order/1.0.0', type: 'AVRO', definition: AVRO });
    expect(request!.headers.authorization).toBe('Bearer user-access');
  });

  it("reports the API's reason for a refused version", async () => {
    // Prepare
    cli.api.on('POST /v1/schemas', {
      status: 409,
      body: { error: { code: 'schema_exists', message: 'schema acme/order/1.0.0 already exists' } },
    });
    // Act
    const result = await runStrm(
      ['create', 'schema', 'acme/order/1.0.0', '--definition', definitionFile('order.avsc', AVRO)],
      { env: cli.env },
    );
    // Assess
    expect(result).toMatchObject({ code: 1, stderr: 'Error: schema acme/order/1.0.0 already exists\n' });
  });

  it('refuses a definition file that is not JSON before calling the API', async () => {
    // Prepare
    const file = path.join(cli.dir, 'bad.avsc');
    fs.writeFileSync(file, '{not json');
    // Act
    const result = await runStrm(['create', 'schema', 'acme/order/1.0.0', '--definition', file], {
      env: cli.env,
    });
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Error: ${file} is not JSON\n`);
    expect(cli.api.requestsTo('POST /v1/schemas')).toHaveLength(0);
  });
});

describe('strm create event-contract', () => {
  it('posts the definition with the ref and the schema ref', async () => {
    // Prepare
    cli.api.on('POST /v1/contracts', (request) => ({
      status: 201,
      body: { contract: JSON.parse(request.body) },
    }));
    const definition = { keyField: 'orderId', piiFields: { email: 0 }, validations: [] };
    // Act
    const result = await runStrm(
      [
        'create',
        'event-contract',
        'acme/order-contract/1.0.0',
        '--schema',
        'acme/order/1.0.0',
        '--definition',
        definitionFile('contract.json', definition),
      ],
      { env: cli.env },
    );
    // Assess
    expect(result.stdout).toBe(
      'Created event contract acme/order-contract/1.0.0 on schema acme/order/1.0.0\n',
    );
    expect(JSON.parse(cli.api.requestsTo('POST /v1/contracts')[0]!.body)).toEqual({
      ...definition,
      ref: 'acme/order-contract/1.0.0',
      schemaRef: 'acme/order/1.0.0',
    });
  });
});

describe('strm list, get and delete of schemas and event contracts', () => {
  it('lists schemas as a table of ref and type', async () => {
    // Prepare
    cli.api.on('GET /v1/schemas', {
      status: 200,
      body: { schemas: [{ ref: 'clickstream', type: 'AVRO', definition: {} }] },
    });
    // Act
    const result = await runStrm(['list', 'schemas'], { env: cli.env });
    // Assess
    expect(result.stdout).toBe('REF          TYPE\nclickstream  AVRO\n');
  });

  it('gets an event contract by its ref as path segments', async () => {
    // Prepare
    const contract = {
      ref: 'strmprivacy/example/1.3.0',
      keyField: 'consistentValue',
      piiFields: { uniqueIdentifier: 1 },
      validations: [],
    };
    cli.api.on('GET /v1/contracts/strmprivacy/example/1.3.0', { status: 200, body: { contract } });
    // Act
    const result = await runStrm(['get', 'event-contract', 'strmprivacy/example/1.3.0', '-o', 'json'], {
      env: cli.env,
    });
    // Assess
    expect(JSON.parse(result.stdout)).toEqual(contract);
  });

  it('deletes a schema, and reports one that is in use', async () => {
    // Prepare
    cli.api.on('DELETE /v1/schemas/acme/spare/1.0.0', { status: 204 });
    cli.api.on('DELETE /v1/schemas/acme/order/1.0.0', {
      status: 409,
      body: {
        error: { code: 'schema_in_use', message: 'schema acme/order/1.0.0 is used by event contract(s) x' },
      },
    });
    // Act
    const deleted = await runStrm(['delete', 'schema', 'acme/spare/1.0.0'], { env: cli.env });
    const inUse = await runStrm(['delete', 'schema', 'acme/order/1.0.0'], { env: cli.env });
    // Assess
    expect(deleted).toMatchObject({ code: 0, stdout: 'Deleted schema acme/spare/1.0.0\n' });
    expect(inUse).toMatchObject({
      code: 1,
      stderr: 'Error: schema acme/order/1.0.0 is used by event contract(s) x\n',
    });
  });
});

describe('strm auth show', () => {
  it('shows the billing id saved at login', async () => {
    // Act
    const shown = await runStrm(['auth', 'show'], { env: cli.env });
    // Assess
    expect(shown.stdout).toMatch(/^billing id:\s+demo4678984730$/m);
  });
});

describe('guessing a schema type', () => {
  it('takes a record with fields for Avro and anything else for JSON Schema, unless --type says', () => {
    expect(schemaTypeOf(AVRO)).toBe('AVRO');
    expect(schemaTypeOf({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' })).toBe(
      'JSONSCHEMA',
    );
    expect(schemaTypeOf(AVRO, 'json-schema')).toBe('JSONSCHEMA');
  });
});
