import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ValidationError } from '../core/errors';
import { decodeUtf8, MalformedJsonError, parseJsonText } from '../core/json-text';
import { bodyBytes } from './request';

/**
 * The one reader of JSON request bodies (management, the OAuth2 token endpoint, the STS): strict UTF-8
 * (bytes that are not UTF-8 are refused, never read as U+FFFD: a data subject id must be the one sent),
 * bounded nesting (checked on the text, before anything recursive touches it), then JSON.parse. Every
 * refusal is a ValidationError with a clear reason; what the value must look like is the caller's parser's
 * business. Size limits come from `bodyBytes` (413).
 */

/**
 * How deep a body may nest. Management bodies carry schema documents: an Avro schema of an event nested
 * as deep as ingest allows (64 levels) nests about four times that (core/event-schemas.ts bounds a
 * definition to 256); anything deeper is an attack, not a request.
 */
export const MAX_BODY_DEPTH = 512;

const WHAT = 'request body';

/** What a reader says when the text is not JSON at all (each API has always worded it its own way). */
export interface JsonBodyOptions {
  malformed?: string;
}

/** A request body's text: strict UTF-8 (ValidationError otherwise), within `limit` bytes (413 otherwise). */
export function readBodyText(event: APIGatewayProxyEventV2, limit?: number): string {
  return decodeUtf8(bodyBytes(event, limit), WHAT);
}

/** The JSON value of a body's text: blank, too deep or malformed are ValidationErrors. */
export function parseJsonBody(text: string, opts: JsonBodyOptions = {}): unknown {
  if (text.trim() === '') throw new ValidationError('request body must be a JSON object');
  try {
    return parseJsonText(text, WHAT, MAX_BODY_DEPTH);
  } catch (error) {
    if (error instanceof MalformedJsonError) {
      throw new ValidationError(opts.malformed ?? 'request body is not valid JSON');
    }
    throw error;
  }
}

/** The parsed JSON body of a request that may have none: a blank body is `{}`. */
export function readOptionalJsonBody(event: APIGatewayProxyEventV2, opts: JsonBodyOptions = {}): unknown {
  const text = readBodyText(event);
  return text.trim() === '' ? {} : parseJsonBody(text, opts);
}

/** The parsed JSON body of a request (readBodyText, then parseJsonBody). */
export function readJsonBody(
  event: APIGatewayProxyEventV2,
  opts: JsonBodyOptions & { limit?: number } = {},
): unknown {
  return parseJsonBody(readBodyText(event, opts.limit), opts);
}
