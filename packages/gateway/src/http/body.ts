// Reading an OTLP request body: bounded before and after decompression (413 past the limit, as the
// OTLP spec asks), gzip and deflate decoded, anything else refused with 415.
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import {
  TOKENMETER_GATEWAY_RESULT_VALUE_MALFORMED,
  TOKENMETER_GATEWAY_RESULT_VALUE_TOO_LARGE,
  TOKENMETER_GATEWAY_RESULT_VALUE_UNSUPPORTED,
} from '@tokenmeter/semconv';
import { RequestError } from '../errors/request-error.js';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

function tooLarge(max: number): RequestError {
  return new RequestError(
    413,
    TOKENMETER_GATEWAY_RESULT_VALUE_TOO_LARGE,
    `the request body is larger than ${max} bytes (the gateway's body limit): send smaller batches (the SDK's max export batch size, the collector's sending_queue batch size)`,
  );
}

/** The raw body, at most `max` bytes. Rejects with a RequestError (413) past that. */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    req.resume(); // discard: the answer does not wait for the body
    return Promise.reject(tooLarge(max));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > max) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(max));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!failed) {
        failed = true;
        reject(e);
      }
    });
  });
}

/** The body decoded from its Content-Encoding, at most `max` bytes once decoded. */
export async function decodeBody(raw: Buffer, encoding: string | undefined, max: number): Promise<Buffer> {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return raw;
  const decode = e === 'gzip' || e === 'x-gzip' ? gunzip : e === 'deflate' ? inflate : undefined;
  if (decode === undefined)
    throw new RequestError(
      415,
      TOKENMETER_GATEWAY_RESULT_VALUE_UNSUPPORTED,
      `Content-Encoding "${encoding}" is not supported: send gzip, deflate or no compression`,
    );
  try {
    return await decode(raw, { maxOutputLength: max });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw tooLarge(max);
    throw new RequestError(
      400,
      TOKENMETER_GATEWAY_RESULT_VALUE_MALFORMED,
      `the body is not valid ${e} data (${(err as Error).message})`,
    );
  }
}
