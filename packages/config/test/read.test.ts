// The one reader: values with their defaults, one line per problem, never a throw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENV_VARS, envVarIsSet, KNOWN_ENV_VARS, readEnv, unknownEnvVars } from '../src/index.js';

describe('readEnv', () => {
  it('an empty environment gives every default and no problem', () => {
    const { values, problems } = readEnv({});
    assert.deepEqual(problems, []);
    assert.deepEqual(Object.keys(values), KNOWN_ENV_VARS);
    for (const name of KNOWN_ENV_VARS) assert.deepEqual(values[name], ENV_VARS[name].default, name);
  });

  it('an empty or blank variable is the same as an unset one (OTel spec)', () => {
    const { values, problems } = readEnv({ OTEL_TRACES_EXPORTER: '', OTEL_EXPORTER_PROMETHEUS_PORT: '   ' });
    assert.deepEqual(problems, []);
    assert.deepEqual(values.OTEL_TRACES_EXPORTER, ['otlp']);
    assert.equal(values.OTEL_EXPORTER_PROMETHEUS_PORT, 9464);
  });

  it('envVarIsSet: set means non-blank, usable or not (as the reader tells unset from set)', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '  ' };
    assert.equal(envVarIsSet(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'), true);
    assert.equal(envVarIsSet(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'), false);
    assert.equal(envVarIsSet(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'), false);
  });

  it('each problem is one line starting with the variable, saying what is used instead (in table order)', () => {
    const { values, problems } = readEnv({
      OTEL_EXPORTER_PROMETHEUS_PORT: 'x',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: 'soon',
      TOKENMETER_PRICING_FILE: 'prices.yaml',
      TOKENMETER_DEMO_MOCK_URL: 'mock',
    });
    assert.deepEqual(problems, [
      'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="soon" is not a whole count of ms in 1..3600000; using OTEL_EXPORTER_OTLP_TIMEOUT',
      'OTEL_EXPORTER_PROMETHEUS_PORT="x" is not a whole port number in 0..65535; using 9464',
      'TOKENMETER_DEMO_MOCK_URL="mock" is not an http:// or https:// URL; ignored',
    ]);
    assert.equal(values.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, undefined);
    assert.equal(values.TOKENMETER_PRICING_FILE, 'prices.yaml');
    for (const p of problems) assert.doesNotMatch(p, /\n/);
  });

  it('never throws, whatever the environment holds', () => {
    const hostile = {
      OTEL_SDK_DISABLED: 1 as unknown as string,
      OTEL_RESOURCE_ATTRIBUTES: '%',
      OTEL_EXPORTER_OTLP_HEADERS: '=,=,,=a=%ZZ',
      TOKENMETER_PROVIDERS: '=,==,a=,=b',
      TOKENMETER_METRIC_LABELS: ',,,',
      TOKENMETER_STORE: '\u0000',
      OTEL_TRACES_SAMPLER_ARG: '0.5',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      ['__proto__' as string]: 'x',
    };
    const { values, problems } = readEnv(hostile);
    assert.equal(values.OTEL_SDK_DISABLED, false);
    assert.equal(values.OTEL_TRACES_SAMPLER_ARG, 0.5);
    assert.ok(problems.length > 0);
  });

  it('a variable that only applies with another one is not read without it', () => {
    assert.deepEqual(
      readEnv({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: 'x' }).problems,
      [],
    );
    assert.deepEqual(
      readEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }).problems,
      ['OTEL_TRACES_SAMPLER_ARG="1.5" is not a ratio in 0..1; using 1'],
    );
    // Read on its own, the variable it depends on is read too.
    assert.equal(
      readEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }, [
        'OTEL_TRACES_SAMPLER_ARG',
      ]).values.OTEL_TRACES_SAMPLER_ARG,
      0.1,
    );
  });

  it('reading some variables returns only those, and reports only their problems (no typo lines)', () => {
    const r = readEnv({ TOKENMETER_STORE: 'off', OTEL_LOG_LEVEL: 'loud', TOKENMETER_STOR: 'x' }, [
      'TOKENMETER_STORE',
    ]);
    assert.deepEqual(r, { values: { TOKENMETER_STORE: null }, problems: [] });
  });

  it('reading the whole table reports a TOKENMETER_* name one or two edits off a known one', () => {
    const { problems } = readEnv({
      TOKENMETER_STOR: 'x',
      TOKENMETER_PROVIDER: 'x',
      TOKENMETER_SOMETHING_ELSE: 'x',
      OTEL_EXPORTER_OTLP_ENDPIONT: 'x',
    });
    assert.deepEqual(problems, [
      'TOKENMETER_STOR is not a tokenmeter setting; did you mean TOKENMETER_STORE?',
      'TOKENMETER_PROVIDER is not a tokenmeter setting; did you mean TOKENMETER_PROVIDERS?',
    ]);
  });
});

describe('unknownEnvVars', () => {
  it('every unknown TOKENMETER_* name, and the OTEL_* names near a known one', () => {
    assert.deepEqual(
      unknownEnvVars({
        TOKENMETER_STOER: 'x',
        TOKENMETER_WHATEVER: 'x',
        OTEL_EXPORTER_OTLP_ENDPIONT: 'x',
        OTEL_BSP_SCHEDULE_DELAY: '5000',
        OTEL_LOGS_EXPORTER: 'otlp',
        TOKENMETER_STORE: 'x',
        PATH: '/bin',
      }),
      [
        { name: 'TOKENMETER_STOER', didYouMean: 'TOKENMETER_STORE' },
        { name: 'TOKENMETER_WHATEVER', didYouMean: undefined },
        { name: 'OTEL_EXPORTER_OTLP_ENDPIONT', didYouMean: 'OTEL_EXPORTER_OTLP_ENDPOINT' },
      ],
    );
  });
});
