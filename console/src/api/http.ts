/**
 * JSON over fetch for the console: one place that turns the API's error bodies (management
 * `{"error":{"code","message"}}`, OAuth2 `{"error","error_description"}`, ingest's text) into ApiError.
 */

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  token?: string;
  headers?: Record<string, string>;
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === 'object' && body.error !== null) {
      return new ApiError(response.status, String(body.error.code), String(body.error.message));
    }
    if (body && typeof body.error === 'string') {
      return new ApiError(response.status, body.error, String(body.error_description ?? body.error));
    }
  } catch {
    // Not JSON: the text itself is the reason (ingest answers text/plain).
  }
  return new ApiError(response.status, `http_${response.status}`, text.trim() || response.statusText);
}

/** One request; the parsed JSON body (undefined for 204), or an ApiError. */
export async function requestJson<T>(
  fetchFn: FetchFn,
  method: string,
  url: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  let body: string | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetchFn(url, { method, headers, body, credentials: 'omit' });
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
