import { type EventSchema, findBuiltinSchema } from '../core/event-schemas';
import { AccountCatalog } from './account-catalog';

/** The part of the schemas repository the data path reads. */
export interface CustomSchemaSource {
  listForAccount(accountId: string): Promise<EventSchema[]>;
}

/** How long an account's own schemas are trusted in a warm process. */
export const SCHEMAS_CACHE_TTL_MS = 30_000;
const SCHEMAS_REFRESH_INTERVAL_MS = 1_000;

/**
 * The schemas an account's producers may name in `Strm-Schema-Ref`: the built-ins (under both original
 * handles, and the legacy `clickstream`) plus the account's own, cached per account like its contracts.
 */
export class AccountSchemas {
  private readonly catalog: AccountCatalog<EventSchema>;

  constructor(options: { source: CustomSchemaSource; ttlMs?: number; now?: () => number }) {
    this.catalog = new AccountCatalog({
      listForAccount: (accountId) => options.source.listForAccount(accountId),
      builtin: findBuiltinSchema,
      refOf: (schema) => schema.ref,
      canonicalRef: (ref) => ref,
      ttlMs: options.ttlMs ?? SCHEMAS_CACHE_TTL_MS,
      refreshIntervalMs: SCHEMAS_REFRESH_INTERVAL_MS,
      now: options.now,
    });
  }

  find(accountId: string, ref: string): Promise<EventSchema | undefined> {
    return this.catalog.find(accountId, ref);
  }
}
