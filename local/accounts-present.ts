import { paginateScan } from '@aws-sdk/client-dynamodb';
import { localDynamoClient, localEndpointOfEnv } from './local-clients';

/**
 * Whether the local stack holds any account yet (the start banner then says "log in" rather than "sign
 * up"). Reads the accounts table the way the management function sees it, with its signed credentials.
 */
export async function hasAccounts(managementEnv: Record<string, string>): Promise<boolean> {
  const table = managementEnv.ACCOUNTS_TABLE;
  if (!table) return false;
  const dynamo = localDynamoClient(localEndpointOfEnv(managementEnv, 'DYNAMODB'));
  try {
    const pages = paginateScan(
      { client: dynamo },
      {
        TableName: table,
        FilterExpression: 'sk = :account',
        ExpressionAttributeValues: { ':account': { S: 'account' } },
        ProjectionExpression: 'pk',
      },
    );
    for await (const page of pages) if ((page.Count ?? 0) > 0) return true;
    return false;
  } finally {
    dynamo.destroy();
  }
}
