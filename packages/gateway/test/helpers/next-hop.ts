// The next hop behind the gateway in tests: the shared loopback OTLP/HTTP receiver (test-support),
// decoding traces with its own schema (independent of the gateway's) and keeping the other signals
// raw, since the gateway passes them through undecoded. It can be told to fail, stall or answer slowly.
import { type OtlpReceiver, startOtlpReceiver } from '../../../../test-support/otlp-receiver.js';

export { decodeSpans } from '../../../../test-support/otlp-receiver.js';

export type NextHop = OtlpReceiver;

export function startNextHop(): Promise<NextHop> {
  return startOtlpReceiver({ decode: ['traces'] });
}

/** Wait until `predicate` holds, polling; fails after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
