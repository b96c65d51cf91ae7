import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startTestEmulators, type TestEmulators } from '../../support/emulators';

describe('test emulators helper', () => {
  let emu: TestEmulators;

  beforeAll(async () => {
    emu = await startTestEmulators();
  });

  afterAll(async () => {
    await emu.stop();
  });

  it('points SDK clients built from the environment alone at the emulators', async () => {
    const dynamo = new DynamoDBClient({});
    const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
    const kms = new KMSClient({});
    try {
      const { Table } = await dynamo.send(
        new DescribeTableCommand({ TableName: process.env.CONNECTIONS_TABLE }),
      );
      expect(Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({
        IndexName: 'byStream',
        KeySchema: [{ AttributeName: 'streamKey', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      });
      const { StreamDescriptionSummary } = await kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: process.env.SOURCE_EVENTS_STREAM }),
      );
      expect(StreamDescriptionSummary).toMatchObject({ StreamStatus: 'ACTIVE', OpenShardCount: 2 });
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: process.env.KMS_KEY_ID }));
      expect(KeyMetadata?.Arn).toBe(emu.kmsKeyArn);
    } finally {
      dynamo.destroy();
      kinesis.destroy();
      kms.destroy();
    }
  });

  it('restores the previous environment when stopped', async () => {
    const second = await startTestEmulators();
    expect(process.env.AWS_ENDPOINT_URL_KINESIS).toBe(second.kinesisUrl);
    await second.stop();
    expect(process.env.AWS_ENDPOINT_URL_KINESIS).toBe(emu.kinesisUrl);
    expect(process.env.AWS_REGION).toBe('us-east-1');
  });
});
