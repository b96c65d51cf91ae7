import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * One SDK client per service per process (Lambda reuses them across invocations). Endpoints come from the
 * standard `AWS_ENDPOINT_URL_<SERVICE>` variables, which the local runtime sets; nothing here knows
 * whether it runs locally.
 */
let kinesis: KinesisClient | undefined;
let dynamo: DynamoDBDocumentClient | undefined;
let kms: KMSClient | undefined;
let secrets: SecretsManagerClient | undefined;
let s3: S3Client | undefined;

/** Kinesis over HTTP/1.1: the SDK's default HTTP/2 handler breaks kinesalite and gains nothing for PutRecord(s). */
export function kinesisClient(): KinesisClient {
  kinesis ??= new KinesisClient({ requestHandler: new NodeHttpHandler({ connectionTimeout: 5000 }) });
  return kinesis;
}

export function dynamoDocumentClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return dynamo;
}

export function kmsClient(): KMSClient {
  kms ??= new KMSClient({});
  return kms;
}

export function secretsManagerClient(): SecretsManagerClient {
  secrets ??= new SecretsManagerClient({});
  return secrets;
}

/** S3; path-style addressing (`<endpoint>/<bucket>/<key>`) where the topology sets S3_FORCE_PATH_STYLE=true. */
export function s3Client(): S3Client {
  s3 ??= new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' });
  return s3;
}
