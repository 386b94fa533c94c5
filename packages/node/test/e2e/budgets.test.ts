// Budgets under the real preload, with the official SDKs (openai, @anthropic-ai/sdk, @google/genai,
// the AWS SDK for Bedrock) and their default retries, against the mock provider: an app that keeps
// calling after its budget is spent gets the SDK's own rate-limit error on the very next call, with
// no request reaching the provider and no retry; route-cheap answers from the cheaper model; warn
// lets everything through with one diag line. Spans, metrics and the store record what happened.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { calculateCost } from '@tokenmeter/pricing';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_USAGE_COST,
  ATTR_TOKENMETER_BUDGET_ACTION,
  ATTR_TOKENMETER_BUDGET_NAME,
  ATTR_TOKENMETER_BUDGET_REQUESTED_MODEL,
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  LABEL_OUTCOME,
  METRIC_LLM_REQUESTS_DESCRIPTOR,
} from '@tokenmeter/semconv';
import { openStore } from '@tokenmeter/store';
import { useE2eEnv } from '../helpers/e2e-env.js';
import { parsePrometheus, total } from '../helpers/prometheus.js';
import { freePort, type RunResult, runApp } from '../helpers/run-app.js';

const e2e = useE2eEnv('budgets');

interface Case {
  sdk: 'openai' | 'anthropic' | 'gemini' | 'bedrock';
  /** gen_ai.provider.name, and the catalog's provider for prices. */
  provider: string;
  model: string;
  /** The route of the mock that serves it. */
  route: string;
  /** The class of error the SDK raises for a 429 / throttling. */
  errorClass: string;
}

const CASES: Case[] = [
  {
    sdk: 'openai',
    provider: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
    model: 'gpt-4o-mini',
    route: 'openai.chat.completions',
    errorClass: 'RateLimitError',
  },
  {
    sdk: 'anthropic',
    provider: GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
    model: 'claude-3-5-haiku-20241022',
    route: 'anthropic.messages',
    errorClass: 'RateLimitError',
  },
  {
    sdk: 'gemini',
    provider: GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
    model: 'gemini-2.0-flash',
    route: 'gemini.generateContent',
    errorClass: 'ApiError',
  },
  {
    sdk: 'bedrock',
    provider: GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
    model: 'anthropic.claude-3-haiku-20240307-v1:0',
    route: 'bedrock.converse',
    errorClass: 'ThrottlingException',
  },
];

interface Run {
  run: RunResult;
  home: string;
  metrics: string;
  /** Requests the mock received from this run, by route. */
  requests: { route: string; path: string; model: unknown }[];
}

let n = 0;
async function runBudgeted(
  c: Case,
  budgets: string,
  extra: Record<string, string> = {},
  calls = 12,
): Promise<Run> {
  const home = path.join(e2e.dir, `home-${n++}`);
  const file = path.join(e2e.dir, `budgets-${n}.yaml`);
  writeFileSync(file, budgets);
  const port = await freePort();
  const service = `budgets-e2e-${n}`;
  let metrics = '';
  const before = e2e.mock.requests.length;
  const run = await runApp('budgets.mjs', {
    preload: 'import',
    env: {
      MOCK_URL: e2e.mock.url,
      SDK: c.sdk,
      MODEL: c.model,
      CALLS: String(calls),
      TOKENMETER_HOME: home,
      TOKENMETER_BUDGETS: file,
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: e2e.receiver.url,
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      OTEL_LOG_LEVEL: 'warn',
      HOLD: '1',
      // The mock's OpenAI path, declared as OpenAI (as a proxy of it would be).
      ...(c.sdk === 'openai' ? { TOKENMETER_PROVIDERS: `openai=${e2e.mock.url}/v1` } : {}),
      ...extra,
    },
    onLine: (line, child) => {
      if (!line.includes('"done":true')) return;
      void fetch(`http://127.0.0.1:${port}/metrics`)
        .then((r) => r.text())
        .then(
          (t) => {
            metrics = t;
          },
          () => {},
        )
        .finally(() => child.kill('SIGTERM'));
    },
  });
  const requests = e2e.mock.requests.slice(before).map((r) => ({
    route: r.route,
    path: r.path,
    model: (r.body as { model?: unknown } | undefined)?.model,
  }));
  return { run, home, metrics, requests };
}

function lines(run: RunResult) {
  return run.json.filter((j) => typeof j.i === 'number') as {
    i: number;
    ok: boolean;
    model?: string;
    errorClass?: string;
    status?: number;
    message?: string;
    attempts?: number;
  }[];
}

function storedCalls(home: string) {
  const store = openStore(path.join(home, 'tokenmeter.db'), { readonly: true });
  try {
    return [...store.exportCalls()];
  } finally {
    store.close();
  }
}

describe('block: the SDK raises its own rate-limit error on the call past the budget, with nothing sent and no retry', () => {
  for (const c of CASES) {
    test(c.sdk, async () => {
      // Room for a few calls: each is held at its worst case (about 20 input and 100 output tokens)
      // until it ends, then costs about 15 input and 20 output tokens.
      const upper = calculateCost({
        provider: c.provider,
        model: c.model,
        usage: { inputTokens: 200, outputTokens: 100 },
      })!.totalNanos;
      const limit = Math.round(upper * 1.5);
      const limitUsd = (limit / 1e9).toFixed(9);
      const r = await runBudgeted(
        c,
        `budgets:\n  - { name: ${c.sdk}-daily, limit_usd: ${limitUsd}, period: day, provider: ${c.provider}, action: block }\n`,
      );
      assert.equal(r.run.code, null, r.run.stderr);
      const out = lines(r.run);
      assert.equal(out.length, 12, r.run.stdout);
      const firstBlocked = out.findIndex((l) => !l.ok);
      assert.ok(firstBlocked >= 1, `some calls went through first: ${r.run.stdout}`);
      for (const l of out.slice(0, firstBlocked)) assert.equal(l.ok, true, JSON.stringify(l));
      for (const l of out.slice(firstBlocked)) {
        assert.equal(l.ok, false, 'once spent, every later call is blocked');
        assert.equal(l.errorClass, c.errorClass, JSON.stringify(l));
        assert.equal(l.status, 429);
        assert.match(l.message!, new RegExp(`budget \\\\?"${c.sdk}-daily\\\\?"`), 'names the budget');
        assert.match(l.message!, /spent \$[0-9.]+.* of its \$[0-9.]+ limit/, 'says the spend and the limit');
        if (c.sdk === 'bedrock') assert.equal(l.attempts, 1, 'the AWS SDK did not retry');
      }
      // Only the calls that went through reached the provider.
      assert.equal(
        r.requests.filter((q) => q.route === c.route).length,
        firstBlocked,
        JSON.stringify(r.requests),
      );
      // The store holds every call, the blocked ones once each (a retry would be a second row) at $0.
      const stored = storedCalls(r.home);
      const blocked = stored.filter((s) => s.errorType === 'budget_exceeded');
      assert.equal(stored.length, 12);
      assert.equal(blocked.length, 12 - firstBlocked, 'one row per blocked call: no retry');
      for (const b of blocked) {
        assert.equal(b.costNanos, 0);
        assert.equal(b.httpStatus, 429);
        assert.equal(b.priced, true, 'priced at $0, not unpriced');
      }
      const spent = stored.reduce((a, s) => a + s.costNanos, 0);
      assert.ok(spent <= limit, `spent ${spent} nano-dollars of a ${limit} limit`);
      // Metrics: the blocked calls on their own outcome series.
      const samples = parsePrometheus(r.metrics);
      assert.equal(
        total(samples, METRIC_LLM_REQUESTS_DESCRIPTOR.prometheusName, { [LABEL_OUTCOME]: 'blocked' }),
        12 - firstBlocked,
        r.metrics,
      );
      assert.equal(
        total(samples, METRIC_LLM_REQUESTS_DESCRIPTOR.prometheusName),
        12,
        'every call counted once',
      );
    });
  }

  test('the spans of blocked calls: error budget_exceeded, $0, the budget that acted', async () => {
    // The runs above flushed their spans at exit (SIGTERM), before they ended.
    const blocked = e2e.receiver.spans.filter((s) => s.attributes[ATTR_TOKENMETER_BUDGET_ACTION] === 'block');
    assert.ok(blocked.length >= 4, 'blocked calls of every SDK');
    for (const s of blocked) {
      assert.equal(s.attributes[ATTR_ERROR_TYPE], 'budget_exceeded');
      assert.equal(s.attributes[ATTR_GEN_AI_USAGE_COST], 0);
      assert.match(String(s.attributes[ATTR_TOKENMETER_BUDGET_NAME]), /-daily$/);
    }
  });
});

describe('route-cheap: past its budget, the cheaper model is sent and answers', () => {
  const ROUTES: { c: Case; from: string; to: string }[] = [
    { c: CASES[0]!, from: 'gpt-4o', to: 'gpt-4o-mini' },
    { c: CASES[1]!, from: 'claude-3-5-sonnet-20241022', to: 'claude-3-5-haiku-20241022' },
    { c: CASES[2]!, from: 'gemini-2.5-pro', to: 'gemini-2.0-flash' },
    {
      c: CASES[3]!,
      from: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
      to: 'anthropic.claude-3-haiku-20240307-v1:0',
    },
  ];
  for (const { c, from, to } of ROUTES) {
    test(`${c.sdk}: ${from} → ${to}`, async () => {
      const r = await runBudgeted(
        { ...c, model: from },
        `budgets:\n  - name: expensive\n    limit_usd: 0.002\n    period: day\n    model: "${from}"\n    action: route-cheap\n    route: { "${from}": "${to}" }\n`,
        {},
        8,
      );
      const out = lines(r.run);
      assert.ok(
        out.every((l) => l.ok),
        r.run.stdout,
      );
      const sent = r.requests.filter((q) => q.route === c.route);
      assert.equal(sent.length, 8, `every call was sent: ${JSON.stringify(r.requests)}`);
      const modelOf = (q: (typeof sent)[number]) =>
        c.sdk === 'gemini' || c.sdk === 'bedrock' ? decodeURIComponent(q.path) : String(q.model);
      const firstRouted = sent.findIndex((q) => modelOf(q).includes(to));
      assert.ok(firstRouted >= 1, `the expensive model first: ${JSON.stringify(sent)}`);
      for (const q of sent.slice(firstRouted))
        assert.ok(modelOf(q).includes(to), `then the cheaper one: ${modelOf(q)}`);
      if (c.sdk === 'openai' || c.sdk === 'anthropic' || c.sdk === 'gemini') {
        // The app gets the cheaper model's answer.
        for (const l of out.slice(firstRouted))
          assert.ok(String(l.model).startsWith(to.slice(0, 12)), String(l.model));
      }
      const stored = storedCalls(r.home);
      assert.equal(
        stored.filter((s) => s.requestModel === to).length,
        8 - firstRouted,
        'stored as the model sent',
      );
    });
  }

  test('the span of a routed call: gen_ai.request.model is the model sent, the one asked for beside it', async () => {
    const routed = e2e.receiver.spans.filter(
      (s) => s.attributes[ATTR_TOKENMETER_BUDGET_ACTION] === 'route-cheap',
    );
    const openai = routed.find((s) => s.attributes[ATTR_TOKENMETER_BUDGET_REQUESTED_MODEL] === 'gpt-4o')!;
    assert.ok(openai, 'an OpenAI call was routed');
    assert.equal(openai.attributes[ATTR_GEN_AI_REQUEST_MODEL], 'gpt-4o-mini');
    assert.equal(openai.attributes[ATTR_TOKENMETER_BUDGET_NAME], 'expensive');
    assert.match(openai.name, /gpt-4o-mini$/);
  });
});

test('warn: every call goes through; one diag line for the budget, not one per call', async () => {
  const r = await runBudgeted(
    CASES[0]!,
    'budgets:\n  - { name: soft, limit_usd: 0.00001, period: day, action: warn }\n',
  );
  assert.ok(
    lines(r.run).every((l) => l.ok),
    r.run.stdout,
  );
  assert.equal(r.requests.length, 12);
  const notices = r.run.stderr.split('\n').filter((l) => l.includes('budget "soft" is at its limit'));
  assert.equal(notices.length, 1, r.run.stderr);
  assert.match(notices[0]!, /calls go on \(action warn\)/);
});

test('a bad budgets file: one line naming the field, and the budgets it could read still hold', async () => {
  const r = await runBudgeted(
    CASES[0]!,
    'budgets:\n  - { name: typo, limit_usd: 1, period: weekly }\n  - { name: ok, limit_usd: 0.0001, period: day, action: block }\n',
  );
  const problems = r.run.stderr.split('\n').filter((l) => l.startsWith('tokenmeter: TOKENMETER_BUDGETS'));
  assert.deepEqual(problems.length, 1, r.run.stderr);
  assert.match(
    problems[0]!,
    /budgets\[0\]\.period: "weekly" is not a period: use day, week, month or rolling:<N>h/,
  );
  assert.ok(
    lines(r.run).some((l) => !l.ok && l.errorClass === 'RateLimitError'),
    'the good budget blocks',
  );
});
