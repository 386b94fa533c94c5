// @tokenmeter/config: every environment variable tokenmeter reads, in one table (table.ts), and
// the one reader that validates them (readEnv). Depends on nothing.
export { isLoopbackHost } from './hosts.js';
export { requireForCaller } from './own-require.js';
export {
  ATTRIBUTION_MAX_LENGTH,
  attributionValue,
  fileName,
  filePath,
  flag,
  hostPatterns,
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
  switchOr,
  text,
  type Unsupported,
  wholeNumber,
} from './parsers.js';
export { type EnvReadResult, envVarIsSet, readEnv } from './read.js';
export {
  BUDGET_FAIL_MODES,
  COST_ATTRIBUTE_NAMES,
  ENV_VARS,
  type EnvName,
  type EnvValues,
  ESM_HOOK_MODES,
  KNOWN_ENV_VARS,
  LOG_LEVELS,
  METRIC_LABELS,
  METRIC_TEMPORALITIES,
  METRICS_EXPORTERS,
  OPENAI_STREAM_USAGE_MODES,
  OTLP_PROTOCOLS,
  PROPAGATION_MODES,
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
