import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { checkBodyContentType } from '../core/event-serialization';
import type { EventBody } from '../use-cases/decode-event-body';
import { bodyBytes, header } from './request';

/**
 * The parts of an ingest request (`POST /event`, later also `POST /events`): the body's Content-Type must
 * be one ingest reads (absent, JSON, octet-stream; else 415), then the serialization and schema headers
 * (`Strm-Schema-Ref`, or the legacy `Strm-Schema-Id`) and the raw bytes (413 over the limit).
 */
export function readEventBody(event: APIGatewayProxyEventV2): EventBody {
  checkBodyContentType(header(event, 'content-type'));
  return {
    serializationType: header(event, 'strm-serialization-type'),
    schemaRef: header(event, 'strm-schema-ref') ?? header(event, 'strm-schema-id'),
    bytes: bodyBytes(event),
  };
}
