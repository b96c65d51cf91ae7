import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { wonConditionalWrite } from '../../../lambdas/aws/conditional-write';
import { queryAll } from '../../../lambdas/aws/query-all';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const docMock = mockClient(doc);

beforeEach(() => docMock.reset());

describe('queryAll', () => {
  it('follows LastEvaluatedKey until the last page', async () => {
    // Prepare
    docMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ n: 1 }], LastEvaluatedKey: { pk: 'a' } })
      .resolvesOnce({ Items: [{ n: 2 }, { n: 3 }] });
    // Act
    const items = await queryAll(doc, { TableName: 't', KeyConditionExpression: 'pk = :pk' });
    // Assess
    expect(items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(docMock.commandCalls(QueryCommand)[1]!.args[0].input.ExclusiveStartKey).toEqual({ pk: 'a' });
  });
});

describe('wonConditionalWrite', () => {
  it('is true when the write was applied and false when its condition failed', async () => {
    // Prepare
    const lost = Object.assign(new Error('condition'), { name: 'ConditionalCheckFailedException' });
    // Act + Assess
    expect(await wonConditionalWrite(async () => undefined)).toBe(true);
    expect(await wonConditionalWrite(async () => Promise.reject(lost))).toBe(false);
  });

  it('rethrows any other error', async () => {
    // Prepare
    const other = Object.assign(new Error('down'), { name: 'InternalServerError' });
    // Act + Assess
    await expect(wonConditionalWrite(async () => Promise.reject(other))).rejects.toBe(other);
  });
});
