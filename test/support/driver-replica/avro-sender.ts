import { type ClientHttp2Session, connect } from 'node:http2';
import { Type } from 'avsc';
import { type H2Response, h2Post } from './h2-post';

/**
 * The original Sender on the wire (nodejs-driver `src/sender.ts`, `src/serialization.ts`): one HTTP/2
 * session for all events, `POST /event` on the gateway's origin with `content-type:
 * application/octet-stream`, `Strm-Serialization-Type: application/x-avro-binary`, `Strm-Schema-Ref` and
 * the bearer token; the body is `Type.forSchema(schema).toBuffer(event)` — one raw Avro datum.
 */
export class AvroSender {
  private session: ClientHttp2Session | undefined;

  constructor(
    private readonly gatewayUrl: string,
    private readonly token: () => string,
  ) {}

  send(schemaRef: string, schema: object, event: object): Promise<H2Response> {
    return this.sendBody(schemaRef, Type.forSchema(schema as never).toBuffer(event));
  }

  /** Any bytes as an Avro event body (for bad-input checks). */
  sendBody(schemaRef: string, body: Buffer, headerName = 'Strm-Schema-Ref'): Promise<H2Response> {
    return h2Post(this.currentSession(), '/event', body, {
      'content-type': 'application/octet-stream',
      'strm-serialization-type': 'application/x-avro-binary',
      [headerName.toLowerCase()]: schemaRef,
      authorization: `Bearer ${this.token()}`,
    });
  }

  /** Like the driver: checks only `.closed`, reopening a session that was closed. */
  private currentSession(): ClientHttp2Session {
    if (this.session === undefined || this.session.closed) this.session = connect(this.gatewayUrl);
    return this.session;
  }

  close(): void {
    this.session?.close();
  }
}
