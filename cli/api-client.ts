/** Typed calls to the Privacy Streams HTTP API (docs/architecture.md, "HTTP API"). */

export type ConsentLevelType = 'CUMULATIVE' | 'GRANULAR';

export interface StreamRecord {
  name: string;
  accountId?: string;
  linkedStream?: string;
  consentLevels?: number[];
  consentLevelType?: ConsentLevelType;
  maskedFields?: { seed?: string; fieldPatterns?: Record<string, string[]> };
  description?: string;
  tags?: string[];
  enabled?: boolean;
  keyRotationHours?: number;
  createdAt?: string;
  credentials?: { clientId: string }[];
}

/** `GET /v1/key-links/{id}`: one key link with its key as a Tink JSON keyset (a secret). */
export interface ExportedKeyLink {
  keyLinkId: string;
  createdAt: string;
  expiresAt: string;
  /** A Tink JSON keyset (one AES256_SIV key), as a JSON string. */
  keyset: string;
}

/** A batch exporter (or key stream) as the API answers it. */
export interface BatchExporter {
  exporterId: string;
  name: string;
  accountId?: string;
  stream: string;
  kind: 'events' | 'keys';
  /** Seconds. */
  interval: number;
  pathPrefix: string;
  includeExistingEvents: boolean;
  bucket: string;
  createdAt?: string;
}

export interface CreateBatchExporterRequest {
  stream: string;
  name?: string;
  kind?: 'events' | 'keys';
  interval?: number;
  pathPrefix?: string;
  includeExistingEvents?: boolean;
  bucket?: string;
}

/** One exported file. */
export interface ExportFile {
  name: string;
  bucket: string;
  key: string;
  size: number;
  lastModified: string;
}

export interface StreamCredentials {
  clientId: string;
  clientSecret: string;
}

export interface CreateStreamRequest {
  name?: string;
  linkedStream?: string;
  consentLevels?: number[];
  consentLevelType?: ConsentLevelType;
  description?: string;
  tags?: string[];
}

export interface CreatedStream {
  stream: StreamRecord;
  credentials: StreamCredentials;
}

export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  /** Epoch seconds. */
  expiresAt: number;
  accountId: string;
  email: string;
  /** The account's billing id (the original's account key; the STS `/auth` asks for it). */
  billingId?: string;
}

/** An event schema of the registry (`/v1/schemas`). */
export interface SchemaRecord {
  ref: string;
  type: 'AVRO' | 'JSONSCHEMA';
  definition: Record<string, unknown>;
}

/** An event contract (`/v1/contracts`). */
export interface ContractRecord {
  ref: string;
  schemaRef?: string;
  keyField: string;
  piiFields: Record<string, number>;
  validations: { field: string; type: string; value: string }[];
  dataSubjectField?: string;
}

/** A user of the caller's account (`GET /v1/users`). */
export interface AccountUser {
  email: string;
  createdAt?: string;
}

/** `GET /v1/streams/{name}/usage`: events counted in one bucket starting at `from` (ISO 8601). */
export interface UsageBucket {
  from: string;
  count: number;
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  refresh_expires_in?: number;
}

/** The API answered with an error status; `message` is the server's reason. */
export class ApiError extends Error {
  /** Seconds from the `Retry-After` header of a 429 or 503, when the server sent one. */
  retryAfterSeconds?: number;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API could not be reached at all (connection refused, DNS, timeout). */
export class UnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(unreachableMessage(url, reason));
    this.name = 'UnreachableError';
  }
}

function unreachableMessage(url: string, reason: string): string {
  const host = safeHostname(url);
  if (host === '127.0.0.1' || host === 'localhost' || host === '[::1]') {
    return `Cannot reach ${url}: is the local stack running? Start it with: npm start`;
  }
  return `Cannot reach ${url} (${reason})`;
}

function safeHostname(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

const REQUEST_TIMEOUT_MS = 30_000;

export interface ApiClientOptions {
  apiUrl: string;
  fetch?: typeof fetch;
}

export class ApiClient {
  readonly apiUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
  }

  signup(
    email: string,
    password: string,
    bootstrapSecret?: string,
  ): Promise<{ accountId: string; email: string }> {
    const body: Record<string, string> = { email, password };
    if (bootstrapSecret !== undefined) body.bootstrapSecret = bootstrapSecret;
    return this.json('POST', '/v1/accounts', { body });
  }

  login(email: string, password: string): Promise<LoginResult> {
    return this.json('POST', '/v1/auth/login', { body: { email, password } });
  }

  refreshLogin(refreshToken: string): Promise<LoginResult> {
    return this.json('POST', '/v1/auth/refresh', { body: { refreshToken } });
  }

  /** Ends the session family of the refresh token on the server (204, also for an unknown token). */
  async logout(refreshToken: string): Promise<void> {
    await this.json('POST', '/v1/auth/logout', { body: { refreshToken } });
  }

  /** Changes the caller's password; the server ends every session of that user. */
  async changePassword(token: string, currentPassword: string, newPassword: string): Promise<void> {
    await this.json('POST', '/v1/auth/password', { token, body: { currentPassword, newPassword } });
  }

  /** Adds a user (teammate) to the caller's account. */
  createUser(token: string, email: string, password: string): Promise<{ accountId: string; email: string }> {
    return this.json('POST', '/v1/users', { token, body: { email, password } });
  }

  async listUsers(token: string): Promise<AccountUser[]> {
    const result = await this.json<{ users?: AccountUser[] }>('GET', '/v1/users', { token });
    return result.users ?? [];
  }

  async deleteUser(token: string, email: string): Promise<void> {
    await this.json('DELETE', `/v1/users/${encodeURIComponent(email)}`, { token });
  }

  me(token: string): Promise<{ accountId: string; email: string }> {
    return this.json('GET', '/v1/me', { token });
  }

  async listStreams(token: string): Promise<StreamRecord[]> {
    const result = await this.json<{ streams?: StreamRecord[] }>('GET', '/v1/streams', { token });
    return result.streams ?? [];
  }

  getStream(
    token: string,
    name: string,
  ): Promise<{ stream: StreamRecord; derived: StreamRecord[]; batchExporters?: BatchExporter[] }> {
    return this.json('GET', `/v1/streams/${encodeURIComponent(name)}`, { token });
  }

  createStream(token: string, request: CreateStreamRequest): Promise<CreatedStream> {
    return this.json('POST', '/v1/streams', { token, body: request });
  }

  deleteStream(
    token: string,
    name: string,
    recursive: boolean,
  ): Promise<{ deleted: string[]; deletedBatchExporters?: string[] }> {
    const query = recursive ? '?recursive=true' : '';
    return this.json('DELETE', `/v1/streams/${encodeURIComponent(name)}${query}`, { token });
  }

  /** A new client id/secret for a stream (the secret is in this answer only). */
  createCredentials(token: string, stream: string): Promise<CreatedStream> {
    return this.json('POST', `/v1/streams/${encodeURIComponent(stream)}/credentials`, { token });
  }

  /** Deletes one client id of a stream (204); it stops working at once. */
  async deleteCredentials(token: string, stream: string, clientId: string): Promise<void> {
    const path = `/v1/streams/${encodeURIComponent(stream)}/credentials/${encodeURIComponent(clientId)}`;
    await this.json('DELETE', path, { token });
  }

  /** The stream's event counts per bucket (`by` = minute, hour or day), oldest first, empty buckets left out. */
  async streamUsage(
    token: string,
    stream: string,
    query: { from: string; until: string; by: 'minute' | 'hour' | 'day' },
  ): Promise<UsageBucket[]> {
    const search = new URLSearchParams(query).toString();
    const path = `/v1/streams/${encodeURIComponent(stream)}/usage?${search}`;
    const result = await this.json<{ buckets?: UsageBucket[] }>('GET', path, { token });
    return result.buckets ?? [];
  }

  async listSchemas(token: string): Promise<SchemaRecord[]> {
    return (await this.json<{ schemas?: SchemaRecord[] }>('GET', '/v1/schemas', { token })).schemas ?? [];
  }

  async getSchema(token: string, ref: string): Promise<SchemaRecord> {
    return (await this.json<{ schema: SchemaRecord }>('GET', `/v1/schemas/${refPath(ref)}`, { token }))
      .schema;
  }

  async createSchema(token: string, schema: SchemaRecord): Promise<SchemaRecord> {
    return (await this.json<{ schema: SchemaRecord }>('POST', '/v1/schemas', { token, body: schema })).schema;
  }

  async deleteSchema(token: string, ref: string): Promise<void> {
    await this.json('DELETE', `/v1/schemas/${refPath(ref)}`, { token });
  }

  async listContracts(token: string): Promise<ContractRecord[]> {
    return (
      (await this.json<{ contracts?: ContractRecord[] }>('GET', '/v1/contracts', { token })).contracts ?? []
    );
  }

  async getContract(token: string, ref: string): Promise<ContractRecord> {
    return (await this.json<{ contract: ContractRecord }>('GET', `/v1/contracts/${refPath(ref)}`, { token }))
      .contract;
  }

  async createContract(token: string, contract: Record<string, unknown>): Promise<ContractRecord> {
    return (await this.json<{ contract: ContractRecord }>('POST', '/v1/contracts', { token, body: contract }))
      .contract;
  }

  async deleteContract(token: string, ref: string): Promise<void> {
    await this.json('DELETE', `/v1/contracts/${refPath(ref)}`, { token });
  }

  /** Exports a key link's key; the answer holds a secret decryption key. */
  getKeyLink(token: string, keyLinkId: string): Promise<ExportedKeyLink> {
    return this.json('GET', `/v1/key-links/${encodeURIComponent(keyLinkId)}`, { token });
  }

  /** Crypto-shreds one key link (204). */
  async deleteKeyLink(token: string, keyLinkId: string): Promise<void> {
    await this.json('DELETE', `/v1/key-links/${encodeURIComponent(keyLinkId)}`, { token });
  }

  /** Crypto-shreds every key link of one data subject. */
  deleteDataSubject(token: string, dataSubjectId: string): Promise<{ deletedKeyLinks: number }> {
    return this.json('POST', '/v1/data-subjects/forget', { token, body: { dataSubject: dataSubjectId } });
  }

  // Batch exporters and their files (docs/architecture.md, "HTTP API").

  async createBatchExporter(token: string, request: CreateBatchExporterRequest): Promise<BatchExporter> {
    const result = await this.json<{ batchExporter: BatchExporter }>('POST', '/v1/batch-exporters', {
      token,
      body: request,
    });
    return result.batchExporter;
  }

  async listBatchExporters(token: string): Promise<BatchExporter[]> {
    const result = await this.json<{ batchExporters?: BatchExporter[] }>('GET', '/v1/batch-exporters', {
      token,
    });
    return result.batchExporters ?? [];
  }

  async getBatchExporter(token: string, name: string): Promise<BatchExporter> {
    const path = `/v1/batch-exporters/${encodeURIComponent(name)}`;
    return (await this.json<{ batchExporter: BatchExporter }>('GET', path, { token })).batchExporter;
  }

  async deleteBatchExporter(token: string, name: string): Promise<void> {
    await this.json('DELETE', `/v1/batch-exporters/${encodeURIComponent(name)}`, { token });
  }

  /** One page of an exporter's files after the file `after` (name order). */
  listExportFiles(
    token: string,
    name: string,
    after?: string,
  ): Promise<{ files: ExportFile[]; next?: string }> {
    const query = after === undefined ? '' : `?after=${encodeURIComponent(after)}`;
    return this.json('GET', `/v1/batch-exporters/${encodeURIComponent(name)}/files${query}`, { token });
  }

  /** A short-lived URL that downloads one exported file. */
  exportFileUrl(
    token: string,
    name: string,
    file: string,
  ): Promise<{ name: string; size: number; url: string }> {
    const path = `/v1/batch-exporters/${encodeURIComponent(name)}/files/${encodeURIComponent(file)}`;
    return this.json('GET', path, { token });
  }

  /** The content of a download URL (as text: exported files are JSON Lines). */
  async download(url: string): Promise<string> {
    let response: Response;
    try {
      response = await this.fetchFn(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw new UnreachableError(new URL(url).origin, networkReason(error));
    }
    if (!response.ok)
      throw new ApiError(
        response.status,
        String(response.status),
        `download failed with HTTP ${response.status}`,
      );
    return response.text();
  }

  /** OAuth2 client_credentials grant at `POST /auth/token`. */
  streamToken(clientId: string, clientSecret: string): Promise<TokenResponse> {
    return this.tokenRequest({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    });
  }

  /** OAuth2 refresh_token grant at `POST /auth/token`. */
  refreshStreamToken(refreshToken: string): Promise<TokenResponse> {
    return this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  /**
   * `POST /event`; returns the status and body as text (204 = accepted) so the caller decides. The schema
   * goes in `Strm-Schema-Ref`, or in the legacy `Strm-Schema-Id` for the legacy clickstream.
   */
  async sendEvent(
    token: string,
    schemaRef: string,
    event: unknown,
    schemaHeader: 'strm-schema-ref' | 'strm-schema-id' = 'strm-schema-ref',
  ): Promise<{ status: number; body: string }> {
    return this.postJsonEvents('/event', token, schemaRef, event, schemaHeader);
  }

  /**
   * `POST /events` with the events as a JSON array; returns the status and body as text (200 with a result
   * per event, else the whole request's refusal) so the caller decides.
   */
  async sendEvents(
    token: string,
    schemaRef: string,
    events: readonly unknown[],
    schemaHeader: 'strm-schema-ref' | 'strm-schema-id' = 'strm-schema-ref',
  ): Promise<{ status: number; body: string }> {
    return this.postJsonEvents('/events', token, schemaRef, events, schemaHeader);
  }

  /** An ingest POST of JSON (one event or an array), answered as status and text for the caller to judge. */
  private async postJsonEvents(
    path: '/event' | '/events',
    token: string,
    schemaRef: string,
    body: unknown,
    schemaHeader: 'strm-schema-ref' | 'strm-schema-id',
  ): Promise<{ status: number; body: string }> {
    const response = await this.request(path, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        [schemaHeader]: schemaRef,
        'strm-serialization-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.text() };
  }

  private async tokenRequest(form: Record<string, string>): Promise<TokenResponse> {
    const response = await this.request('/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    });
    return parseResponse<TokenResponse>(response);
  }

  private async json<T>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.request(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    return parseResponse<T>(response);
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    const url = `${this.apiUrl}${path}`;
    try {
      return await this.fetchFn(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw new UnreachableError(this.apiUrl, networkReason(error));
    }
  }
}

/** `handle/name/version` as path segments, each percent-encoded. */
function refPath(ref: string): string {
  return ref.split('/').map(encodeURIComponent).join('/');
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if ((error as Error).name === 'TimeoutError') return 'timed out';
  return cause?.message ?? (error as Error).message ?? 'network error';
}

async function parseResponse<T>(response: Response): Promise<T> {
  const text = await response.text();
  if (response.ok) {
    if (text === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(
        response.status,
        'invalid_response',
        `the API answered ${response.status} with a non-JSON body`,
      );
    }
  }
  const error = errorFromBody(response.status, text);
  const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) error.retryAfterSeconds = retryAfter;
  throw error;
}

/** Maps `{"error":{"code","message"}}`, OAuth2 `{"error","error_description"}` or a text body to an ApiError. */
export function errorFromBody(status: number, text: string): ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const error = (parsed as { error?: unknown }).error;
    if (typeof error === 'object' && error !== null) {
      const { code, message } = error as { code?: unknown; message?: unknown };
      if (typeof message === 'string') {
        return new ApiError(status, typeof code === 'string' ? code : String(status), message);
      }
    }
    if (typeof error === 'string') {
      const description = (parsed as { error_description?: unknown }).error_description;
      return new ApiError(status, error, typeof description === 'string' ? description : error);
    }
    const message = (parsed as { message?: unknown }).message;
    if (typeof message === 'string') return new ApiError(status, String(status), message);
  }
  const trimmed = text.trim();
  return new ApiError(status, String(status), trimmed === '' ? `HTTP ${status}` : trimmed.slice(0, 500));
}
