// `tokenmeter cost --source provider|local` and GET /v1/telemetry/summary?source=: for calls whose
// cost an AI gateway reported (OpenRouter's usage.cost, LiteLLM's x-litellm-response-cost), the
// totals hold that cost or tokenmeter's own price, and say which.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallInput } from '@tokenmeter/store';
import type { TokenmeterServer } from '../src/server/server.js';
import { makeStore, NOW, pricedCall, run, tempDir } from './helpers.js';
import { getJson, serve } from './server-helpers.js';

const AT = NOW - 3_600_000;

/** A call through OpenRouter: the reported cost is the call's, the local price kept beside it. */
function throughOpenRouter(at: number, reportedNanos: number): CallInput {
  const local = pricedCall({ at, provider: 'openai', model: 'gpt-4o-mini', input: 1000, output: 100 });
  return {
    ...local,
    cost: { ...local.cost!, totalNanos: reportedNanos, source: 'provider', version: 'reported:openrouter' },
    localCost: { totalNanos: local.cost!.totalNanos },
    gateway: 'openrouter',
  };
}

describe('tokenmeter cost --source', () => {
  const dir = tempDir({ after });
  const plain = pricedCall({ at: AT, provider: 'openai', model: 'gpt-4o-mini', input: 1000, output: 100 });
  const routed = throughOpenRouter(AT + 1, 1_000_000);
  let file = '';
  let server: TokenmeterServer;
  before(async () => {
    file = makeStore(dir, [plain, routed], 'reported.db');
    server = await serve({ after: () => {} }, file);
  });
  after(() => server.close());

  it('--json: the reported cost by default, tokenmeter’s own price with --source local, and which one it is', async () => {
    const provider = await run(['cost', '--store', file, '--today', '--tz', 'UTC', '--json']);
    assert.equal(provider.code, 0, provider.stderr);
    const p = JSON.parse(provider.stdout);
    assert.equal(p.costSource, 'provider');
    assert.equal(p.reportedCalls, 1);
    assert.equal(p.totals.costNanos, plain.cost!.totalNanos + 1_000_000);
    const local = await run([
      'cost',
      '--store',
      file,
      '--today',
      '--tz',
      'UTC',
      '--json',
      '--source',
      'local',
    ]);
    const l = JSON.parse(local.stdout);
    assert.equal(l.costSource, 'local');
    assert.equal(l.totals.costNanos, 2 * plain.cost!.totalNanos);
  });

  it('the table says which totals it shows', async () => {
    const r = await run(['cost', '--store', file, '--today', '--tz', 'UTC']);
    assert.match(r.stdout, /1 call is at the cost the gateway reported .*--source local/);
    const l = await run(['cost', '--store', file, '--today', '--tz', 'UTC', '--source', 'local']);
    assert.match(l.stdout, /Costs are tokenmeter's own prices \(--source local\)/);
  });

  it('a bad --source is one clear line naming the flag and the choices', async () => {
    const r = await run(['cost', '--store', file, '--source', 'gateway']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--source.*"gateway" is not a cost source: use provider .* or local/);
  });

  it('REST: source=local gives the local totals; a bad source is a 400 naming the parameter', async () => {
    const ok = await getJson(`${server.url}/v1/telemetry/summary?period=today&tz=UTC&source=local`);
    assert.equal(ok.status, 200);
    assert.equal(ok.json.costSource, 'local');
    assert.equal(ok.json.totals.costNanos, 2 * plain.cost!.totalNanos);
    const bad = await getJson(`${server.url}/v1/telemetry/summary?source=nope`);
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.json), /source/);
  });
});
