import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AccountsRepo } from '../lambdas/aws/accounts-repo';
import { localDynamoClient, localEndpointOfEnv } from './local-clients';

/**
 * Whether the local stack holds any account yet (the start banner then says "log in" rather than "sign
 * up"). Asks the accounts adapter the management function itself asks (`AccountsRepo.hasAnyAccount`,
 * "sign-up is over"), over the table it sees, with its signed credentials. That answer also counts a
 * bootstrap claim, which the local stack (sign-up `open`) never makes.
 */
export async function hasAccounts(managementEnv: Record<string, string>): Promise<boolean> {
  const table = managementEnv.ACCOUNTS_TABLE;
  if (!table) return false;
  const dynamo = localDynamoClient(localEndpointOfEnv(managementEnv, 'DYNAMODB'));
  try {
    return await new AccountsRepo({ doc: DynamoDBDocumentClient.from(dynamo), table }).hasAnyAccount();
  } finally {
    dynamo.destroy();
  }
}
