import { TokenmeterError } from '@tokenmeter/pricing';

/** A problem of the gateway's own configuration (a bad --forward URL, a token missing off loopback). */
export class GatewayConfigError extends TokenmeterError {}
