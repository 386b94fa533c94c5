// The types of @tokenmeter/instrumentation that the distro's public API mentions.
export type {
  Attribution,
  CallRecord,
  CallRecordSink,
  CostAttributeNames,
  OpenAIStreamUsageMode,
  ProviderEndpoint,
  TokenmeterInstrumentationConfig,
} from '@tokenmeter/instrumentation';
