// @tokenmeter/gateway: an OTLP/HTTP hop that prices the GenAI spans of any language's
// instrumentation (OpenLLMetry, OpenInference, OpenLIT, the OTel GenAI contrib packages, the Vercel
// AI SDK, Spring AI, Semantic Kernel) and forwards everything to the next hop.

export { isLoopbackHost } from '@tokenmeter/config';
export {
  DEFAULT_HOST,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_QUEUE_BYTES,
  DEFAULT_MAX_QUEUE_SPANS,
  DEFAULT_PORT,
  parseForwardUrl,
} from './config.js';
export { GatewayConfigError } from './errors/gateway-error.js';
export { MalformedPayloadError } from './errors/malformed-payload-error.js';
export { startGateway } from './server.js';
export type { Gateway, GatewayOptions, GatewayOtlpMetrics } from './types.js';
// Not exported: the OTLP splicing (src/otlp), the queue and forwarder; their shapes may change.
