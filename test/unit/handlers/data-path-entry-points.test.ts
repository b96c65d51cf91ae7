import { handler as decrypter } from '../../../lambdas/handlers/decrypter';
import { handler as egress } from '../../../lambdas/handlers/egress';
import { handler as ingest } from '../../../lambdas/handlers/ingest';
import { ingestRequest, kinesisEvent } from '../../support/data-path-events';

/**
 * The Lambda entry points share one start-up policy (runtime/entry-point.ts): a handler that cannot be
 * built fails the invocation, so API Gateway answers 500 and an event-source mapping retries the batch.
 * Here the build fails because the environment names no tables.
 */
const VARIABLES = ['STREAMS_TABLE', 'CONTRACTS_TABLE', 'KEY_LINKS_TABLE', 'CONNECTIONS_TABLE', 'KMS_KEY_ID'];
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));

beforeAll(() => {
  for (const name of VARIABLES) delete process.env[name];
});

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
});

describe('data-path entry points without their configuration', () => {
  it('ingest fails the invocation instead of answering', async () => {
    // Act
    const invocation = ingest(ingestRequest('{}'));
    // Assess
    await expect(invocation).rejects.toThrow(/missing required environment variable/);
  });

  it('the decrypter fails the invocation, so the whole batch is retried', async () => {
    // Act
    const invocation = decrypter(kinesisEvent([], 'source-events'));
    // Assess
    await expect(invocation).rejects.toThrow(/missing required environment variable/);
  });

  it('egress fails the invocation', async () => {
    // Act
    const invocation = egress(kinesisEvent([], 'derived-events'));
    // Assess
    await expect(invocation).rejects.toThrow(/missing required environment variable CONNECTIONS_TABLE/);
  });
});
