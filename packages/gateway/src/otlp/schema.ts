// The OTLP trace messages, compiled by protobufjs from the vendored opentelemetry-proto files (see
// proto/README.md). @opentelemetry/otlp-transformer only serialises SDK spans and decodes export
// responses (its maintainers keep request decoding out of scope), so the request side uses the
// same schema through protobufjs, the library otlp-transformer itself generated its code with.
import protobuf from 'protobufjs/light.js';
import { OTLP_DESCRIPTOR } from '../generated/otlp-descriptor.js';

const root = protobuf.Root.fromJSON(OTLP_DESCRIPTOR as unknown as protobuf.INamespace);

export const ExportTraceServiceRequest = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
);
export const ExportTraceServiceResponse = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
);
export const SpanMessage = root.lookupType('opentelemetry.proto.trace.v1.Span');
export const RpcStatus = root.lookupType('google.rpc.Status');

/** The protobuf wire reader and writer the messages above use. */
export const { Reader, Writer, util } = protobuf;

/** Field numbers the gateway splices by (opentelemetry/proto/trace/v1/trace.proto). */
export const FIELD = {
  /** ExportTraceServiceRequest.resource_spans */
  requestResourceSpans: 1,
  /** ResourceSpans.scope_spans */
  resourceScopeSpans: 2,
  /** ScopeSpans.spans */
  scopeSpans: 2,
} as const;
