// Recorded responses answered as recorded: a test queues a real response (a gateway's, from another
// project's cassette) and the next request gets its status, headers and body bytes, whatever the
// path. The headers that described the recorded transfer (its length, chunking, compression,
// connection) are replaced by this one's: the body is served as the bytes given, uncompressed.
import type { ServerResponse } from 'node:http';
import type { RecordedResponse } from './types.js';

const TRANSFER_HEADERS: ReadonlySet<string> = new Set([
  'content-length',
  'transfer-encoding',
  'content-encoding',
  'connection',
  'keep-alive',
]);

/** Writes `recording` as the response. */
export function sendRecorded(res: ServerResponse, recording: RecordedResponse): void {
  const body =
    typeof recording.body === 'string' ? Buffer.from(recording.body, 'utf8') : Buffer.from(recording.body);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(recording.headers)) {
    if (!TRANSFER_HEADERS.has(name.toLowerCase())) headers[name] = value;
  }
  headers['content-length'] = String(body.length);
  res.writeHead(recording.status ?? 200, headers);
  res.end(body);
}
