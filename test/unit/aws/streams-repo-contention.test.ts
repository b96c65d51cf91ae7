import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { StreamsRepo } from '../../../lambdas/aws/streams-repo';
import { ConflictError } from '../../../lambdas/core/errors';
import { httpStatusOf } from '../../../lambdas/core/http-status';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const docMock = mockClient(doc);

beforeEach(() => docMock.reset());

describe('StreamsRepo.removeCredential under contention', () => {
  it('is a 409 ConflictError, not an internal error, when the list keeps changing', async () => {
    // Prepare
    const lost = Object.assign(new Error('condition'), { name: 'ConditionalCheckFailedException' });
    docMock.on(GetCommand).resolves({
      Item: { accountId: 'acct', name: 'winston', credentials: [{ clientId: 'ps-a' }, { clientId: 'ps-b' }] },
    });
    docMock.on(UpdateCommand).rejects(lost);
    const repo = new StreamsRepo({ doc, table: 'streams' });
    // Act
    const removing = repo.removeCredential('acct', 'winston', 'ps-b');
    // Assess
    const error = await removing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ code: 'concurrent_change' });
    expect(httpStatusOf(error)).toBe(409);
    expect(docMock.commandCalls(UpdateCommand)).toHaveLength(5);
  });
});
