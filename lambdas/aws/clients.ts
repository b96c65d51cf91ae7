import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { KMSClient } from '@aws-sdk/client-kms';
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
