import { TokenmeterError } from '@tokenmeter/pricing';

/**
 * An OTLP request body that does not decode: answered with 400 and this message (the OTLP spec's
 * "Bad Data"; the sender must not retry it), and counted.
 */
export class MalformedPayloadError extends TokenmeterError {}
