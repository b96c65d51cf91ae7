import type { KinesisStreamRecord } from 'aws-lambda';

/** A record of a Kinesis event-source mapping's batch, decoded from the Lambda event. */
export interface ReceivedKinesisRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Buffer;
  /** When the record reached the stream (ms since the epoch; now when the event does not say). */
  arrivalMs: number;
}

/** The one reading of a Kinesis event record (decrypter, egress and exporter alike). */
export function receivedKinesisRecord(
  { kinesis }: KinesisStreamRecord,
  now: () => number = Date.now,
): ReceivedKinesisRecord {
  const arrivalSeconds = kinesis.approximateArrivalTimestamp ?? now() / 1000;
  return {
    sequenceNumber: kinesis.sequenceNumber,
    partitionKey: kinesis.partitionKey,
    data: Buffer.from(kinesis.data, 'base64'),
    arrivalMs: Math.round(arrivalSeconds * 1000),
  };
}
