import {
  MANAGEMENT_NOW,
  type ManagementRequest,
  managementApi,
  managementRequest,
  responseBody,
} from '../../support/management-api';
import { fixturePasswordHash } from '../../support/password-hashes';
import { streamRecord } from '../../support/stream-records';

/**
 * The schema and contract registry (`/v1/schemas`, `/v1/contracts`) and the billing id, through
 * createManagementHandler with in-memory fakes.
 */
type Api = ReturnType<typeof managementApi>;
const call = (api: Api, request: ManagementRequest) => api.handler(managementRequest(request));

const ORDER_AVRO = {
  type: 'record',
  name: 'Order',
  fields: [
    {
      name: 'strmMeta',
      type: {
        type: 'record',
        name: 'Meta',
        fields: [
          { name: 'eventContractRef', type: 'string' },
          { name: 'consentLevels', type: { type: 'array', items: 'int' } },
        ],
      },
    },
    { name: 'orderId', type: 'string' },
    { name: 'buyer', type: { type: 'record', name: 'Buyer', fields: [{ name: 'email', type: 'string' }] } },
  ],
};

const orderContract = (overrides: Record<string, unknown> = {}) => ({
  ref: 'acme/order-contract/1.0.0',
  schemaRef: 'acme/order/1.0.0',
  keyField: 'orderId',
  piiFields: { 'buyer/email': 0 },
  validations: [],
  ...overrides,
});

async function signedIn(api: Api, accountId = 'acct-1') {
  return api.userToken(accountId);
}

async function createSchema(api: Api, token: string, body: Record<string, unknown>) {
  return call(api, { method: 'POST', path: '/v1/schemas', token, body });
}

describe('schemas', () => {
  it('creates an Avro schema and lists it after the built-ins', async () => {
    // Prepare
    const api = managementApi();
    const token = await signedIn(api);
    // Act
    const created = await createSchema(api, token, {
      ref: 'acme/order/1.0.0',
      type: 'AVRO',
      definition: ORDER_AVRO,
    });
    const listed = responseBody(await call(api, { method: 'GET', path: '/v1/schemas', token }));
    // Assess
    expect(created.statusCode).toBe(201);
    expect(responseBody(created).schema).toEqual({
      ref: 'acme/order/1.0.0',
      type: 'AVRO',
      definition: ORDER_AVRO,
    });
    expect(listed.schemas.map((s: { ref: string }) => s.ref)).toEqual([
      'clickstream',
      'streammachine/clickstream/1.0.0',
      'streammachine/demo/1.0.2',
      'acme/order/1.0.0',
    ]);
  });

  it('gets a built-in schema under its strmprivacy handle, and the legacy clickstream', async () => {
    // Prepare
    const api = managementApi();
    const token = await signedIn(api);
    // Act
    const demo = await call(api, { method: 'GET', path: '/v1/schemas/strmprivacy/demo/1.0.2', token });
    const legacy = await call(api, { method: 'GET', path: '/v1/schemas/clickstream', token });
    // Assess
    expect(responseBody(demo).schema.ref).toBe('streammachine/demo/1.0.2');
    expect(responseBody(legacy).schema.ref).toBe('clickstream');
  });

  it('refuses an Avro definition that is not a record with 400', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const response = await createSchema(api, await signedIn(api), {
      ref: 'acme/x/1.0.0',
      type: 'AVRO',
      definition: { type: 'string' },
    });
    // Assess
    expect(response.statusCode).toBe(400);
  });

  it('refuses a JSON Schema with a reference it cannot resolve with 400', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const response = await createSchema(api, await signedIn(api), {
      ref: 'acme/x/1.0.0',
      type: 'JSONSCHEMA',
      definition: { $ref: 'https://example.com/remote.json' },
    });
    // Assess
    expect(response.statusCode).toBe(400);
  });

  it('keeps versions immutable and ascending, of one type', async () => {
    // Prepare
    const api = managementApi();
    const token = await signedIn(api);
    await createSchema(api, token, { ref: 'acme/order/1.1.0', type: 'AVRO', definition: ORDER_AVRO });
    // Act
    const again = await createSchema(api, token, {
      ref: 'acme/order/1.1.0',
      type: 'AVRO',
      definition: ORDER_AVRO,
    });
    const lower = await createSchema(api, token, {
      ref: 'acme/order/1.0.9',
      type: 'AVRO',
      definition: ORDER_AVRO,
    });
    const otherType = await createSchema(api, token, {
      ref: 'acme/order/2.0.0',
      type: 'JSONSCHEMA',
      definition: { type: 'object' },
    });
    const higher = await createSchema(api, token, {
      ref: 'acme/order/1.10.0',
      type: 'AVRO',
      definition: ORDER_AVRO,
    });
    // Assess
    expect([again.statusCode, lower.statusCode, otherType.statusCode, higher.statusCode]).toEqual([
      409, 409, 400, 201,
    ]);
  });

  it('reserves the built-in handles', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const response = await createSchema(api, await signedIn(api), {
      ref: 'strmprivacy/mine/1.0.0',
      type: 'AVRO',
      definition: ORDER_AVRO,
    });
    // Assess
    expect(response.statusCode).toBe(409);
    expect(responseBody(response).error.code).toBe('reserved_handle');
  });

  it("never shows another account's schema", async () => {
    // Prepare
    const api = managementApi();
    await createSchema(api, await signedIn(api, 'acct-2'), {
      ref: 'acme/order/1.0.0',
      type: 'AVRO',
      definition: ORDER_AVRO,
    });
    // Act
    const response = await call(api, {
      method: 'GET',
      path: '/v1/schemas/acme/order/1.0.0',
      token: await signedIn(api),
    });
    // Assess
    expect(response.statusCode).toBe(404);
  });

  it('deletes a schema no contract names, and refuses one a contract names (in use) or a built-in', async () => {
    // Prepare
    const api = managementApi();
    const token = await signedIn(api);
    await createSchema(api, token, { ref: 'acme/order/1.0.0', type: 'AVRO', definition: ORDER_AVRO });
    await createSchema(api, token, {
      ref: 'acme/spare/1.0.0',
      type: 'JSONSCHEMA',
      definition: { type: 'object' },
    });
    await call(api, { method: 'POST', path: '/v1/contracts', token, body: orderContract() });
    // Act
    const inUse = await call(api, { method: 'DELETE', path: '/v1/schemas/acme/order/1.0.0', token });
    const spare = await call(api, { method: 'DELETE', path: '/v1/schemas/acme/spare/1.0.0', token });
    const builtin = await call(api, { method: 'DELETE', path: '/v1/schemas/strmprivacy/demo/1.0.2', token });
    const gone = await call(api, { method: 'DELETE', path: '/v1/schemas/acme/spare/1.0.0', token });
    // Assess
    expect(inUse.statusCode).toBe(409);
    expect(responseBody(inUse).error).toEqual({
      code: 'schema_in_use',
      message: 'schema acme/order/1.0.0 is used by event contract(s) acme/order-contract/1.0.0',
    });
    expect([spare.statusCode, builtin.statusCode, gone.statusCode]).toEqual([204, 409, 404]);
  });
});

describe('event contracts with schemas', () => {
  it('creates a contract on an own Avro schema whose fields exist in it', async () => {
    // Prepare
    const api = managementApi();
    const token = await signedIn(api);
    await createSchema(api, token, { ref: 'acme/order/1.0.0', type: 'AVRO', definition: ORDER_AVRO });
    // Act
    const response = await call(api, { method: 'POST', path: '/v1/contracts', token, body: orderContract() });
    // Assess
    expect(response.statusCode).toBe(201);
    expect(responseBody(response).contract).toMatchObject({
      ref: 'acme/order-contract/1.0.0',
      schemaRef: 'acme/order/1.0.0',
    });
  });

  it('refuses a contract naming a field the Avro schema lacks, naming it', async () => {
    // Prepare
    const api = managementApi();
    const token = await signedIn(api);
    await createSchema(api, token, { ref: 'acme/order/1.0.0', type: 'AVRO', definition: ORDER_AVRO });
    // Act
    const response = await call(api, {
      method: 'POST',
      path: '/v1/contracts',
      token,
      body: orderContract({ piiFields: { 'buyer/phone': 1 } }),
    });
    // Assess
    expect(response.statusCode).toBe(400);
    expect(responseBody(response).error.message).toBe(
      "contract field 'buyer/phone' is not a field of schema acme/order/1.0.0",
    );
  });

  it('refuses a contract on an unknown schema with 400', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const response = await call(api, {
      method: 'POST',
      path: '/v1/contracts',
      token: await signedIn(api),
      body: orderContract(),
    });
    // Assess
    expect(response.statusCode).toBe(400);
    expect(responseBody(response).error.code).toBe('unknown_schema');
  });

  it('creates a contract on a built-in schema under the strmprivacy handle', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const response = await call(api, {
      method: 'POST',
      path: '/v1/contracts',
      token: await signedIn(api),
      body: {
        ref: 'acme/demo-strict/1.0.0',
        schemaRef: 'strmprivacy/demo/1.0.2',
        keyField: 'consistentValue',
        piiFields: { uniqueIdentifier: 0 },
      },
    });
    // Assess
    expect(response.statusCode).toBe(201);
  });

  it('deletes an unused contract; refuses a built-in and one whose fields a stream masks (in use)', async () => {
    // Prepare
    const api = managementApi();
    const token = await signedIn(api);
    await createSchema(api, token, { ref: 'acme/order/1.0.0', type: 'AVRO', definition: ORDER_AVRO });
    await call(api, { method: 'POST', path: '/v1/contracts', token, body: orderContract() });
    await call(api, {
      method: 'POST',
      path: '/v1/contracts',
      token,
      body: orderContract({ ref: 'acme/order-contract/1.1.0' }),
    });
    api.streams.put(
      streamRecord({
        accountId: 'acct-1',
        name: 'orders-0',
        linkedStream: 'orders',
        maskedFields: { seed: 's', fieldPatterns: { 'acme/order-contract/1.0.0': ['orderId'] } },
      }),
    );
    // Act
    const inUse = await call(api, {
      method: 'DELETE',
      path: '/v1/contracts/acme/order-contract/1.0.0',
      token,
    });
    const unused = await call(api, {
      method: 'DELETE',
      path: '/v1/contracts/acme/order-contract/1.1.0',
      token,
    });
    const builtin = await call(api, {
      method: 'DELETE',
      path: '/v1/contracts/strmprivacy/example/1.3.0',
      token,
    });
    // Assess
    expect(inUse.statusCode).toBe(409);
    expect(responseBody(inUse).error.code).toBe('contract_in_use');
    expect(unused.statusCode).toBe(204);
    expect(builtin.statusCode).toBe(409);
    const after = await call(api, { method: 'GET', path: '/v1/contracts/acme/order-contract/1.1.0', token });
    expect(after.statusCode).toBe(404);
  });
});

describe('a deleted contract', () => {
  async function deletedContract(api: Api, token: string) {
    await createSchema(api, token, { ref: 'acme/order/1.0.0', type: 'AVRO', definition: ORDER_AVRO });
    await call(api, { method: 'POST', path: '/v1/contracts', token, body: orderContract() });
    return call(api, { method: 'DELETE', path: '/v1/contracts/acme/order-contract/1.0.0', token });
  }

  it('is gone for the account and for new events (get 404, not listed)', async () => {
    // Prepare
    const api = managementApi();
    const token = await signedIn(api);
    // Act
    const deleted = await deletedContract(api, token);
    const get = await call(api, { method: 'GET', path: '/v1/contracts/acme/order-contract/1.0.0', token });
    const list = responseBody(await call(api, { method: 'GET', path: '/v1/contracts', token }));
    // Assess
    expect(deleted.statusCode).toBe(204);
    expect(get.statusCode).toBe(404);
    expect(list.contracts.map((c: { ref: string }) => c.ref)).not.toContain('acme/order-contract/1.0.0');
    expect(await api.contracts.listForAccount('acct-1')).toEqual([]);
  });

  it('is still found for the events already accepted under it (the decrypter reads the retained contracts)', async () => {
    // Prepare
    const api = managementApi();
    const token = await signedIn(api);
    // Act
    await deletedContract(api, token);
    const retained = await api.contracts.listRetained('acct-1');
    // Assess
    expect(retained.map((c) => c.ref)).toEqual(['acme/order-contract/1.0.0']);
  });

  it('keeps its ref: the same ref cannot be defined again (409), a new version can', async () => {
    // Prepare
    const api = managementApi();
    const token = await signedIn(api);
    await deletedContract(api, token);
    // Act
    const again = await call(api, { method: 'POST', path: '/v1/contracts', token, body: orderContract() });
    const next = await call(api, {
      method: 'POST',
      path: '/v1/contracts',
      token,
      body: orderContract({ ref: 'acme/order-contract/1.0.1' }),
    });
    // Assess
    expect(again.statusCode).toBe(409);
    expect(responseBody(again).error.message).toMatch(/immutable/);
    expect(next.statusCode).toBe(201);
  });

  it('answers 404 when deleted again', async () => {
    // Prepare
    const api = managementApi();
    const token = await signedIn(api);
    await deletedContract(api, token);
    // Act
    const again = await call(api, {
      method: 'DELETE',
      path: '/v1/contracts/acme/order-contract/1.0.0',
      token,
    });
    // Assess
    expect(again.statusCode).toBe(404);
  });
});

describe('billing ids', () => {
  it('gives a new account one at sign-up, and answers it in sign-up, login and /v1/me alike', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const signup = responseBody(
      await call(api, {
        method: 'POST',
        path: '/v1/accounts',
        body: { email: 'ada@example.com', password: 'correct horse' },
      }),
    );
    const login = responseBody(
      await call(api, {
        method: 'POST',
        path: '/v1/auth/login',
        body: { email: 'ada@example.com', password: 'correct horse' },
      }),
    );
    const me = responseBody(await call(api, { method: 'GET', path: '/v1/me', token: login.accessToken }));
    // Assess
    expect(signup.billingId).toMatch(/^[a-z]+\d{10}$/);
    expect(login.billingId).toBe(signup.billingId);
    expect(me.billingId).toBe(signup.billingId);
  });

  it('gives an account that predates billing ids one at its first login, never an error', async () => {
    // Prepare
    const api = managementApi();
    await api.accounts.create({
      accountId: 'old-1',
      email: 'old@example.com',
      passwordHash: fixturePasswordHash('correct horse'),
      createdAt: new Date(MANAGEMENT_NOW).toISOString(),
    });
    // Act
    const response = await call(api, {
      method: 'POST',
      path: '/v1/auth/login',
      body: { email: 'old@example.com', password: 'correct horse' },
    });
    // Assess
    expect(response.statusCode).toBe(200);
    expect(responseBody(response).billingId).toBe(await api.billingIds.find('old-1'));
    expect(responseBody(response).billingId).toMatch(/^[a-z]+\d{10}$/);
  });
});
