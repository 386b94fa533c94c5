// What `tokenmeter calls`, `cost --export` and GET /v1/telemetry/export say of calls whose cost a
// gateway reported and of calls read from batch results: the reported and local cost, the gateway,
// the batch and custom id, in CSV (appended after the columns CSV always had) and JSON; `--batch` and
// `?batch=` keep one batch's calls.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CallInput } from '@tokenmeter/store';
import { CSV_COLUMNS } from '../src/query/export.js';
import type { TokenmeterServer } from '../src/server/server.js';
import { makeStore, NOW, pricedCall, run, tempDir } from './helpers.js';
import { serve } from './server-helpers.js';

const AT = NOW - 3_600_000;

function batchResult(at: number, batchId: string | undefined, customId: string): CallInput {
  return {
    ...pricedCall({ at, provider: 'openai', model: 'gpt-4o-mini', input: 500, output: 50 }),
    batch: true,
    ...(batchId === undefined ? {} : { batchId }),
    batchCustomId: customId,
  };
}

function throughOpenRouter(at: number, localKnown: boolean): CallInput {
  const local = pricedCall({ at, provider: 'openai', model: 'gpt-4o-mini', input: 1000, output: 100 });
  return {
    ...local,
    cost: { ...local.cost!, totalNanos: 1_234_567, source: 'provider', version: 'reported:openrouter' },
    ...(localKnown ? { localCost: { totalNanos: local.cost!.totalNanos } } : {}),
    pricingMatch: localKnown ? 'exact' : 'provider_reported',
    gateway: 'openrouter',
  };
}

/** The CSV's rows as objects by column name (no quoted commas in these fixtures). */
function csvObjects(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\r\n');
  const names = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])));
}

describe('reported cost, gateway and batch ids in listings and exports', () => {
  const dir = tempDir({ after });
  const plain = pricedCall({ at: AT, provider: 'openai', model: 'gpt-4o-mini', input: 1000, output: 100 });
  const reported = throughOpenRouter(AT + 1, true);
  const reportedOnly = throughOpenRouter(AT + 2, false);
  const batchA1 = batchResult(AT + 3, 'batch_A', 'request-1');
  const batchA2 = batchResult(AT + 4, 'batch_A', 'request-2');
  const batchB = batchResult(AT + 5, 'msgbatch_B', 'ask-1');
  let file = '';
  let server: TokenmeterServer;
  before(async () => {
    file = makeStore(dir, [plain, reported, reportedOnly, batchA1, batchA2, batchB], 'columns.db');
    server = await serve({ after: () => {} }, file);
  });
  after(() => server.close());

  it('CSV keeps its earlier columns in place and appends the reported/local cost, gateway and batch columns', () => {
    const first = CSV_COLUMNS.indexOf('cost_reported');
    assert.equal(CSV_COLUMNS[first - 1], 'server_address', 'the columns CSV always had come first');
    assert.deepEqual(CSV_COLUMNS.slice(first), [
      'cost_reported',
      'local_cost_usd',
      'local_cost_nanos',
      'gateway',
      'batch',
      'batch_id',
      'batch_custom_id',
    ]);
  });

  it('calls --csv: a reported cost with the local price beside it (or none), the gateway, the batch ids', async () => {
    const r = await run(['calls', '--store', file, '--csv', '--limit', '10']);
    assert.equal(r.code, 0, r.stderr);
    const rows = csvObjects(r.stdout);
    assert.equal(rows.length, 6);
    const byTime = new Map(rows.map((row) => [Date.parse(row.start_time!), row]));
    const withLocal = byTime.get(AT + 1)!;
    assert.equal(withLocal.cost_usd, '0.001234567');
    assert.equal(withLocal.cost_reported, 'true');
    assert.equal(withLocal.local_cost_nanos, String(reported.localCost!.totalNanos));
    assert.equal(withLocal.gateway, 'openrouter');
    const noLocal = byTime.get(AT + 2)!;
    assert.equal(noLocal.pricing_match, 'provider_reported');
    assert.equal(noLocal.local_cost_usd, '');
    assert.equal(noLocal.local_cost_nanos, '');
    const batch = byTime.get(AT + 4)!;
    assert.deepEqual([batch.batch, batch.batch_id, batch.batch_custom_id], ['true', 'batch_A', 'request-2']);
    const bare = byTime.get(AT)!;
    assert.deepEqual(
      [bare.cost_reported, bare.gateway, bare.batch, bare.batch_id, bare.batch_custom_id],
      ['false', '', 'false', '', ''],
    );
  });

  it('calls --batch ID lists that batch only; an unknown batch lists nothing', async () => {
    const r = await run(['calls', '--store', file, '--batch', 'batch_A', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const calls = JSON.parse(r.stdout).calls as { batchId: string; batchCustomId: string }[];
    assert.deepEqual(calls.map((c) => c.batchCustomId).sort(), ['request-1', 'request-2']);
    assert.ok(calls.every((c) => c.batchId === 'batch_A'));
    const none = await run(['calls', '--store', file, '--batch', 'batch_nope']);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /No calls match/);
  });

  it('cost --batch ID totals one batch', async () => {
    const r = await run(['cost', '--store', file, '--batch', 'batch_A', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.totals.calls, 2);
    assert.equal(j.totals.costNanos, batchA1.cost!.totalNanos + batchA2.cost!.totalNanos);
  });

  it('cost --export CSV carries the new columns; JSON lines carry the same fields', async () => {
    const csvFile = path.join(dir, 'out.csv');
    const c = await run(['cost', '--store', file, '--export', csvFile]);
    assert.equal(c.code, 0, c.stderr);
    const rows = csvObjects(fs.readFileSync(csvFile, 'utf8'));
    assert.equal(rows.filter((row) => row.batch_id === 'msgbatch_B').length, 1);
    const jsonFile = path.join(dir, 'out.jsonl');
    const j = await run(['cost', '--store', file, '--export', jsonFile]);
    assert.equal(j.code, 0, j.stderr);
    const lines = fs
      .readFileSync(jsonFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const b = lines.find((l) => l.batchCustomId === 'ask-1');
    assert.equal(b.batchId, 'msgbatch_B');
    const rep = lines.find((l) => l.startTimeMs === AT + 1);
    assert.equal(rep.costReported, true);
    assert.equal(rep.localCostNanos, reported.localCost!.totalNanos);
    assert.equal(rep.gateway, 'openrouter');
  });

  it('REST export: ?batch= keeps one batch; a CSV with the appended columns', async () => {
    const res = await fetch(`${server.url}/v1/telemetry/export?format=csv&batch=batch_A`);
    assert.equal(res.status, 200);
    const rows = csvObjects(await res.text());
    assert.deepEqual(rows.map((row) => row.batch_custom_id).sort(), ['request-1', 'request-2']);
    const empty = await fetch(`${server.url}/v1/telemetry/export?format=csv&batch=`);
    assert.equal(empty.status, 400, 'an empty batch id is a clear 400, not "every call"');
  });

  it('calls show: the reported cost and the local price (or that there is none), the gateway, the batch', async () => {
    const list = JSON.parse((await run(['calls', '--store', file, '--json', '--limit', '10'])).stdout)
      .calls as { id: number; startTimeMs: number }[];
    const idAt = (t: number) => String(list.find((c) => c.startTimeMs === t)!.id);
    const noLocal = await run(['calls', 'show', idAt(AT + 2), '--store', file]);
    assert.equal(noLocal.code, 0, noLocal.stderr);
    assert.match(noLocal.stdout, /AI gateway\s+openrouter/);
    assert.match(noLocal.stdout, /match\s+provider_reported/);
    assert.match(noLocal.stdout, /cost\s+\$0\.00123\d*, reported by openrouter/);
    assert.match(noLocal.stdout, /local price\s+none: no local price for this model/);
    assert.doesNotMatch(noLocal.stdout, /per-request fee/);
    const batch = await run(['calls', 'show', idAt(AT + 5), '--store', file]);
    assert.match(batch.stdout, /batch\s+msgbatch_B/);
    assert.match(batch.stdout, /custom id\s+ask-1/);
  });
});
