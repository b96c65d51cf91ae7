import { receivedKinesisRecord } from '../../../lambdas/runtime/kinesis-record';
import { kinesisEvent } from '../../support/data-path-events';

/** How the Kinesis consumers (decrypter, egress, exporter) read a record of their Lambda event. */
describe('a received Kinesis record', () => {
  const record = (arrivalSeconds: number) =>
    kinesisEvent(
      [
        {
          sequenceNumber: '4960',
          partitionKey: 'link-1',
          data: Buffer.from('{"v":1}'),
          arrivalSeconds,
          shardId: 'shardId-000000000000',
        },
      ],
      'ps-source-events',
    ).Records[0]!;

  it('carries its sequence number, partition key, decoded data and arrival time in ms', () => {
    // Act
    const received = receivedKinesisRecord(record(1_740_830_400.1234));
    // Assess
    expect(received).toEqual({
      sequenceNumber: '4960',
      partitionKey: 'link-1',
      data: Buffer.from('{"v":1}'),
      arrivalMs: 1_740_830_400_123,
    });
  });

  it('arrived now when the event does not say when', () => {
    // Prepare
    const { kinesis, ...rest } = record(0);
    const { approximateArrivalTimestamp: _, ...undated } = kinesis;
    // Act
    const received = receivedKinesisRecord({ ...rest, kinesis: undated } as never, () => 42_000);
    // Assess
    expect(received.arrivalMs).toBe(42_000);
  });
});
