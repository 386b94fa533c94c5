// The types of @tokenmeter/instrumentation that the distro's public API mentions.
export type {
  CallRecord,
  CallRecordSink,
  CostAttributeNames,
  OpenAIStreamUsageMode,
  ProviderEndpoint,
  TokenmeterInstrumentationConfig,
} from '@tokenmeter/instrumentation';
