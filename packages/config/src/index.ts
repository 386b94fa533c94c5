// @tokenmeter/config: every environment variable tokenmeter reads, in one table (table.ts), and
// the one reader that validates them (readEnv). Depends on nothing.
export {
  fileName,
  filePath,
  flag,
  httpUrl,
  isHttpUrl,
  isRedisUrl,
  keyValues,
  listOf,
  oneOf,
  otelBoolean,
  type ProviderEndpointValue,
  pathOrOff,
  providerList,
  ratio,
  redisUrl,
  text,
  type Unsupported,
  wholeNumber,
} from './parsers.js';
export { type EnvReadResult, readEnv } from './read.js';
export {
  BUDGET_FAIL_MODES,
  COST_ATTRIBUTE_NAMES,
  ENV_VARS,
  type EnvName,
  type EnvValues,
  KNOWN_ENV_VARS,
  LOG_LEVELS,
  METRIC_LABELS,
  METRIC_TEMPORALITIES,
  METRICS_EXPORTERS,
  OPENAI_STREAM_USAGE_MODES,
  OTLP_PROTOCOLS,
  PROPAGATORS,
  RATIO_SAMPLERS,
  SAMPLERS,
  TRACES_EXPORTERS,
} from './table.js';
export {
  type Env,
  type EnvComponent,
  type EnvSource,
  type EnvType,
  type EnvValueOf,
  type EnvVarSpec,
  INVALID,
  type Invalid,
  type ParseContext,
} from './types.js';
export { levenshtein, type UnknownEnvVar, unknownEnvVars } from './unknown.js';
