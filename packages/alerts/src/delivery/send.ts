// One POST of a notice to a sink, classified: delivered, worth retrying (network error, timeout,
// 408, 425, 429, 5xx; with the receiver's Retry-After) or not (other 4xx: a wrong URL or key).

import { headersFor } from '../sinks/index.js';
import type { SinkTarget } from '../types.js';
import { parseRetryAfter } from './backoff.js';

export type SendOutcome =
  | { ok: true; status: number }
  | { ok: false; retry: boolean; error: string; retryAfterMs?: number };

const RETRY_STATUS = new Set([408, 425, 429]);

export async function sendNotice(
  sink: SinkTarget,
  id: string,
  body: string,
  timeoutMs: number,
  nowMs: number = Date.now(),
): Promise<SendOutcome> {
  let res: Response;
  try {
    res = await fetch(sink.url, {
      method: 'POST',
      headers: headersFor(sink, body, id),
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why =
      err.name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000} s`
        : (err.cause?.code ?? err.cause?.message ?? err.message);
    return { ok: false, retry: true, error: `${why} (${sink.kind} ${new URL(sink.url).host})` };
  }
  // The body is not needed; read it so the connection can be reused (bounded by the same timeout).
  await res.arrayBuffer().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
  const retry = RETRY_STATUS.has(res.status) || res.status >= 500;
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), nowMs);
  return {
    ok: false,
    retry,
    error: `HTTP ${res.status} from ${new URL(sink.url).host}${retry ? '' : ' (not retried: check the URL and the key)'}`,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}
