import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MAX_BATCH_BODY_BYTES } from '../core/event-batch';
import { checkBodyContentType } from '../core/event-serialization';
import type { EventBatchBody } from '../use-cases/decode-event-batch';
import type { EventBody } from '../use-cases/decode-event-body';
import { bodyBytes, header } from './request';

/**
 * The parts of an ingest request (`POST /event`): the body's Content-Type must be one ingest reads
 * (absent, JSON, octet-stream; else 415), then the serialization and schema headers (`Strm-Schema-Ref`,
 * or the legacy `Strm-Schema-Id`) and the raw bytes (413 over the limit).
 */
export function readEventBody(event: APIGatewayProxyEventV2): EventBody {
  checkBodyContentType(header(event, 'content-type'));
  return {
    serializationType: header(event, 'strm-serialization-type'),
    schemaRef: header(event, 'strm-schema-ref') ?? header(event, 'strm-schema-id'),
    bytes: bodyBytes(event),
  };
}

/**
 * The parts of a batch request (`POST /events`): the same headers, the Content-Type kept for the layout
 * (core/event-batch.ts decides it, 415 for a type it does not read), a body of up to 4 MiB.
 */
export function readEventBatchBody(event: APIGatewayProxyEventV2): EventBatchBody {
  return {
    contentType: header(event, 'content-type'),
    serializationType: header(event, 'strm-serialization-type'),
    schemaRef: header(event, 'strm-schema-ref') ?? header(event, 'strm-schema-id'),
    bytes: bodyBytes(event, MAX_BATCH_BODY_BYTES),
  };
}

/** Whether a request came by the batch route. */
export function isBatchRequest(event: APIGatewayProxyEventV2): boolean {
  return event.routeKey === 'POST /events';
}
