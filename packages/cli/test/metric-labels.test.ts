// One model-label rule (semconv's modelLabel) for both writers of the llm_* metrics: the preload's
// Prometheus endpoint, from its recorder, and `tokenmeter serve`'s /metrics, from the store the same
// calls were written to. Both scraped for the same calls: the same series with the same values.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type MockProvider, startMockProvider } from '@tokenmeter/mock-provider';
import {
  METRIC_LLM_COST_USD_DESCRIPTOR,
  METRIC_LLM_REQUESTS_DESCRIPTOR,
  METRIC_LLM_TOKENS_DESCRIPTOR,
} from '@tokenmeter/semconv';
import { freePort, spawnUnderPreload, tempDir } from './helpers.js';
import { serve } from './server-helpers.js';

let mock: MockProvider;
before(async () => {
  mock = await startMockProvider();
});
after(() => mock.close());

/** Runs the app under the preload, scrapes its /metrics once it is done, then stops it (the store is written at exit). */
async function runAndScrape(storePath: string): Promise<string> {
  const port = await freePort();
  const child = spawnUnderPreload('label-app.mjs', {
    MOCK_OPENAI_BASE_URL: mock.openaiBaseURL,
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
    TOKENMETER_STORE: storePath,
    TOKENMETER_PROVIDERS: `openai=${mock.openaiBaseURL}`,
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000); // a hang guard
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('"done":true')) resolve();
    });
    exited.then(() => reject(new Error(`the app exited early: ${stderr}`)));
  });
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  child.kill('SIGTERM');
  await exited;
  clearTimeout(guard);
  return text;
}

/** `name{labels}` → value, for the samples of `names`. */
function series(text: string, names: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || !names.includes(m[1]!)) continue;
    const labels = [...(m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((l) => `${l[1]}=${l[2]}`).sort();
    out.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}

test('the preload and tokenmeter serve label the same calls alike (model lower-cased, request model first)', {
  timeout: 120_000,
}, async (t) => {
  const storePath = path.join(tempDir(t), 'calls.db');
  const preload = await runAndScrape(storePath);
  const server = await serve(t, storePath);
  const served = await (await fetch(`${server.url}/metrics`)).text();
  const names = [
    METRIC_LLM_REQUESTS_DESCRIPTOR.prometheusName,
    METRIC_LLM_TOKENS_DESCRIPTOR.prometheusName,
    METRIC_LLM_COST_USD_DESCRIPTOR.prometheusName,
  ];
  const a = series(preload, names);
  const b = series(served, names);
  assert.ok(
    [...a.keys()].some((k) => k.includes('model=gpt-4o-mini')),
    preload,
  );
  assert.ok([...a.keys()].some((k) => k.includes('model=my-finetune-xyz')));
  assert.ok([...a.keys()].some((k) => k.includes('org_id=acme')));
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const [k, v] of a) assert.ok(Math.abs(v - b.get(k)!) < 1e-12, `${k}: ${v} vs ${b.get(k)}`);
});
