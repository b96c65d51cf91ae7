import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ConnectionsRepo } from '../../../lambdas/aws/connections-repo';
import { getTokenService } from '../../../lambdas/aws/system-secrets';
import { decodeEnvelope } from '../../../lambdas/core/event-envelope';
import { handler as decrypterHandler } from '../../../lambdas/handlers/decrypter';
import { handler as ingestHandler } from '../../../lambdas/handlers/ingest';
import { handler as wsConnectHandler } from '../../../lambdas/handlers/ws-connect';
import { clickstreamEvent, eventBody } from '../../support/factories';
import {
  createStreamRecord,
  type DataPathEnv,
  ingestRequest,
  kinesisEvent,
  readAllRecords,
  startDataPathEnv,
} from './data-path-env';

/**
 * The Lambda entry points as the local runtime and AWS call them: configured only by environment
 * variables (endpoints included), building their clients on first use (after beforeAll set them).
 */
let env: DataPathEnv;
const savedEnv = { ...process.env };

beforeAll(async () => {
  env = await startDataPathEnv();
  // Endpoints, region, credentials, table and stream names and the KMS key, as the local stack sets them.
  Object.assign(process.env, env.emulators.env);
});

afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await env.close();
});

describe('handler exports configured from the environment', () => {
  it('ingest and decrypter carry an event from POST /event to the derived stream', async () => {
    const accountId = 'account-env';
    const { stream, clientId } = await createStreamRecord(env, accountId, { name: 'winston' });
    await createStreamRecord(env, accountId, {
      name: 'winston-0',
      linkedStream: 'winston',
      consentLevels: [0],
    });
    const { accessToken } = await (await getTokenService()).issueStreamTokens({
      clientId,
      accountId,
      stream: stream.name,
      derived: false,
    });

    const response = (await ingestHandler(
      ingestRequest(eventBody(clickstreamEvent({ customer: { id: 'customer-9' } })), {
        authorization: `Bearer ${accessToken}`,
      }),
    )) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(204);

    const source = await readAllRecords(env, env.sourceStream);
    expect(source).toHaveLength(1);
    const result = await decrypterHandler(kinesisEvent(source, env.sourceStream));
    expect(result.batchItemFailures).toEqual([]);

    const derived = (await readAllRecords(env, env.derivedStream)).map((record) =>
      decodeEnvelope(record.data),
    );
    expect(derived).toHaveLength(1);
    expect(derived[0]).toMatchObject({ stream: 'winston-0', event: { customer: { id: 'customer-9' } } });
  });

  it('ws-connect stores and removes a connection', async () => {
    const repo = new ConnectionsRepo({ doc: env.dynamo, table: env.tables.connections });
    const authorizer = { accountId: 'account-env', stream: 'winston', clientId: 'c' };

    await wsConnectHandler({
      requestContext: { eventType: 'CONNECT', connectionId: 'env-conn', authorizer },
    });
    expect((await repo.listByStream('account-env', 'winston')).map((c) => c.connectionId)).toEqual([
      'env-conn',
    ]);
    await wsConnectHandler({ requestContext: { eventType: 'DISCONNECT', connectionId: 'env-conn' } });
    expect(await repo.listByStream('account-env', 'winston')).toEqual([]);
  });
});
