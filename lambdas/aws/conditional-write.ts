/**
 * Runs a conditional DynamoDB write: true when it was applied, false when its condition failed (another
 * writer got there first). Any other error is rethrown. The one place that recognises a lost condition.
 */
export async function wonConditionalWrite(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    // By name: the error class can come from another copy of the SDK.
    if ((error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}
