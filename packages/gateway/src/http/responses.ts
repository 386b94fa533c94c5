// OTLP/HTTP answers, in the encoding of the request (the spec: the same Content-Type as received):
// ExportTraceServiceResponse on success, google.rpc.Status on failure.
import type { ServerResponse } from 'node:http';
import { ExportTraceServiceResponse, RpcStatus } from '../otlp/schema.js';

export type Encoding = 'json' | 'protobuf';

const CONTENT_TYPE: Record<Encoding, string> = {
  json: 'application/json',
  protobuf: 'application/x-protobuf',
};

/** google.rpc.Code for an HTTP status (the codes gRPC maps to it). */
function rpcCode(status: number): number {
  switch (status) {
    case 400:
    case 413:
    case 415:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 503:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}

const EMPTY_PROTOBUF_RESPONSE = ExportTraceServiceResponse.encode({}).finish();

export function sendSuccess(res: ServerResponse, encoding: Encoding): void {
  const body = encoding === 'json' ? '{}' : EMPTY_PROTOBUF_RESPONSE;
  res.writeHead(200, { 'content-type': CONTENT_TYPE[encoding], 'content-length': String(body.length) });
  res.end(body);
}

export function sendFailure(
  res: ServerResponse,
  encoding: Encoding,
  status: number,
  message: string,
  retryAfterSeconds?: number,
): void {
  const code = rpcCode(status);
  const body =
    encoding === 'json'
      ? Buffer.from(JSON.stringify({ code, message }), 'utf8')
      : RpcStatus.encode({ code, message }).finish();
  const headers: Record<string, string> = {
    'content-type': CONTENT_TYPE[encoding],
    'content-length': String(body.length),
  };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  res.writeHead(status, headers);
  res.end(body);
}

/** The encoding a Content-Type asks for, or undefined for anything else. */
export function encodingOf(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}
