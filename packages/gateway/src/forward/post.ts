// One POST to the next hop, over keep-alive connections, bounded in time. Resolves with the status
// (0 when no response came: refused, reset, timed out) and never rejects.
import http from 'node:http';
import https from 'node:https';

export interface PostResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The response body (the first 64 KiB). */
  body: Buffer;
  /** Why no response came (status 0). */
  error?: string;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

export interface Poster {
  post(url: URL, body: Uint8Array, headers: Record<string, string>, timeoutMs: number): Promise<PostResult>;
  /** Close idle connections. */
  close(): void;
}

export function createPoster(maxSockets: number): Poster {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets }),
  };
  return {
    post(url, body, headers, timeoutMs) {
      return new Promise<PostResult>((resolve) => {
        const secure = url.protocol === 'https:';
        const request = (secure ? https : http).request(url, {
          method: 'POST',
          agent: agents[secure ? 'https:' : 'http:'],
          headers: { ...headers, 'content-length': String(body.length) },
        });
        let done = false;
        const finish = (r: PostResult) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve(r);
        };
        const timer = setTimeout(() => {
          request.destroy(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        request.on('error', (e) =>
          finish({ status: 0, headers: {}, body: Buffer.alloc(0), error: e.message }),
        );
        request.on('response', (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size < MAX_RESPONSE_BYTES) chunks.push(c);
            size += c.length;
          });
          res.on('error', (e) =>
            finish({ status: 0, headers: {}, body: Buffer.alloc(0), error: `response: ${e.message}` }),
          );
          res.on('end', () =>
            finish({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES),
            }),
          );
        });
        request.end(body);
      });
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
