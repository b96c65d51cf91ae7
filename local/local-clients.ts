import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_REGION, type LocalCredentials } from './local-account';

export { LOCAL_REGION, type LocalCredentials };

/** What a client of the local emulators needs: an endpoint and the stack's credentials (they refuse others). */
export interface LocalEndpoint {
  endpoint: string;
  credentials: LocalCredentials;
}

/** A Kinesis client for a local endpoint; HTTP/1.1 because kinesalite does not speak HTTP/2. */
export function localKinesisClient({ endpoint, credentials }: LocalEndpoint): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: LOCAL_REGION,
    credentials,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000 }),
  });
}

export function localDynamoClient({ endpoint, credentials }: LocalEndpoint): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials });
}

/** The stack's credentials as a function's environment carries them (`stack.environmentOf(name)`). */
export function credentialsOfEnv(env: Record<string, string | undefined>): LocalCredentials {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  if (!accessKeyId || !secretAccessKey) throw new Error('the environment carries no local credentials');
  return { accessKeyId, secretAccessKey };
}

/** A function's endpoint for a service (`AWS_ENDPOINT_URL_KINESIS`, ...) with the stack's credentials. */
export function localEndpointOfEnv(
  env: Record<string, string | undefined>,
  service: 'KINESIS' | 'DYNAMODB' | 'KMS',
): LocalEndpoint {
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`];
  if (!endpoint) throw new Error(`the environment names no ${service} endpoint`);
  return { endpoint, credentials: credentialsOfEnv(env) };
}
