import { ValidationError } from '../core/errors';

/** A required environment variable; a missing one is a deployment error, reported without values. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`missing required environment variable ${name}`);
  return value;
}

export function optionalEnv(name: string, fallback: string): string {
  return process.env[name] || fallback;
}

export function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new ValidationError(`environment variable ${name} must be a number`);
  return n;
}

/** Table and stream names, read once per process when first needed. */
export interface ResourceNames {
  accountsTable: string;
  streamsTable: string;
  contractsTable: string;
  keyLinksTable: string;
  connectionsTable: string;
  usageTable: string;
  sourceEventsStream: string;
  derivedEventsStream: string;
  kmsKeyId: string;
}

export function resourceNamesFromEnv(): ResourceNames {
  return {
    accountsTable: optionalEnv('ACCOUNTS_TABLE', ''),
    streamsTable: optionalEnv('STREAMS_TABLE', ''),
    contractsTable: optionalEnv('CONTRACTS_TABLE', ''),
    keyLinksTable: optionalEnv('KEY_LINKS_TABLE', ''),
    connectionsTable: optionalEnv('CONNECTIONS_TABLE', ''),
    usageTable: optionalEnv('USAGE_TABLE', ''),
    sourceEventsStream: optionalEnv('SOURCE_EVENTS_STREAM', ''),
    derivedEventsStream: optionalEnv('DERIVED_EVENTS_STREAM', ''),
    kmsKeyId: optionalEnv('KMS_KEY_ID', ''),
  };
}
