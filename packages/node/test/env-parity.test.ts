// Every variable that both the distro and TokenmeterInstrumentation (in an app's own SDK) read
// means the same in both: one table, one reader. Each case sets the variable, reads the distro's
// config (parseConfig) and builds a TokenmeterInstrumentation from the same process environment.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ENV_VARS, type EnvName } from '@tokenmeter/config';
import { TokenmeterInstrumentation } from '@tokenmeter/instrumentation';
import { parseConfig } from '../src/config.js';
import type { TokenmeterNodeConfig } from '../src/types.js';

type Resolved = TokenmeterInstrumentation['runtime']['config'];

/** For each variable both read: the distro's value and the instrumentation's, in one shape. */
const READ_BY_BOTH: Partial<
  Record<
    EnvName,
    { distro: (c: TokenmeterNodeConfig) => unknown; sdk: (r: Resolved) => unknown; values: string[] }
  >
> = {
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: {
    distro: (c) => c.captureMessageContent,
    sdk: (r) => r.captureMessageContent,
    values: ['true', 'TRUE', 'false', '1', '0', 'yes', 'on', '', ' true '],
  },
  TOKENMETER_OPENAI_STREAM_USAGE: {
    distro: (c) => c.openaiStreamUsage,
    sdk: (r) => r.openaiStreamUsage,
    values: ['inject', 'ESTIMATE', ' off ', 'always', ''],
  },
  TOKENMETER_PROVIDERS: {
    distro: (c) => c.providers,
    sdk: (r) => r.providers,
    values: [
      'VLLM=http://localhost:8000/v1/',
      'ollama=http://gpu:11434//, lmstudio=http://127.0.0.1:1234/v1',
      'vllm=localhost:8000,ok=http://x/v1',
      'ftp=ftp://x,=http://y',
      'My Model=http://z',
    ],
  },
  TOKENMETER_METRIC_LABELS: {
    distro: (c) => ({ feature: c.metricLabels.includes('feature'), user: c.metricLabels.includes('user') }),
    sdk: (r) => r.metricLabels,
    values: ['feature', 'USER, feature', 'tenant', 'none', 'feature,none'],
  },
  TOKENMETER_METRIC_MAX_SERIES: {
    distro: (c) => c.maxMetricSeries,
    sdk: (r) => r.maxMetricSeries,
    values: ['500', '0', '-3', '1e3', '2000000', '12.5'],
  },
  TOKENMETER_COST_ATTRIBUTES: {
    distro: (c) => c.costAttributes,
    sdk: (r) => r.costAttributes,
    values: ['both', 'Upstream', 'all', ''],
  },
  TOKENMETER_FEATURE: {
    distro: (c) => c.defaultAttribution.feature,
    sdk: (r) => r.defaultAttribution.feature,
    values: ['search', ' chat summary ', '', 'x'.repeat(257)],
  },
  TOKENMETER_USER: {
    distro: (c) => c.defaultAttribution.user,
    sdk: (r) => r.defaultAttribution.user,
    values: ['u-42', 'svc:batch', ''],
  },
  TOKENMETER_TENANT: {
    distro: (c) => c.defaultAttribution.tenant,
    sdk: (r) => r.defaultAttribution.tenant,
    values: ['acme', 'Globex Corp', '', 'y'.repeat(300)],
  },
};

const saved = new Map<string, string | undefined>();
function setEnv(name: string, value: string): void {
  if (!saved.has(name)) saved.set(name, process.env[name]);
  process.env[name] = value;
}
afterEach(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
});

/** What an app with its own SDK gets: a TokenmeterInstrumentation reading `process.env`. */
function sdkConfig(): Resolved {
  const instrumentation = new TokenmeterInstrumentation({ enabled: false });
  return instrumentation.runtime.config;
}

describe('each variable parses identically in the distro and in TokenmeterInstrumentation', () => {
  it('the table lists here every variable the instrumentation reads', () => {
    const readByInstrumentation = Object.entries(ENV_VARS)
      .filter(([, spec]) => (spec.readBy as readonly string[]).includes('instrumentation'))
      .map(([name]) => name)
      .sort();
    assert.deepEqual(Object.keys(READ_BY_BOTH).sort(), readByInstrumentation);
  });

  for (const [name, c] of Object.entries(READ_BY_BOTH)) {
    for (const value of c.values) {
      it(`${name}=${JSON.stringify(value)}`, () => {
        setEnv(name, value);
        const distro = c.distro(parseConfig({ [name]: value }).config);
        assert.deepEqual(c.sdk(sdkConfig()), distro);
      });
    }
  }
});

describe('regressions: the two parsers that disagreed', () => {
  it('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=1 captures no content in an app with its own SDK (it did, while the distro did not)', () => {
    setEnv('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', '1');
    assert.equal(sdkConfig().captureMessageContent, false);
    const parsed = parseConfig({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: '1' });
    assert.equal(parsed.config.captureMessageContent, false);
    assert.deepEqual(parsed.problems, [
      'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="1" is not true or false; using false',
    ]);
  });

  it('TOKENMETER_PROVIDERS names are lower-cased and trailing slashes dropped in an app with its own SDK too (they were kept)', () => {
    setEnv('TOKENMETER_PROVIDERS', 'VLLM=http://localhost:8000/v1/');
    const want = [{ provider: 'vllm', baseUrl: 'http://localhost:8000/v1' }];
    assert.deepEqual(sdkConfig().providers, want);
    assert.deepEqual(
      parseConfig({ TOKENMETER_PROVIDERS: 'VLLM=http://localhost:8000/v1/' }).config.providers,
      want,
    );
  });

  it('an explicit option of TokenmeterInstrumentation still wins over its variable', () => {
    setEnv('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', 'true');
    setEnv('TOKENMETER_COST_ATTRIBUTES', 'both');
    const r = new TokenmeterInstrumentation({
      enabled: false,
      captureMessageContent: false,
      costAttributes: 'upstream',
    }).runtime.config;
    assert.equal(r.captureMessageContent, false);
    assert.equal(r.costAttributes, 'upstream');
  });
});
