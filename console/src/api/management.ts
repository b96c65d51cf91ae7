import { type FetchFn, requestJson } from './http';
import type { Session } from './session';

/** The management calls the console makes, typed as docs/architecture.md describes them. */

export interface StreamRecord {
  name: string;
  linkedStream?: string;
  consentLevels?: number[];
  consentLevelType?: 'CUMULATIVE' | 'GRANULAR';
  maskedFields?: { fieldPatterns: Record<string, string[]> };
  description?: string;
  enabled: boolean;
  keyRotationHours?: number;
  createdAt: string;
  credentials: { clientId: string }[];
}

/** A batch exporter as `GET /v1/streams/{name}` lists it (once exporters exist on the server). */
export interface BatchExporter {
  name: string;
  stream: string;
  kind?: string;
  interval?: number;
  pathPrefix?: string;
  bucket?: string;
}

export interface StreamDetails {
  stream: StreamRecord;
  derived: StreamRecord[];
  batchExporters?: BatchExporter[];
}

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

export interface Contract {
  ref: string;
  keyField: string;
  piiFields: Record<string, number>;
  validations: { field: string; type: string; value: string }[];
  dataSubjectField?: string;
  schemaRef?: string;
}

export interface UsageBucket {
  from: string;
  count: number;
}

export interface KeyLinkMetadata {
  keyLinkId: string;
  createdAt: string;
  expiresAt: string;
}

export interface CreateStreamRequest {
  name?: string;
  linkedStream?: string;
  consentLevels?: number[];
  consentLevelType?: 'CUMULATIVE' | 'GRANULAR';
  description?: string;
}

const seg = encodeURIComponent;

export const management = {
  listStreams: (s: Session) => s.call<{ streams: StreamRecord[] }>('GET', '/v1/streams'),
  getStream: (s: Session, name: string) => s.call<StreamDetails>('GET', `/v1/streams/${seg(name)}`),
  createStream: (s: Session, body: CreateStreamRequest) =>
    s.call<{ stream: StreamRecord; credentials: Credentials }>('POST', '/v1/streams', { body }),
  deleteStream: (s: Session, name: string, recursive: boolean) =>
    s.call<{ deleted: string[] }>('DELETE', `/v1/streams/${seg(name)}${recursive ? '?recursive=true' : ''}`),
  readToken: (s: Session, name: string) =>
    s.call<{ accessToken: string; expiresAt: number }>('POST', `/v1/streams/${seg(name)}/read-token`),
  createCredential: (s: Session, name: string) =>
    s.call<{ credentials: Credentials }>('POST', `/v1/streams/${seg(name)}/credentials`),
  /** A credential the server refuses after `expiresInSeconds`, so one whose tab closed does not linger. */
  createTemporaryCredential: (s: Session, name: string, expiresInSeconds: number) =>
    s.call<{ credentials: Credentials }>('POST', `/v1/streams/${seg(name)}/credentials`, {
      body: { expiresInSeconds },
    }),
  deleteCredential: (s: Session, name: string, clientId: string) =>
    s.call<void>('DELETE', `/v1/streams/${seg(name)}/credentials/${seg(clientId)}`),
  contracts: (s: Session) => s.call<{ contracts: Contract[] }>('GET', '/v1/contracts'),
  usage: (s: Session, name: string, query: { from: string; until: string; by: string }) =>
    s.call<{ buckets: UsageBucket[] }>(
      'GET',
      `/v1/streams/${seg(name)}/usage?${new URLSearchParams(query).toString()}`,
    ),
  keyLinkMetadata: (s: Session, id: string) =>
    s.call<KeyLinkMetadata>('GET', `/v1/key-links/${seg(id)}/metadata`),
  exportKeyLink: (s: Session, id: string) =>
    s.call<KeyLinkMetadata & { keyset: string }>('GET', `/v1/key-links/${seg(id)}`),
  deleteKeyLink: (s: Session, id: string) => s.call<void>('DELETE', `/v1/key-links/${seg(id)}`),
};

/** `POST /v1/accounts` (no session yet). */
export function signUp(
  fetchFn: FetchFn,
  body: { email: string; password: string; bootstrapSecret?: string },
): Promise<{ accountId: string; email: string }> {
  return requestJson(fetchFn, 'POST', '/v1/accounts', { body });
}
