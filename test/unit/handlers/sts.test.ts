import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createStsHandler, type StsHandlerDeps } from '../../../lambdas/handlers/sts';
import { InMemoryBillingIdsRepo } from '../../support/fakes/in-memory-billing-ids-repo';
import { InMemoryStreamsRepo } from '../../support/fakes/in-memory-streams-repo';
import { httpApiEvent } from '../../support/http-api-event';
import { recordingLogger } from '../../support/recording-logger';
import { givenStreamWithCredential } from '../../support/stream-records';
import { testTokenService } from '../../support/token-service';

/** `POST /auth` and `POST /refresh` (the Stream Machine STS) through the factory, over in-memory fakes. */
function setup(overrides: Partial<StsHandlerDeps> = {}) {
  const streams = new InMemoryStreamsRepo();
  const billingIds = new InMemoryBillingIdsRepo();
  const tokens = testTokenService();
  const now = Date.parse('2025-06-01T10:00:00.000Z');
  const handler = createStsHandler({
    streams,
    billingIds,
    tokens: async () => tokens,
    now: () => now,
    logger: recordingLogger('sts').logger,
    ...overrides,
  });
  const stream = givenStreamWithCredential(streams);
  billingIds.set(stream.record.accountId, 'demo4678984730');
  return { streams, billingIds, tokens, handler, stream, now };
}

function post(path: '/auth' | '/refresh', body: unknown) {
  return httpApiEvent({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary response shapes
const bodyOf = (response: APIGatewayProxyStructuredResultV2): any => JSON.parse(response.body ?? '');

describe('POST /auth (Stream Machine STS)', () => {
  it('answers {idToken, refreshToken, expiresAt} for the billing id and the client credentials', async () => {
    // Prepare
    const { handler, stream, tokens, now } = setup();
    // Act
    const response = await handler(
      post('/auth', {
        billingId: 'demo4678984730',
        clientId: stream.clientId,
        clientSecret: stream.clientSecret,
      }),
    );
    // Assess
    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body).toEqual({
      idToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresAt: Math.floor(now / 1000) + 900,
    });
    await expect(tokens.verifyStreamToken(body.idToken)).resolves.toMatchObject({
      clientId: stream.clientId,
      stream: stream.record.name,
      billingId: 'demo4678984730',
    });
  });

  it('refuses another account’s billing id with 401, like a wrong secret', async () => {
    // Prepare
    const { handler, stream } = setup();
    // Act
    const response = await handler(
      post('/auth', {
        billingId: 'other0000000000',
        clientId: stream.clientId,
        clientSecret: stream.clientSecret,
      }),
    );
    // Assess
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_client',
      error_description: 'unknown client or wrong secret',
    });
  });

  it('answers 400 naming a missing field', async () => {
    // Prepare
    const { handler, stream } = setup();
    // Act
    const response = await handler(
      post('/auth', { clientId: stream.clientId, clientSecret: stream.clientSecret }),
    );
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error_description).toBe('billingId is required and must be a string');
  });

  it('answers 400 for a body that is not JSON', async () => {
    // Act
    const response = await setup().handler(post('/auth', 'billingId=x'));
    // Assess
    expect(response.statusCode).toBe(400);
  });
});

describe('POST /refresh (Stream Machine STS)', () => {
  it('takes the whole old token, as the Node v2 driver posts it, and answers new tokens', async () => {
    // Prepare
    const { handler, stream } = setup();
    const old = bodyOf(
      await handler(
        post('/auth', {
          billingId: 'demo4678984730',
          clientId: stream.clientId,
          clientSecret: stream.clientSecret,
        }),
      ),
    );
    // Act
    const response = await handler(post('/refresh', old));
    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({
      idToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresAt: old.expiresAt,
    });
  });

  it('refuses an access token in place of the refresh token with 400 invalid_grant', async () => {
    // Prepare
    const { handler, stream } = setup();
    const old = bodyOf(
      await handler(
        post('/auth', {
          billingId: 'demo4678984730',
          clientId: stream.clientId,
          clientSecret: stream.clientSecret,
        }),
      ),
    );
    // Act
    const response = await handler(post('/refresh', { refreshToken: old.idToken }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toBe('invalid_grant');
  });
});
