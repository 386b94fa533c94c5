// Four processes calling at once, each with several calls in flight, against one block budget:
// through the store they share on one host, and through a real redis-server as four hosts would
// (each with a store of its own). Together they never spend past the limit by more than the
// reservation error of the calls (what a call cost above the worst case held for it), and they do
// reach the limit (the budget is not just refusing everything).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadBudgetsFile, RedisLedger, worstCaseNanos } from '@tokenmeter/budgets';
import { estimateRequestTokens } from '@tokenmeter/instrumentation';
import { type MockProvider, startMockProvider } from '@tokenmeter/mock-provider';
import { calculateCost } from '@tokenmeter/pricing';
import { GEN_AI_PROVIDER_NAME_VALUE_OPENAI } from '@tokenmeter/semconv';
import { openStore } from '@tokenmeter/store';
import { type RedisServer, startRedisServer } from '../../../budgets/test/helpers/redis-server.js';
import { type RunResult, runApp } from '../helpers/run-app.js';

const redisMissing = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0;
const OPENAI = GEN_AI_PROVIDER_NAME_VALUE_OPENAI;
const MODEL = 'gpt-4o-mini';
const PROCESSES = 4;

let mock: MockProvider;
let dir: string;
before(async () => {
  mock = await startMockProvider();
  dir = mkdtempSync(path.join(os.tmpdir(), 'tm-e2e-budget-load-'));
});
after(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

interface CallLine {
  ok: boolean;
  prompt: string;
  maxTokens?: number;
  usage?: { prompt_tokens: number; completion_tokens: number };
  errorClass?: string;
}

/** What the worst case of a call was (as the preload computes it from the request body the SDK sends). */
function worstCase(line: CallLine): number {
  const body = JSON.stringify({
    model: MODEL,
    max_tokens: 100,
    messages: [{ role: 'user', content: line.prompt }],
  });
  return worstCaseNanos({
    provider: OPENAI,
    model: MODEL,
    timeMs: Date.now(),
    inputTokens: () => estimateRequestTokens(body),
    maxOutputTokens: 100,
  });
}

function actual(line: CallLine): number {
  return calculateCost({
    provider: OPENAI,
    model: MODEL,
    usage: { inputTokens: line.usage!.prompt_tokens, outputTokens: line.usage!.completion_tokens },
  })!.totalNanos;
}

async function runFour(env: (i: number) => Record<string, string>, homes: string[]): Promise<RunResult[]> {
  return Promise.all(
    Array.from({ length: PROCESSES }, (_, i) =>
      runApp('budgets-load.mjs', {
        preload: 'import',
        env: {
          MOCK_URL: mock.url,
          TOKENMETER_PROVIDERS: `openai=${mock.url}/v1`,
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_METRICS_EXPORTER: 'none',
          LOOPS: '4',
          CALLS: '15',
          LATENCY_MS: '40',
          OTEL_LOG_LEVEL: 'warn',
          TOKENMETER_HOME: homes[i]!,
          ...env(i),
        },
        killAfterMs: 120_000,
      }),
    ),
  );
}

/** Checks the runs; returns what they spent (as stored). */
function check(runs: RunResult[], homes: string[], limit: number): number {
  const lines: CallLine[] = [];
  for (const r of runs) {
    assert.equal(r.code, 0, r.stderr);
    // Checked all along: the ledger never failed open.
    assert.doesNotMatch(r.stderr, /cannot be reached/);
    for (const j of r.json) if (typeof j.prompt === 'string') lines.push(j as unknown as CallLine);
  }
  assert.equal(lines.length, PROCESSES * 4 * 15);
  const done = lines.filter((l) => l.ok);
  const blocked = lines.filter((l) => !l.ok);
  assert.ok(blocked.length > 0, 'the budget was reached');
  for (const b of blocked) assert.equal(b.errorClass, 'RateLimitError');
  // Spent, as stored by the processes (each call once; a blocked one at $0).
  let spent = 0;
  let stored = 0;
  for (const home of new Set(homes)) {
    const store = openStore(path.join(home, 'tokenmeter.db'), { readonly: true });
    for (const c of store.exportCalls()) {
      spent += c.costNanos;
      stored++;
    }
    store.close();
  }
  assert.equal(stored, lines.length, 'every call stored once');
  assert.equal(
    spent,
    done.reduce((a, l) => a + actual(l), 0),
    'the store agrees with what the SDK reported',
  );
  const error = done.reduce((a, l) => a + Math.max(0, actual(l) - worstCase(l)), 0);
  assert.ok(spent <= limit + error, `spent ${spent} > limit ${limit} + reservation error ${error}`);
  // It got close: at most the worst cases of the calls that could be in flight were left unspent.
  const inFlight = PROCESSES * 4 * Math.max(...lines.map(worstCase));
  assert.ok(spent >= limit - inFlight, `spent ${spent}, far below the limit ${limit}`);
  return spent;
}

function budgetsFile(name: string, limit: number): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `budgets:\n  - { name: ${name}, limit_usd: ${(limit / 1e9).toFixed(9)}, period: day, action: block }\n`,
  );
  return file;
}

/** About a third of the calls fit. */
function limitFor(): number {
  const per = calculateCost({
    provider: OPENAI,
    model: MODEL,
    usage: { inputTokens: 20, outputTokens: 20 },
  })!.totalNanos;
  return per * 80;
}

test('four processes of one host share the store as their ledger and stay within the limit', async () => {
  const home = path.join(dir, 'one-host');
  const limit = limitFor();
  const file = budgetsFile('host', limit);
  const homes = Array(PROCESSES).fill(home);
  const runs = await runFour(() => ({ TOKENMETER_BUDGETS: file }), homes);
  check(runs, homes, limit);
  // The processes gave their leases back as they exited, and every call stored took its cost off.
  const key = loadBudgetsFile(file).budgets[0]!.key;
  const store = openStore(path.join(home, 'tokenmeter.db'), { readonly: true });
  try {
    assert.equal(store.budgetLedger().reserved(key, 0, Number.MAX_SAFE_INTEGER, Date.now()), 0);
  } finally {
    store.close();
  }
});

test('four hosts share a real redis-server as their ledger and stay within the limit', {
  skip:
    redisMissing && !process.env.TOKENMETER_CI && 'redis-server not installed (apt-get install redis-server)',
}, async () => {
  let redis: RedisServer | undefined;
  try {
    redis = await startRedisServer();
    const limit = limitFor();
    const file = budgetsFile('fleet', limit);
    const homes = Array.from({ length: PROCESSES }, (_, i) => path.join(dir, `host-${i}`));
    const runs = await runFour(
      () => ({ TOKENMETER_BUDGETS: file, TOKENMETER_BUDGET_REDIS: redis!.url }),
      homes,
    );
    const spent = check(runs, homes, limit);
    // The hosts gave their leases back as they exited and sent the spend of their calls.
    const ledger = new RedisLedger({ url: redis.url, timeoutMs: 5000, connectTimeoutMs: 30_000 });
    try {
      const now = await ledger.spend(loadBudgetsFile(file).budgets[0]!, Date.now());
      assert.deepEqual(now, { spentNanos: spent, reservedNanos: 0 });
    } finally {
      await ledger.close();
    }
  } finally {
    await redis?.stop();
  }
});
