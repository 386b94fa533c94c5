// Every environment variable tokenmeter reads, one row each. The distro, TokenmeterInstrumentation,
// the store, the pricing overrides and the CLI read them through `readEnv`; the settings tables of
// packages/node/README.md and packages/config/README.md are generated from here
// (`npm run gen:env`). Adding a variable is adding a row: see packages/config/README.md.
import {
  attributionValue,
  fileName,
  filePath,
  flag,
  hostPatterns,
  httpUrl,
  keyValues,
  listOf,
  oneOf,
  otelBoolean,
  pathOrOff,
  providerList,
  ratio,
  redisUrl,
  switchOr,
  text,
  wholeNumber,
} from './parsers.js';
import type { EnvType, EnvValueOf, EnvVarSpec } from './types.js';

/** A row whose value type is its parser's: with a default, or where "unset" means something. */
function row<T>(spec: EnvVarSpec<T, NoInfer<T>>): EnvVarSpec<T, T>;
function row<T>(spec: EnvVarSpec<T, undefined>): EnvVarSpec<T, undefined>;
function row<T>(spec: EnvVarSpec<T>): EnvVarSpec<T> {
  return spec;
}

export const LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'] as const;
export const TRACES_EXPORTERS = ['otlp', 'console'] as const;
export const METRICS_EXPORTERS = ['prometheus', 'otlp', 'console'] as const;
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export const RATIO_SAMPLERS = ['traceidratio', 'parentbased_traceidratio'] as const;
export const PROPAGATORS = ['tracecontext', 'baggage'] as const;
/** TOKENMETER_PROPAGATION's partial setting besides `on` and `off`. */
export const PROPAGATION_MODES = ['outgoing'] as const;
/** TOKENMETER_ESM_HOOK's setting besides `on` and `off`: the hook at start-up, whatever the entry point. */
export const ESM_HOOK_MODES = ['start'] as const;
export const METRIC_TEMPORALITIES = ['cumulative', 'delta', 'lowmemory'] as const;
export const OPENAI_STREAM_USAGE_MODES = ['inject', 'estimate', 'off'] as const;
export const COST_ATTRIBUTE_NAMES = ['tokenmeter', 'upstream', 'both'] as const;
export const METRIC_LABELS = ['feature', 'user'] as const;
export const BUDGET_FAIL_MODES = ['open', 'closed'] as const;

const NOT_SHIPPED = 'not shipped by tokenmeter';
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
const ms = (min: number, max: number) => wholeNumber(min, max, 'count of ms');

/**
 * The OTLP settings that exist per signal: the `_TRACES_` and `_METRICS_` forms of a general one.
 * `tokenmeter gateway` reads the metrics ones, and the traces headers (for its next hop).
 */
function otlpPerSignal<S extends string, T>(
  setting: S,
  type: EnvType<T>,
  doc: string,
): Record<`OTEL_EXPORTER_OTLP_${'TRACES' | 'METRICS'}_${S}`, EnvVarSpec<T, undefined>> {
  const perSignal = (signal: 'TRACES' | 'METRICS') =>
    row({
      source: 'otel',
      readBy: signal === 'METRICS' || setting === 'HEADERS' ? ['distro', 'cli'] : ['distro'],
      type,
      default: undefined,
      fallsBackTo: `OTEL_EXPORTER_OTLP_${setting}`,
      doc: `${doc}, for ${signal.toLowerCase()} only`,
    });
  return {
    [`OTEL_EXPORTER_OTLP_TRACES_${setting}`]: perSignal('TRACES'),
    [`OTEL_EXPORTER_OTLP_METRICS_${setting}`]: perSignal('METRICS'),
  } as Record<`OTEL_EXPORTER_OTLP_${'TRACES' | 'METRICS'}_${S}`, EnvVarSpec<T, undefined>>;
}

const OTLP_TIMEOUT = ms(1, MS_PER_HOUR);
const OTLP_PROTOCOL = oneOf(OTLP_PROTOCOLS, {
  unsupported: {
    grpc: "tokenmeter sends OTLP over HTTP only; point the endpoint at the collector's OTLP/HTTP port, 4318",
  },
});

export const ENV_VARS = {
  OTEL_SDK_DISABLED: row({
    source: 'otel',
    readBy: ['distro'],
    type: otelBoolean,
    default: false,
    doc: '`true`: start nothing at all (no instrumentation, no exporter, no store)',
  }),
  OTEL_SERVICE_NAME: row({
    source: 'otel',
    readBy: ['distro', 'cli'],
    type: text,
    default: undefined,
    defaultDoc: '`unknown_service:node`',
    doc: '`service.name` of spans and metrics, and the service of stored calls (else `service.name` of `OTEL_RESOURCE_ATTRIBUTES`)',
  }),
  OTEL_RESOURCE_ATTRIBUTES: row({
    source: 'otel',
    readBy: ['distro'],
    type: keyValues,
    default: {},
    defaultDoc: '',
    doc: 'more resource attributes',
  }),
  OTEL_LOG_LEVEL: row({
    source: 'otel',
    readBy: ['distro'],
    type: oneOf(LOG_LEVELS),
    default: 'none',
    doc: "OpenTelemetry's diagnostic log on the console; `info` prints what tokenmeter started, `debug` shows export errors",
  }),
  OTEL_TRACES_EXPORTER: row({
    source: 'otel',
    readBy: ['distro'],
    type: listOf(TRACES_EXPORTERS, {
      unsupported: {
        zipkin: `${NOT_SHIPPED}; send OTLP to a collector`,
        jaeger: `${NOT_SHIPPED}; send OTLP to a collector`,
      },
    }),
    default: ['otlp'],
    doc: 'where spans go; `none`: spans are made (for context) but exported nowhere',
  }),
  OTEL_METRICS_EXPORTER: row({
    source: 'otel',
    readBy: ['distro', 'cli'],
    type: listOf(METRICS_EXPORTERS),
    default: ['prometheus'],
    doc: 'metric readers; `none`: no SDK metrics (the local store still records every call)',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: row({
    source: 'otel',
    readBy: ['distro', 'cli'],
    type: httpUrl,
    default: 'http://localhost:4318',
    doc: 'base URL of the OTLP/HTTP receiver; `/v1/traces` and `/v1/metrics` are appended',
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: row({
    source: 'otel',
    readBy: ['distro'],
    type: httpUrl,
    default: undefined,
    defaultDoc: 'the base URL + `/v1/traces`',
    doc: 'full URL for traces, used as given',
  }),
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: row({
    source: 'otel',
    readBy: ['distro', 'cli'],
    type: httpUrl,
    default: undefined,
    defaultDoc: 'the base URL + `/v1/metrics`',
    doc: 'full URL for metrics, used as given',
  }),
  OTEL_EXPORTER_OTLP_PROTOCOL: row({
    source: 'otel',
    readBy: ['distro', 'cli'],
    type: OTLP_PROTOCOL,
    default: 'http/protobuf',
    doc: "body encoding of OTLP exports. `grpc` is not supported: a line says so and `http/protobuf` is used (point the endpoint at the collector's port 4318)",
  }),
  ...otlpPerSignal('PROTOCOL', OTLP_PROTOCOL, 'as `OTEL_EXPORTER_OTLP_PROTOCOL`'),
  OTEL_EXPORTER_OTLP_HEADERS: row({
    source: 'otel',
    readBy: ['distro', 'cli'],
    type: keyValues,
    default: {},
    defaultDoc: '',
    doc: 'headers sent with every export (e.g. `x-honeycomb-team=...`)',
  }),
  ...otlpPerSignal('HEADERS', keyValues, 'more headers (over `OTEL_EXPORTER_OTLP_HEADERS`)'),
  OTEL_EXPORTER_OTLP_TIMEOUT: row({
    source: 'otel',
    readBy: ['distro', 'cli'],
    type: OTLP_TIMEOUT,
    default: 10_000,
    doc: 'ms per export, retries included',
  }),
  ...otlpPerSignal('TIMEOUT', OTLP_TIMEOUT, 'as `OTEL_EXPORTER_OTLP_TIMEOUT`'),
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: row({
    source: 'otel',
    readBy: ['distro', 'cli'],
    type: oneOf(METRIC_TEMPORALITIES),
    default: 'cumulative',
    doc: 'temporality of OTLP metrics',
  }),
  OTEL_METRIC_EXPORT_INTERVAL: row({
    source: 'otel',
    readBy: ['distro', 'cli'],
    type: ms(1, MS_PER_DAY),
    default: 60_000,
    doc: 'ms between exports of the `otlp` and `console` metric readers',
  }),
  OTEL_METRIC_EXPORT_TIMEOUT: row({
    source: 'otel',
    readBy: ['distro'],
    type: ms(1, MS_PER_DAY),
    default: 30_000,
    doc: 'ms per metric export (capped to the interval)',
  }),
  OTEL_EXPORTER_PROMETHEUS_HOST: row({
    source: 'otel',
    readBy: ['distro'],
    type: text,
    default: '127.0.0.1',
    doc: "address of the `/metrics` endpoint. Loopback by default (the exporter's own default is `0.0.0.0`); set `0.0.0.0` to be scraped from another host",
  }),
  OTEL_EXPORTER_PROMETHEUS_PORT: row({
    source: 'otel',
    readBy: ['distro'],
    type: wholeNumber(0, 65535, 'port number'),
    default: 9464,
    doc: 'its port. Taken by another process: one line, no endpoint, the app runs',
  }),
  OTEL_TRACES_SAMPLER: row({
    source: 'otel',
    readBy: ['distro'],
    type: oneOf(SAMPLERS),
    default: 'parentbased_always_on',
    doc: 'sampling affects spans only: metrics and the store count every call',
  }),
  OTEL_TRACES_SAMPLER_ARG: row({
    source: 'otel',
    readBy: ['distro'],
    type: ratio,
    default: 1,
    onlyWith: { name: 'OTEL_TRACES_SAMPLER', values: RATIO_SAMPLERS },
    doc: 'the ratio of the `traceidratio` samplers',
  }),
  OTEL_PROPAGATORS: row({
    source: 'otel',
    readBy: ['distro'],
    type: listOf(PROPAGATORS, {
      unsupported: Object.fromEntries(
        ['b3', 'b3multi', 'jaeger', 'xray', 'ottrace'].map((p) => [p, NOT_SHIPPED]),
      ),
    }),
    default: ['tracecontext', 'baggage'],
    doc: 'context propagation (b3, jaeger, xray are not shipped); attribution travels in baggage',
  }),
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: row({
    source: 'otel',
    readBy: ['distro', 'instrumentation'],
    type: otelBoolean,
    default: false,
    doc: '`true` records prompts and completions on spans. Off by default; API keys and auth headers are never recorded',
  }),
  TOKENMETER_STORE: row({
    source: 'tokenmeter',
    readBy: ['store', 'distro', 'cli'],
    type: pathOrOff,
    default: undefined,
    defaultDoc: '`~/.tokenmeter/tokenmeter.db`',
    doc: 'path of the local SQLite store (created on first call), or `off`. A store that cannot be written: one line, calls are not stored, the app runs',
  }),
  TOKENMETER_SQLITE_DRIVER: row({
    source: 'tokenmeter',
    readBy: ['store', 'distro', 'cli'],
    type: oneOf(['auto', 'node:sqlite', 'better-sqlite3']),
    default: 'auto',
    doc: "the SQLite driver of the store: `auto` is Node's built-in `node:sqlite` on Node 22.13+ and the optional dependency `better-sqlite3` on older Nodes (Node 20)",
  }),
  TOKENMETER_HOME: row({
    source: 'tokenmeter',
    readBy: ['store', 'distro', 'cli'],
    type: filePath,
    default: undefined,
    defaultDoc: '`~/.tokenmeter`',
    doc: 'moves the default store (`$TOKENMETER_HOME/tokenmeter.db`)',
  }),
  TOKENMETER_PRICING_FILE: row({
    source: 'tokenmeter',
    readBy: ['pricing', 'distro', 'cli'],
    type: fileName,
    default: undefined,
    defaultDoc: '',
    doc: 'YAML or JSON price overrides: custom and self-hosted models, discounts, Azure deployments (see `@tokenmeter/pricing`). Each problem in it: one line; the valid rest applies',
  }),
  TOKENMETER_BUDGETS: row({
    source: 'tokenmeter',
    readBy: ['distro', 'cli'],
    type: fileName,
    default: undefined,
    defaultDoc: '',
    doc: 'YAML or JSON budgets file (see `@tokenmeter/budgets`): budgets the preload enforces before each request; `tokenmeter serve`, `watch`, `rules` and `grafana` also check them and send alerts to its `sinks:` (see `@tokenmeter/alerts`). Each problem in it: one line; the valid rest applies',
  }),
  TOKENMETER_BUDGET_REDIS: row({
    source: 'tokenmeter',
    readBy: ['distro', 'cli'],
    type: redisUrl,
    default: undefined,
    defaultDoc: 'the local store (one host), else memory',
    doc: 'a Redis shared by a fleet as the budget ledger (needs `npm install @redis/client`): one atomic check-and-reserve per call',
  }),
  TOKENMETER_BUDGET_FAIL: row({
    source: 'tokenmeter',
    readBy: ['distro'],
    type: oneOf(BUDGET_FAIL_MODES),
    default: 'open',
    doc: 'when the budget ledger (the store or Redis) cannot be reached: `open` lets calls go unchecked, `closed` blocks calls that a budget covers. Logged once per outage',
  }),
  TOKENMETER_OPENAI_STREAM_USAGE: row({
    source: 'tokenmeter',
    readBy: ['distro', 'instrumentation'],
    type: oneOf(OPENAI_STREAM_USAGE_MODES),
    default: 'inject',
    doc: 'usage of OpenAI-format streams that did not ask for it: `inject` (ask for it, hide the extra chunk from the app), `estimate` (count tokens locally, marked estimated), `off`',
  }),
  TOKENMETER_PROVIDERS: row({
    source: 'tokenmeter',
    readBy: ['distro', 'instrumentation'],
    type: providerList,
    default: [],
    defaultDoc: '',
    doc: 'more endpoints to recognise: `vllm=http://localhost:8000/v1,ollama=http://localhost:11434`. Also declares a proxy or gateway in front of a known provider (`openai=https://llm-proxy.internal/v1`: priced as openai, and by the provider inferred from the model when openai does not price it), or an AI gateway serving any provider (`gateway=https://gw/v1`: format by path, provider by model, per call)',
  }),
  TOKENMETER_FEATURE: row({
    source: 'tokenmeter',
    readBy: ['distro', 'instrumentation'],
    type: attributionValue,
    default: undefined,
    defaultDoc: '',
    doc: "the feature of every LLM call of this service where neither `withAttribution` nor an incoming request's baggage names one; read once at start",
  }),
  TOKENMETER_USER: row({
    source: 'tokenmeter',
    readBy: ['distro', 'instrumentation'],
    type: attributionValue,
    default: undefined,
    defaultDoc: '',
    doc: "the user of every LLM call of this service where neither `withAttribution` nor an incoming request's baggage names one; read once at start",
  }),
  TOKENMETER_TENANT: row({
    source: 'tokenmeter',
    readBy: ['distro', 'instrumentation'],
    type: attributionValue,
    default: undefined,
    defaultDoc: '',
    doc: "the tenant of every LLM call of this service (the `org_id` metric label) where neither `withAttribution` nor an incoming request's baggage names one; read once at start",
  }),
  TOKENMETER_PROPAGATION: row({
    source: 'tokenmeter',
    readBy: ['distro'],
    type: switchOr(PROPAGATION_MODES),
    default: 'on',
    doc: "`on`: W3C `traceparent` and `baggage` (with the attribution in effect) go on the outgoing HTTP requests of the app (fetch, `http`, `https`) to the hosts of `TOKENMETER_PROPAGATION_HOSTS`, and are read from the requests its `node:http`/`https` servers receive, so the services it calls attribute their LLM calls alike; `outgoing`: send only (a service that faces the internet: its clients do not choose its attribution); `off`: neither. Only with tokenmeter's own SDK: an app with its own OpenTelemetry SDK propagates with it",
  }),
  TOKENMETER_PROPAGATION_HOSTS: row({
    source: 'tokenmeter',
    readBy: ['distro'],
    type: hostPatterns,
    default: [],
    defaultDoc: '',
    doc: "hosts that get the propagation headers besides the private ones (loopback, private and link-local IPs, single-label names such as `service-b`, `*.internal`, `*.local`, `*.svc`, `*.lan`, `*.home.arpa`): `api.mycorp.com,*.mycorp.com`, or `*` for every host. A known LLM provider's API host (api.openai.com, api.anthropic.com, ...) never gets them, listed or not",
  }),
  TOKENMETER_ESM_HOOK: row({
    source: 'tokenmeter',
    readBy: ['distro'],
    type: switchOr(ESM_HOOK_MODES),
    default: 'on',
    doc: "`on`: LLM SDKs an app loads as ES modules are instrumented like those it `require`s. On Node 20 (and 22 and 24 before 22.22.3 and 24.11.1) the hook runs in Node's module-hooks thread, about 50 ms to start; on later Nodes in the app's thread, where it slows every `require` a little. For a CommonJS entry point (a `.cjs` file, or a `.js` file or `-e` script that Node runs as CommonJS) it is registered just before the first module whose source has an `import()` (or that is an ES module loaded with `require`) runs, so an app that never imports pays nothing; for any other entry point, and with another `--import` or loader, at start-up. `start`: at start-up, whatever the entry point (an app that imports only from `eval`, `new Function` or `vm` text). `off`: no hook when the entry point is CommonJS: LLM SDKs the app `require`s are instrumented as before; one it loads with `import()` is not patched (its calls through the global `fetch` are still priced; a client given its own `fetch`, and Bedrock, are not). `off` is ignored, with one line, for an ES module entry point",
  }),
  TOKENMETER_METRIC_LABELS: row({
    source: 'tokenmeter',
    readBy: ['distro', 'instrumentation', 'cli'],
    type: listOf(METRIC_LABELS),
    default: [],
    doc: 'attribution labels on the `llm_*` metrics besides `provider`, `model`, `org_id`',
  }),
  TOKENMETER_METRIC_MAX_SERIES: row({
    source: 'tokenmeter',
    readBy: ['distro', 'instrumentation', 'cli'],
    type: wholeNumber(1, 1_000_000),
    default: 2000,
    doc: 'cap on series per metric, for every metric tokenmeter records (a histogram label set counts its buckets + 3); the excess goes to an overflow set (`model="other"`, `otel_metric_overflow="true"`)',
  }),
  TOKENMETER_COST_ATTRIBUTES: row({
    source: 'tokenmeter',
    readBy: ['distro', 'instrumentation', 'cli'],
    type: oneOf(COST_ATTRIBUTE_NAMES),
    default: 'tokenmeter',
    doc: 'cost attribute names on spans: `tokenmeter` (gen_ai.usage.cost plus `tokenmeter.cost.*`), `upstream` (the proposed `gen_ai.usage.cost.*`), `both`',
  }),
  TOKENMETER_SHUTDOWN_TIMEOUT_MS: row({
    source: 'tokenmeter',
    readBy: ['distro'],
    type: ms(0, 600_000),
    default: 2000,
    doc: 'bound on the flush at exit and on SIGTERM/SIGINT, ms',
  }),
  TOKENMETER_SERVE_TOKEN: row({
    source: 'tokenmeter',
    readBy: ['cli'],
    type: text,
    default: undefined,
    defaultDoc: '',
    doc: '`tokenmeter serve`: bearer token every request must carry (as `--token`); required off loopback',
  }),
  TOKENMETER_GATEWAY_TOKEN: row({
    source: 'tokenmeter',
    readBy: ['cli'],
    type: text,
    default: undefined,
    defaultDoc: '',
    doc: '`tokenmeter gateway`: bearer token every OTLP sender must send (as `--token`); required off loopback; never forwarded',
  }),
  TOKENMETER_DEBUG: row({
    source: 'tokenmeter',
    readBy: ['cli'],
    type: flag,
    default: false,
    doc: '`tokenmeter`: print the stack of an unexpected error',
  }),
  TOKENMETER_DEMO_MOCK_URL: row({
    source: 'tokenmeter',
    readBy: ['cli'],
    type: httpUrl,
    default: undefined,
    internal: true,
    doc: 'the mock provider of a `tokenmeter demo` run, for its workload process',
  }),
  TOKENMETER_DEMO_CALLS: row({
    source: 'tokenmeter',
    readBy: ['cli'],
    type: wholeNumber(1, 10_000),
    default: 120,
    internal: true,
    doc: 'how many calls the `tokenmeter demo` workload makes',
  }),
  TOKENMETER_DEMO_SEED: row({
    source: 'tokenmeter',
    readBy: ['cli'],
    type: wholeNumber(0, 999_999_999),
    default: 1,
    internal: true,
    doc: 'seed of the `tokenmeter demo` workload mix',
  }),
} as const;

/** The name of a variable tokenmeter reads. */
export type EnvName = keyof typeof ENV_VARS;

/** Every variable's value after parsing. */
export type EnvValues = { -readonly [K in EnvName]: EnvValueOf<(typeof ENV_VARS)[K]> };

/** Every variable tokenmeter reads, in table order. */
export const KNOWN_ENV_VARS: readonly EnvName[] = Object.keys(ENV_VARS) as EnvName[];
