import type { SchemasRepo } from '../../../lambdas/aws/schemas-repo';
import { ConflictError } from '../../../lambdas/core/errors';
import type { EventSchema } from '../../../lambdas/core/event-schemas';

type SchemasRepoSurface = Pick<SchemasRepo, 'listForAccount' | 'get' | 'put' | 'delete'>;

/**
 * In-memory stand-in for the schema registry items with the adapter's semantics: per account, versions
 * immutable (a second put of a ref is a ConflictError), lists by ref, reads return copies.
 */
export class InMemorySchemasRepo implements SchemasRepoSurface {
  private readonly schemas = new Map<string, EventSchema>();
  /** Calls per method, to check what a cache saves. */
  readonly calls: Record<string, number> = {};

  async listForAccount(accountId: string): Promise<EventSchema[]> {
    this.count('listForAccount');
    return [...this.schemas.entries()]
      .filter(([key]) => key.startsWith(`${accountId}\u0000`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, schema]) => structuredClone(schema));
  }

  async get(accountId: string, ref: string): Promise<EventSchema | undefined> {
    this.count('get');
    const schema = this.schemas.get(key(accountId, ref));
    return schema ? structuredClone(schema) : undefined;
  }

  async put(accountId: string, schema: EventSchema): Promise<void> {
    this.count('put');
    if (this.schemas.has(key(accountId, schema.ref))) {
      throw new ConflictError(`schema ${schema.ref} already exists`, 'schema_exists');
    }
    this.schemas.set(key(accountId, schema.ref), structuredClone(schema));
  }

  async delete(accountId: string, ref: string): Promise<boolean> {
    this.count('delete');
    return this.schemas.delete(key(accountId, ref));
  }

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }
}

function key(accountId: string, ref: string): string {
  return `${accountId}\u0000${ref}`;
}
