/**
 * The CDK construct id of a topology name: `ws-authorizer` → `WsAuthorizer`, `keyLinks` → `KeyLinks`.
 * Logical ids (and so the deployed resources) derive from these: renaming a topology entry replaces its resource.
 */
export function constructId(name: string): string {
  return name
    .split('-')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
