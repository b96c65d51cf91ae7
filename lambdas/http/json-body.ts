import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ValidationError } from '../core/errors';
import { bodyBytes } from './request';

/**
 * The parsed JSON body of a request (size-limited by `bodyBytes`). A missing or blank body and malformed
 * JSON are 400s with a clear reason; what the value must look like is the reader's parser's business.
 */
export function readJsonBody(event: APIGatewayProxyEventV2): unknown {
  const raw = bodyBytes(event).toString('utf8');
  if (raw.trim() === '') throw new ValidationError('request body must be a JSON object');
  try {
    return JSON.parse(raw);
  } catch {
    throw new ValidationError('request body is not valid JSON');
  }
}
