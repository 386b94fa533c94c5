// @tokenmeter/node: the distro. Most apps only need the preload:
//   node --import @tokenmeter/node/register app.mjs

// For apps: attribution, and the pieces an app with its own OpenTelemetry SDK adds to it.
export {
  CostSpanProcessor,
  type CostSpanProcessorOptions,
  createHistogramStore,
  getAttribution,
  metricsRecorder,
  TokenmeterInstrumentation,
  withAttribution,
} from '@tokenmeter/instrumentation';
export { DEFAULT_PROMETHEUS_HOST, DEFAULT_PROMETHEUS_PORT, KNOWN_ENV_VARS, parseConfig } from './config.js';
export { LazyAsyncLocalStorageContextManager } from './context-manager.js';
export { TokenmeterHistogramProducer } from './histogram-producer.js';
export { startTokenmeter } from './start.js';
export type {
  Attribution,
  CallRecord,
  CallRecordSink,
  Env,
  LogLevelName,
  MetricsExporterName,
  MetricTemporality,
  OtlpProtocol,
  OtlpSignalConfig,
  ParsedConfig,
  PropagationMode,
  PropagatorName,
  SamplerName,
  StartTokenmeterOptions,
  TokenmeterHandle,
  TokenmeterMode,
  TokenmeterNodeConfig,
  TracesExporterName,
} from './types.js';
