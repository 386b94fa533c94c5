import { TokenmeterError } from '@tokenmeter/pricing';

/**
 * A request the gateway refuses: the HTTP status to answer, the tokenmeter.gateway.result it is
 * counted under, and a message for the sender (in the response's google.rpc.Status).
 */
export class RequestError extends TokenmeterError {
  constructor(
    readonly status: number,
    readonly result: string,
    message: string,
    /** Seconds for Retry-After (429, 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
