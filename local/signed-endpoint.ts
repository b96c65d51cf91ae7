import { randomBytes } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { BodyTooLargeError, readRequestBody } from './request-body';
import {
  type SignatureExpectation,
  type SignatureRefusal,
  verifyRequestSignature,
} from './request-signature';

/**
 * A local AWS-API endpoint that answers only requests signed (SigV4) with the stack's own credentials: the
 * body is read, the signature verified (local/request-signature.ts), and only then is the request handed,
 * as if just received, to the emulator behind it. Anything else gets the service's own 403 error, so an
 * SDK client with the wrong credentials fails as it would against AWS.
 */

/** How the service spells its errors: the JSON protocols with `__type`, or REST-JSON with a header. */
export type ErrorStyle = 'aws-json-1.0' | 'aws-json-1.1' | 'rest-json';

export interface SignedEndpointOptions extends SignatureExpectation {
  errorStyle: ErrorStyle;
  /** Largest body read for verification (the emulators' own limits are lower or equal). */
  maxBodyBytes: number;
}

const ERROR_TYPES: Readonly<Record<SignatureRefusal['reason'], string>> = {
  missing: 'MissingAuthenticationTokenException',
  incomplete: 'IncompleteSignatureException',
  unknown_key: 'UnrecognizedClientException',
  mismatch: 'InvalidSignatureException',
  expired: 'InvalidSignatureException',
};

function sendRefusal(res: ServerResponse, style: ErrorStyle, refusal: SignatureRefusal): void {
  const type = style === 'rest-json' ? 'ForbiddenException' : ERROR_TYPES[refusal.reason];
  const body =
    style === 'rest-json'
      ? { message: refusal.message }
      : {
          __type: style === 'aws-json-1.0' ? `com.amazon.coral.service#${type}` : type,
          message: refusal.message,
        };
  const contentType =
    style === 'rest-json' ? 'application/json' : `application/x-amz-json-${style.slice('aws-json-'.length)}`;
  const text = JSON.stringify(body);
  res.writeHead(403, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-errortype': type,
    'x-amzn-requestid': randomBytes(16).toString('hex'),
  });
  res.end(text);
}

/** The request again, body and all, for a handler that reads it as a stream (the emulators do). */
export function replayOf(req: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = Readable.from(body.length > 0 ? [body] : []) as unknown as IncomingMessage;
  return Object.assign(replay, {
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    method: req.method,
    url: req.url,
    httpVersion: req.httpVersion,
    socket: req.socket,
  });
}

/** Wraps an emulator's request listener so that only correctly signed requests reach it. */
export function signedEndpoint(inner: RequestListener, opts: SignedEndpointOptions): RequestListener {
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    let body: Buffer;
    try {
      body = await readRequestBody(req, opts.maxBodyBytes);
    } catch (err) {
      res.writeHead(err instanceof BodyTooLargeError ? 413 : 400).end();
      return;
    }
    const refusal = await verifyRequestSignature(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body },
      opts,
    );
    if (refusal) {
      sendRefusal(res, opts.errorStyle, refusal);
      return;
    }
    inner(replayOf(req, body), res);
  };
  return (req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
}
