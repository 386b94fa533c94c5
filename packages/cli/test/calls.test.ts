import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatUsd } from '../src/format/money.js';
import { DAY, makeStore, NOW, pricedCall, run, sampleCalls, tempDir, withStore } from './helpers.js';

describe('tokenmeter calls', () => {
  let file = '';
  const dir = tempDir({ after });
  before(() => {
    file = makeStore(dir, [
      ...sampleCalls(120, NOW - 5 * DAY, NOW - DAY),
      pricedCall({
        at: NOW - 60_000,
        provider: 'anthropic',
        model: 'claude-sonnet-4-6',
        input: 12_000,
        cacheRead: 10_000,
        cacheWrite: 1_000,
        output: 800,
        feature: 'summarize',
        user: 'u-9',
        tenant: 'acme',
        stream: true,
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      }),
    ]);
  });

  it('lists the newest calls first in a table, with a cursor to the next page', async () => {
    const r = await run(['calls', '--store', file, '--limit', '5', '--tz', 'UTC']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(
      lines[0]!,
      /^\s*ID\s+TIME\s+PROVIDER\s+MODEL\s+FEATURE\s+USER\s+TENANT\s+IN\s+OUT\s+COST\s+STATUS$/,
    );
    assert.match(
      lines[1]!,
      /^\s*121\s+2026-11-23 11:59:00\s+anthropic\s+claude-sonnet-4-6\s+summarize\s+u-9\s+acme\s+12,000\s+800\s+\$0\.0217\s+ok$/,
    );
    assert.equal(lines.filter((l) => /^\s*\d+\s+2026-/.test(l)).length, 5);
    const cursor = /next cursor: (\S+)/.exec(r.stdout)?.[1];
    assert.ok(cursor, r.stdout);
    const next = await run(['calls', '--store', file, '--limit', '5', '--cursor', cursor!, '--json']);
    const page = JSON.parse(next.stdout);
    const all = withStore(file, (s) => s.calls({ limit: 10 }).calls.map((c) => c.id));
    assert.deepEqual(
      page.calls.map((c: { id: number }) => c.id),
      all.slice(5, 10),
    );
  });

  it('prints the command of the next page on a terminal', async () => {
    const r = await run(['calls', '--store', file, '--limit', '3', '--tenant', 'acme'], { tty: true });
    assert.match(
      r.stdout,
      new RegExp(
        `Next page: tokenmeter calls --store ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} --limit 3 --tenant acme --cursor \\S+`,
      ),
    );
  });

  it('filters like the store, and --json has exact costs', async () => {
    const r = await run([
      'calls',
      '--store',
      file,
      '--provider',
      'openai',
      '--min-cost',
      '0.0001',
      '--limit',
      '1000',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const expected = withStore(
      file,
      (s) => s.calls({ provider: 'openai', minCostNanos: 100_000, limit: 1000 }).calls,
    );
    assert.deepEqual(
      j.calls.map((c: { id: number }) => c.id),
      expected.map((c) => c.id),
    );
    assert.ok(
      j.calls.every(
        (c: { provider: string; costNanos: number; costUsd: number }) =>
          c.provider === 'openai' && c.costNanos >= 100_000 && c.costUsd === c.costNanos / 1e9,
      ),
    );
    const errors = JSON.parse(
      (await run(['calls', '--store', file, '--errors', '--json', '--limit', '1000'])).stdout,
    );
    assert.ok(errors.calls.length > 0);
    assert.ok(errors.calls.every((c: { errorType: string | null }) => c.errorType !== null));
    const unpriced = JSON.parse(
      (await run(['calls', '--store', file, '--unpriced', '--json', '--limit', '1000'])).stdout,
    );
    assert.ok(unpriced.calls.every((c: { priced: boolean }) => !c.priced));
  });

  it('shows one call in detail: tokens and cost by kind, pricing provenance, trace id', async () => {
    const r = await run(['calls', 'show', '121', '--store', file, '--tz', 'UTC']);
    assert.equal(r.code, 0, r.stderr);
    const row = withStore(file, (s) => s.callsAfterId(120, 1)[0]!);
    assert.match(r.stdout, /^Call 121 {2}anthropic chat claude-sonnet-4-6\n/);
    assert.match(r.stdout, /trace id\s+4bf92f3577b34da6a3ce929d0e0e4736/);
    assert.match(r.stdout, new RegExp(`input \\(uncached\\)\\s+1,000\\s+\\${formatUsd(row.inputCostNanos)}`));
    assert.match(r.stdout, new RegExp(`cache read\\s+10,000\\s+\\${formatUsd(row.cacheReadCostNanos)}`));
    assert.match(r.stdout, new RegExp(`cache write\\s+1,000\\s+\\${formatUsd(row.cacheWriteCostNanos)}`));
    assert.match(r.stdout, new RegExp(`output\\s+800\\s+\\${formatUsd(row.outputCostNanos)}`));
    assert.match(r.stdout, new RegExp(`total\\s+12,800\\s+\\${formatUsd(row.costNanos)}`));
    assert.match(r.stdout, /catalog entry\s+anthropic \/ claude-sonnet-4-6/);
    assert.match(r.stdout, /source\s+catalog \(genai-prices@/);
    assert.match(r.stdout, /first chunk after 180 ms/);
    const j = JSON.parse((await run(['calls', 'show', '121', '--store', file, '--json'])).stdout);
    assert.equal(j.costNanos, row.costNanos);
    assert.equal(j.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('reports a missing or malformed id', async () => {
    const missing = await run(['calls', 'show', '99999', '--store', file]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No call with id 99999/);
    const bad = await run(['calls', 'show', 'abc', '--store', file]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"abc" is not a call id/);
    const none = await run(['calls', 'show', '--store', file]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /missing the call id/);
    const cursor = await run(['calls', '--store', file, '--cursor', 'zz']);
    assert.equal(cursor.code, 2);
    assert.match(cursor.stderr, /--cursor/);
    const limit = await run(['calls', '--store', file, '--limit', '5000']);
    assert.equal(limit.code, 2);
    assert.match(limit.stderr, /--limit: "5000" is not a whole number from 1 to 1000/);
  });
});
