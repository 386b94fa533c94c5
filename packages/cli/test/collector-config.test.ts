// collector-config/: every file parses and is a collector config the current otelcol-contrib takes
// (known component names, no deprecated ones, pipelines only referencing defined components,
// required fields); and the OTTL that prices models in the collector gives the same cost as
// tokenmeter's own pricing on the same spans.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pricePeerSpan } from '@tokenmeter/instrumentation';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  ATTR_TOKENMETER_PRICING_MODEL_ID,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
} from '@tokenmeter/semconv';
import { parseDocument } from 'yaml';
import { runStatements } from './helpers/ottl.js';
import { run } from './helpers.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const dir = path.join(REPO, 'collector-config');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

type Obj = Record<string, unknown>;

/** otelcol-contrib component types these configs may use, with the fields each requires. */
const KNOWN: Record<'receivers' | 'processors' | 'exporters' | 'connectors', Record<string, string[][]>> = {
  receivers: { otlp: [['protocols']] },
  processors: {
    memory_limiter: [['check_interval'], ['limit_percentage', 'limit_mib']],
    transform: [['trace_statements', 'metric_statements', 'log_statements']],
    filter: [['traces', 'metrics', 'logs']],
  },
  exporters: {
    otlp_grpc: [['endpoint']],
    otlp_http: [['endpoint', 'traces_endpoint']],
    prometheus: [['endpoint']],
    prometheusremotewrite: [['endpoint']],
    debug: [],
  },
  connectors: { routing: [['table']] },
};
/** Names current collectors deprecate: otlp and otlphttp exporters (v0.144.0), the batch processor, add_metric_suffixes. */
const DEPRECATED = new Set(['exporters:otlp', 'exporters:otlphttp', 'processors:batch']);

function typeOf(id: string): string {
  return id.split('/')[0]!;
}

function validate(doc: Obj): string[] {
  const problems: string[] = [];
  const sections = {
    receivers: (doc.receivers ?? {}) as Obj,
    processors: (doc.processors ?? {}) as Obj,
    exporters: (doc.exporters ?? {}) as Obj,
    connectors: (doc.connectors ?? {}) as Obj,
  };
  for (const [kind, defined] of Object.entries(sections) as [keyof typeof KNOWN, Obj][]) {
    for (const [id, cfg] of Object.entries(defined)) {
      const t = typeOf(id);
      if (DEPRECATED.has(`${kind}:${t}`)) problems.push(`${kind} ${id}: deprecated component type ${t}`);
      const required = KNOWN[kind][t];
      if (required === undefined) {
        problems.push(`${kind} ${id}: unknown component type ${t}`);
        continue;
      }
      for (const oneOf of required)
        if (!oneOf.some((f) => (cfg as Obj | null)?.[f] !== undefined))
          problems.push(`${kind} ${id}: needs ${oneOf.join(' or ')}`);
      if ((cfg as Obj | null)?.add_metric_suffixes !== undefined)
        problems.push(`${kind} ${id}: add_metric_suffixes is deprecated, use translation_strategy`);
    }
  }
  const pipelines = ((doc.service as Obj | undefined)?.pipelines ?? {}) as Record<string, Obj>;
  if (Object.keys(pipelines).length === 0) problems.push('no pipeline');
  const connectorUse = new Map<string, { asExporter: boolean; asReceiver: boolean }>();
  for (const [name, p] of Object.entries(pipelines)) {
    if (!/^(traces|metrics|logs)(\/.+)?$/.test(name))
      problems.push(`pipeline ${name}: not traces/metrics/logs`);
    const receivers = (p.receivers ?? []) as string[];
    const exporters = (p.exporters ?? []) as string[];
    if (receivers.length === 0) problems.push(`pipeline ${name}: no receiver`);
    if (exporters.length === 0) problems.push(`pipeline ${name}: no exporter`);
    for (const r of receivers) {
      if (r in sections.connectors)
        connectorUse.set(r, { ...(connectorUse.get(r) ?? { asExporter: false }), asReceiver: true });
      else if (!(r in sections.receivers)) problems.push(`pipeline ${name}: receiver ${r} is not defined`);
    }
    for (const c of (p.processors ?? []) as string[])
      if (!(c in sections.processors)) problems.push(`pipeline ${name}: processor ${c} is not defined`);
    for (const e of exporters) {
      if (e in sections.connectors)
        connectorUse.set(e, { ...(connectorUse.get(e) ?? { asReceiver: false }), asExporter: true });
      else if (!(e in sections.exporters)) problems.push(`pipeline ${name}: exporter ${e} is not defined`);
    }
  }
  for (const [id, cfg] of Object.entries(sections.connectors)) {
    const use = connectorUse.get(id);
    if (!use?.asExporter || !use.asReceiver)
      problems.push(`connector ${id}: must be an exporter of one pipeline and a receiver of another`);
    const routes = [
      ...(((cfg as Obj).table ?? []) as Obj[]).flatMap((t) => (t.pipelines ?? []) as string[]),
      ...(((cfg as Obj).default_pipelines ?? []) as string[]),
    ];
    for (const r of routes)
      if (!(r in pipelines)) problems.push(`connector ${id}: routes to undefined pipeline ${r}`);
  }
  const used = new Set(Object.values(pipelines).flatMap((p) => [...((p.exporters ?? []) as string[])]));
  for (const e of Object.keys(sections.exporters)) if (!used.has(e)) problems.push(`exporter ${e} is unused`);
  return problems;
}

describe('collector-config/ files', () => {
  test('the Tempo, Honeycomb, Prometheus, gateway and collector-only pipelines are there', () => {
    for (const f of [
      'tempo.yaml',
      'honeycomb.yaml',
      'prometheus-remote-write.yaml',
      'prometheus-scrape.yaml',
      'gateway.yaml',
      'collector-only-ottl.yaml',
    ])
      assert.ok(files.includes(f), `${f} is missing`);
  });

  for (const file of files) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    test(`${file}: valid YAML without duplicate keys`, () => {
      const doc = parseDocument(text, { uniqueKeys: true });
      assert.deepEqual(
        doc.errors.map((e) => e.message),
        [],
      );
    });
    if (file === 'prometheus-scrape.yaml') {
      test(`${file}: scrapes the preload's default endpoint and the gateway's`, () => {
        const doc = parseDocument(text).toJS() as {
          scrape_configs: { static_configs: { targets: string[] }[] }[];
        };
        const targets = doc.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets));
        assert.ok(targets.includes('127.0.0.1:9464'));
        assert.ok(targets.some((t) => t.endsWith(':4319')));
      });
      continue;
    }
    test(`${file}: current component names, required fields, every pipeline reference defined`, () => {
      const doc = parseDocument(text).toJS() as Obj;
      assert.deepEqual(validate(doc), []);
      const otlp = (doc.receivers as Obj).otlp as { protocols: { http?: { endpoint?: string } } };
      assert.match(String(otlp.protocols.http?.endpoint), /:4318$/, 'tokenmeter sends OTLP/HTTP to 4318');
    });
  }

  test('the validation catches what it is for (a config with each mistake)', () => {
    const bad = {
      receivers: { otlp: { protocols: {} } },
      processors: { batch: {}, memory_limiter: { check_interval: '1s' } },
      exporters: {
        otlp: { endpoint: 'x' },
        otlphttp: {},
        prometheusremotewrite: { endpoint: 'x', add_metric_suffixes: true },
      },
      service: { pipelines: { traces: { receivers: ['otlp'], processors: ['nope'], exporters: ['otlp'] } } },
    };
    const problems = validate(bad).join('\n');
    for (const expected of [
      'deprecated component type batch',
      'memory_limiter: needs limit_percentage or limit_mib',
      'deprecated component type otlp',
      'deprecated component type otlphttp',
      'add_metric_suffixes is deprecated',
      'processor nope is not defined',
      'exporter otlphttp is unused',
    ])
      assert.ok(problems.includes(expected), `expected "${expected}" in:\n${problems}`);
  });
});

/** gen_ai spans as instrumentations send them: current and deprecated names, cache tokens, dated models. */
const SPANS: Record<string, string | number>[] = [
  {
    [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
    [ATTR_GEN_AI_SYSTEM]: 'openai',
    [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
    [ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-4o-mini-2024-07-18',
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1234,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 567,
  },
  {
    [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
    [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
    [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4.1',
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 20000,
    [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 15360,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 812,
  },
  {
    [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
    [ATTR_GEN_AI_SYSTEM]: 'OpenAI',
    [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
    [ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 14,
    [ATTR_GEN_AI_USAGE_COMPLETION_TOKENS]: 173,
  },
  {
    [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
    [ATTR_GEN_AI_SYSTEM]: 'anthropic',
    [ATTR_GEN_AI_REQUEST_MODEL]: 'claude-3-5-haiku-20241022',
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 3100,
    [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 1000,
    [ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: 2000,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 420,
  },
  {
    [ATTR_GEN_AI_OPERATION_NAME]: 'generate_content',
    [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
    [ATTR_GEN_AI_REQUEST_MODEL]: 'gemini-2.5-flash',
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 900,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 1500,
  },
];

function ottlOf(text: string): string[] {
  const doc = parseDocument(text).toJS() as Obj;
  const transform = (doc.processors as Obj)['transform/tokenmeter_cost'] as {
    trace_statements: { context: string; statements: string[] }[];
  };
  assert.equal(transform.trace_statements[0]!.context, 'span');
  return transform.trace_statements[0]!.statements;
}

describe('OTTL pricing in the collector (collector-only-ottl.yaml)', () => {
  const statements = ottlOf(readFileSync(path.join(dir, 'collector-only-ottl.yaml'), 'utf8'));

  test('the OTTL gives the same cost as tokenmeter on the same spans, cache tokens and deprecated names included', () => {
    let priced = 0;
    for (const attributes of SPANS) {
      const expected = pricePeerSpan('span', attributes, Date.now(), 'tokenmeter');
      const span = { attributes: { ...attributes } as Record<string, string | number | boolean | null> };
      runStatements(statements, span);
      const want = expected?.attributes[ATTR_GEN_AI_USAGE_COST] as number | undefined;
      const got = span.attributes[ATTR_GEN_AI_USAGE_COST] as number | undefined;
      assert.ok(want !== undefined, `tokenmeter prices ${attributes[ATTR_GEN_AI_REQUEST_MODEL]}`);
      assert.ok(got !== undefined, `the OTTL prices ${attributes[ATTR_GEN_AI_REQUEST_MODEL]}`);
      assert.ok(
        Math.abs(got - want) < 1e-12,
        `${attributes[ATTR_GEN_AI_REQUEST_MODEL]}: OTTL ${got} vs tokenmeter ${want}`,
      );
      assert.equal(
        span.attributes[ATTR_TOKENMETER_PRICING_MODEL_ID],
        expected!.attributes[ATTR_TOKENMETER_PRICING_MODEL_ID],
      );
      priced++;
    }
    assert.equal(priced, SPANS.length);
  });

  test('spans already priced, of another provider, or of a model not listed are left as they are', () => {
    const cases = [
      { ...SPANS[0]!, [ATTR_GEN_AI_USAGE_COST]: 42 },
      { ...SPANS[0]!, [ATTR_GEN_AI_SYSTEM]: 'az.ai.inference' },
      {
        ...SPANS[0]!,
        [ATTR_GEN_AI_REQUEST_MODEL]: 'my-finetune',
        [ATTR_GEN_AI_RESPONSE_MODEL]: 'my-finetune',
      },
    ];
    for (const attributes of cases) {
      const span = { attributes: { ...attributes } as Record<string, string | number | boolean | null> };
      runStatements(statements, span);
      assert.deepEqual(span.attributes, attributes);
    }
  });

  test('`tokenmeter collector-config --models` writes a valid config for exactly those models', async () => {
    const r = await run(['collector-config', '--models', 'gpt-4o-mini,claude-3-5-haiku'], {
      now: Date.now(),
    });
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout;
    assert.deepEqual(validate(parseDocument(text).toJS() as Obj), []);
    const span = { attributes: { ...SPANS[3]! } as Record<string, string | number | boolean | null> };
    runStatements(ottlOf(text), span);
    assert.ok((span.attributes[ATTR_GEN_AI_USAGE_COST] as number) > 0);
    const other = { attributes: { ...SPANS[1]! } as Record<string, string | number | boolean | null> };
    runStatements(ottlOf(text), other);
    assert.equal(other.attributes[ATTR_GEN_AI_USAGE_COST], undefined, 'gpt-4.1 was not asked for');
  });

  test('--top takes a whole number and names the fix otherwise', async () => {
    const r = await run(['collector-config', '--top', 'lots']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--top: "lots" must be a whole number from 1 to 200/);
  });
});

describe('examples/ compose files', () => {
  for (const example of ['collector-tempo-grafana', 'collector-honeycomb']) {
    test(`examples/${example}: the compose file parses, every file it mounts exists, the collector runs a validated config`, () => {
      const base = path.join(REPO, 'examples', example);
      const compose = parseDocument(readFileSync(path.join(base, 'docker-compose.yaml'), 'utf8')).toJS() as {
        services: Record<string, { volumes?: string[]; command?: string[] }>;
      };
      for (const service of Object.values(compose.services))
        for (const volume of service.volumes ?? []) {
          const host = volume.split(':')[0]!;
          assert.ok(readFileSync(path.resolve(base, host)), `${example}: ${host} exists`);
        }
      const configs = (compose.services.otelcol?.command ?? [])
        .filter((c) => c.startsWith('--config='))
        .map((c) => c.slice('--config='.length));
      const mounted = new Map(
        (compose.services.otelcol?.volumes ?? []).map((v) => [
          v.split(':')[1]!,
          path.resolve(base, v.split(':')[0]!),
        ]),
      );
      // The collector merges its --config files in order: the result must validate too.
      const merged: Obj = {};
      const merge = (into: Obj, from: Obj) => {
        for (const [k, v] of Object.entries(from)) {
          if (v && typeof v === 'object' && !Array.isArray(v) && into[k] && typeof into[k] === 'object')
            merge(into[k] as Obj, v as Obj);
          else into[k] = v;
        }
      };
      for (const c of configs)
        merge(merged, parseDocument(readFileSync(mounted.get(c)!, 'utf8')).toJS() as Obj);
      assert.deepEqual(validate(merged), []);
      assert.ok(compose.services['tokenmeter-gateway'], 'a tokenmeter-gateway service');
    });
  }
});
