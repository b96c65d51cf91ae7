import type { APIGatewayProxyEventV2, KinesisStreamEvent } from 'aws-lambda';
import { LOCAL_REGION } from '../../local/local-clients';
import { httpApiEvent } from './http-api-event';

/**
 * The events the data-path handlers receive, as API Gateway and the Kinesis event source mapping build
 * them (shapes as in test/fixtures/aws-events): for unit tests with fakes and emulator tests alike.
 */

/** An HTTP API (payload v2) `POST /event` request (headers given as undefined are left out). */
export function ingestRequest(
  body: string,
  headers: Record<string, string | undefined> = {},
  isBase64Encoded = false,
): APIGatewayProxyEventV2 {
  const given = Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return httpApiEvent({
    method: 'POST',
    path: '/event',
    headers: { 'content-type': 'application/json', ...Object.fromEntries(given) },
    body,
    isBase64Encoded,
  });
}

/** An HTTP API (payload v2) `POST /events` request (a batch body); headers given as undefined are left out. */
export function ingestBatchRequest(
  body: string,
  headers: Record<string, string | undefined> = {},
  isBase64Encoded = false,
): APIGatewayProxyEventV2 {
  const given = Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const defaults: Record<string, string> =
    'content-type' in headers ? {} : { 'content-type': 'application/json' };
  return httpApiEvent({
    method: 'POST',
    path: '/events',
    headers: { ...defaults, ...Object.fromEntries(given) },
    body,
    isBase64Encoded,
  });
}

/** A record of a Kinesis stream as a test hands it to a consumer. */
export interface StreamRecordData {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  /** ApproximateArrivalTimestamp, seconds since the epoch. */
  arrivalSeconds: number;
  shardId: string;
}

/** A Kinesis event source mapping batch of stored records, as Lambda would deliver it. */
export function kinesisEvent(records: readonly StreamRecordData[], streamName: string): KinesisStreamEvent {
  return {
    Records: records.map((record) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.partitionKey,
        sequenceNumber: record.sequenceNumber,
        data: Buffer.from(record.data).toString('base64'),
        approximateArrivalTimestamp: record.arrivalSeconds,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${record.shardId}:${record.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/local',
      awsRegion: LOCAL_REGION,
      eventSourceARN: `arn:aws:kinesis:${LOCAL_REGION}:000000000000:stream/${streamName}`,
    })),
  };
}
