import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createStsHandler } from '../../../lambdas/handlers/sts';
import { createTokenHandler } from '../../../lambdas/handlers/token';
import { InMemoryBillingIdsRepo } from '../../support/fakes/in-memory-billing-ids-repo';
import { InMemoryStreamsRepo } from '../../support/fakes/in-memory-streams-repo';
import { httpApiEvent } from '../../support/http-api-event';
import { managementApi, managementRequest, responseBody } from '../../support/management-api';
import { recordingLogger } from '../../support/recording-logger';
import { testTokenService } from '../../support/token-service';

/**
 * Hostile JSON bodies on the three JSON readers (management, OAuth2 token endpoint, STS): nesting far
 * beyond any real request, and bytes that are not UTF-8, are 400s that say what is wrong — never a 500,
 * and never silently read as U+FFFD.
 */

/** `[[[…]]]` nested `depth` levels: JSON text, never a value (a value that deep is what breaks things). */
const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** A body whose bytes are `prefix`, one byte that is no UTF-8 (0xff), then `suffix`; sent base64-encoded. */
function invalidUtf8(prefix: string, suffix: string): string {
  return Buffer.concat([Buffer.from(prefix), Buffer.from([0xff]), Buffer.from(suffix)]).toString('base64');
}

// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary response shapes
const oauthBody = (response: APIGatewayProxyStructuredResultV2): any => JSON.parse(response.body ?? '');

describe('management JSON bodies', () => {
  it('answers 400 naming the nesting for a schema definition nested 100,000 deep (not 500)', async () => {
    // Prepare
    const api = managementApi();
    const body = `{"ref":"acme/deep/1.0.0","type":"JSONSCHEMA","definition":{"a":${nestedArrays(100_000)}}}`;
    // Act
    const res = await api.handler(
      managementRequest({ method: 'POST', path: '/v1/schemas', token: await api.userToken('a'), body }),
    );
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error).toEqual({
      code: 'invalid_request',
      message: 'JSON request body nests arrays and objects more than 512 levels deep',
    });
  });

  it('answers 400 naming the limit for a JSON Schema nested 3,000 deep, before compiling it', async () => {
    // Prepare
    const api = managementApi();
    let definition: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 1_500; i++) definition = { type: 'object', properties: { a: definition } };
    // Act
    const res = await api.handler(
      managementRequest({
        method: 'POST',
        path: '/v1/schemas',
        token: await api.userToken('a'),
        body: { ref: 'acme/deep/1.0.0', type: 'JSONSCHEMA', definition },
      }),
    );
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error.message).toMatch(/nests arrays and objects more than \d+ levels deep/);
    expect(res.body).not.toContain('call stack');
  });

  it('answers 400 for a schema definition deeper than 256 levels that the body limit lets through', async () => {
    // Prepare
    const api = managementApi();
    let definition: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 150; i++) definition = { type: 'object', properties: { a: definition } };
    // Act
    const res = await api.handler(
      managementRequest({
        method: 'POST',
        path: '/v1/schemas',
        token: await api.userToken('a'),
        body: { ref: 'acme/deep/1.0.0', type: 'JSONSCHEMA', definition },
      }),
    );
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error.message).toBe(
      'schema.definition nests arrays and objects more than 256 levels deep',
    );
  });

  it('still takes a JSON Schema for an event nested as deep as ingest allows (64 levels)', async () => {
    // Prepare
    const api = managementApi();
    let definition: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 63; i++) definition = { type: 'object', properties: { a: definition } };
    // Act
    const res = await api.handler(
      managementRequest({
        method: 'POST',
        path: '/v1/schemas',
        token: await api.userToken('a'),
        body: { ref: 'acme/deep/1.0.0', type: 'JSONSCHEMA', definition },
      }),
    );
    // Assess
    expect(res.statusCode).toBe(201);
  });

  it('answers 400 for a body that is not UTF-8, so forget never shreds another subject', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await api.handler(
      managementRequest({
        method: 'POST',
        path: '/v1/data-subjects/forget',
        token: await api.userToken('a'),
        body: invalidUtf8('{"dataSubject":"ann', '"}'),
        isBase64Encoded: true,
      }),
    );
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error).toEqual({
      code: 'invalid_request',
      message: 'request body is not valid UTF-8',
    });
  });
});

describe('token endpoint JSON bodies', () => {
  function token() {
    return createTokenHandler({
      streams: new InMemoryStreamsRepo(),
      billingIds: new InMemoryBillingIdsRepo(),
      tokens: async () => testTokenService(),
      logger: recordingLogger('token').logger,
    });
  }

  it('answers 400 invalid_request for JSON nested 8,000 deep (the most 16 KiB hold)', async () => {
    // Act
    const response = await token()(
      httpApiEvent({
        method: 'POST',
        path: '/auth/token',
        headers: { 'content-type': 'application/json' },
        body: `{"grant_type":${nestedArrays(8_000)}}`,
      }),
    );
    // Assess
    expect(response.statusCode).toBe(400);
    expect(oauthBody(response)).toEqual({
      error: 'invalid_request',
      error_description: 'JSON request body nests arrays and objects more than 512 levels deep',
    });
  });

  it('answers 400 invalid_request for a body that is not UTF-8', async () => {
    // Act
    const response = await token()(
      httpApiEvent({
        method: 'POST',
        path: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: invalidUtf8('grant_type=client_credentials&client_id=ps-', ''),
        isBase64Encoded: true,
      }),
    );
    // Assess
    expect(response.statusCode).toBe(400);
    expect(oauthBody(response)).toEqual({
      error: 'invalid_request',
      error_description: 'request body is not valid UTF-8',
    });
  });
});

describe('STS JSON bodies', () => {
  function sts() {
    return createStsHandler({
      streams: new InMemoryStreamsRepo(),
      billingIds: new InMemoryBillingIdsRepo(),
      tokens: async () => testTokenService(),
      logger: recordingLogger('sts').logger,
    });
  }

  it('answers 400 invalid_request for JSON nested 8,000 deep (the most 16 KiB hold)', async () => {
    // Act
    const response = await sts()(
      httpApiEvent({
        method: 'POST',
        path: '/auth',
        headers: { 'content-type': 'application/json' },
        body: `{"billingId":${nestedArrays(8_000)}}`,
      }),
    );
    // Assess
    expect(response.statusCode).toBe(400);
    expect(oauthBody(response)).toEqual({
      error: 'invalid_request',
      error_description: 'JSON request body nests arrays and objects more than 512 levels deep',
    });
  });

  it('answers 400 invalid_request for a body that is not UTF-8', async () => {
    // Act
    const response = await sts()(
      httpApiEvent({
        method: 'POST',
        path: '/refresh',
        headers: { 'content-type': 'application/json' },
        body: invalidUtf8('{"refreshToken":"', '"}'),
        isBase64Encoded: true,
      }),
    );
    // Assess
    expect(response.statusCode).toBe(400);
    expect(oauthBody(response)).toEqual({
      error: 'invalid_request',
      error_description: 'request body is not valid UTF-8',
    });
  });
});
