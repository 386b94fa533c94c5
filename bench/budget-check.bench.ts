// What a budget check adds to a call, in-process (a diagnostic, not the user-level overhead bench):
// the instrumented fetch on an in-process transport, one OpenAI chat request per call, in blocks
// that alternate between no budget (no hook: a null check) and one budget applying to every call
// in each ledger (memory; the SQLite store, with the distro's store writer ending the reservations;
// Redis, a local redis-server). Each call is checked, reserved, sent and settled; the store variant
// also writes the call. Reported: the median over blocks of the wall time per call, and its
// difference from the no-budget blocks of the same round. Then the check alone, which that
// difference cannot resolve on a busy machine: the hook called and settled in a loop, per ledger,
// alternating, in wall and CPU time per call.
//
// Run: npx tsx bench/budget-check.bench.ts   (BENCH_ROUNDS, BENCH_CALLS)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BudgetChecker,
  type BudgetLedger,
  MemoryLedger,
  makeDefinition,
  RedisLedger,
  StoreLedger,
} from '@tokenmeter/budgets';
import {
  type CallRecord,
  estimateRequestTokens,
  instrumentFetch,
  type PreSendHook,
  TokenmeterInstrumentation,
} from '@tokenmeter/instrumentation';
import { createBatchWriter, openStore } from '@tokenmeter/store';
import { startRedisServer } from '../packages/budgets/test/helpers/redis-server.js';
import { machine, stats, writeSection } from './lib/results.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const VARIANTS = ['none', 'memory', 'store', 'redis'] as const;
type Variant = (typeof VARIANTS)[number];

const answer = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
});
const transport = (async () =>
  new Response(answer, { headers: { 'content-type': 'application/json' } })) as typeof fetch;
const body = JSON.stringify({
  model: 'gpt-4o-mini',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'Say hello in one word, please.' }],
});

const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-budget-'));
const storePath = path.join(dir, 'tokenmeter.db');
const writer = createBatchWriter({ path: storePath });
let sink: ((r: CallRecord) => void) | undefined;
const instrumentation = new TokenmeterInstrumentation({
  instrumentGlobalFetch: false,
  onCallRecord: (r) => sink?.(r),
});
instrumentation.enable();
const fetchLlm = instrumentFetch(transport, instrumentation.runtime);
const url = 'https://api.openai.com/v1/chat/completions';

const budget = makeDefinition({
  source: 'file',
  id: 'bench',
  period: 'month',
  limitNanos: 1e15,
  action: 'block',
});

function hookOf(ledger: BudgetLedger): PreSendHook {
  const checker = new BudgetChecker({ ledger, budgets: [budget] });
  return (r) => {
    const toDecision = (d: Awaited<ReturnType<BudgetChecker['check']>>) => {
      if (d.action !== 'proceed' || d.ticket === undefined) return undefined;
      const t = d.ticket;
      return {
        action: 'proceed' as const,
        settle: (record: CallRecord) => {
          if (t.storeRef) record.budgetRef = t.ref;
          t.settle(record.cost?.totalNanos ?? 0);
        },
      };
    };
    const d = checker.check({
      provider: r.provider,
      model: r.model,
      timeMs: r.startTimeMs,
      inputTokens: r.estimateInputTokens,
      maxOutputTokens: r.maxOutputTokens,
    });
    return d instanceof Promise ? d.then(toDecision) : toDecision(d);
  };
}

/** Wall and CPU (user + system) time per call, µs. */
async function block(): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) {
    const r = await fetchLlm(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await r.json();
  }
  const wall = ((performance.now() - t0) * 1000) / CALLS;
  const c = process.cpuUsage(cpu0);
  return { wall, cpu: (c.user + c.system) / CALLS };
}

const redis = await startRedisServer();
const ledgers: Record<Exclude<Variant, 'none'>, BudgetLedger> = {
  memory: new MemoryLedger(),
  store: new StoreLedger(openStore(storePath, { busyTimeoutMs: 250 })),
  redis: new RedisLedger({ url: redis.url, timeoutMs: 2000, connectTimeoutMs: 30_000 }),
};
const hooks: Record<Variant, PreSendHook | undefined> = {
  none: undefined,
  memory: hookOf(ledgers.memory),
  store: hookOf(ledgers.store),
  redis: hookOf(ledgers.redis),
};

function use(v: Variant): void {
  instrumentation.setBeforeSend(hooks[v]);
  // Stored calls end their store reservations (as the distro's store writer does).
  sink = v === 'store' ? (r) => void writer.write(r) : undefined;
}

// Warm-up: every variant, twice.
for (let w = 0; w < 2; w++) {
  for (const v of VARIANTS) {
    use(v);
    await block();
  }
}
// The check alone: the hook as the distro calls it (a request, its decision, the settlement with the
// call's record), without the fetch around it.
const preSend = () => ({
  provider: 'openai',
  operation: 'chat',
  api: 'openai.chat' as const,
  model: 'gpt-4o-mini',
  startTimeMs: Date.now(),
  attribution: {},
  maxOutputTokens: 100,
  serviceTier: undefined,
  batch: undefined,
  origin: 'https://api.openai.com',
  stream: false,
  canRewriteModel: true,
  mayWriteCache: false,
  estimateInputTokens: () => estimateRequestTokens(body),
});
const record = { cost: { totalNanos: 5000 } } as unknown as CallRecord;
async function hookBlock(hook: PreSendHook): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) {
    let d = hook(preSend() as Parameters<PreSendHook>[0]);
    if (d instanceof Promise) d = await d;
    if (d?.action === 'proceed') d.settle?.(record);
  }
  const wall = ((performance.now() - t0) * 1000) / CALLS;
  const c = process.cpuUsage(cpu0);
  return { wall, cpu: (c.user + c.system) / CALLS };
}
const HOOKED = ['memory', 'store', 'redis'] as const;
const hookWall: Record<(typeof HOOKED)[number], number[]> = { memory: [], store: [], redis: [] };
const hookCpu: Record<(typeof HOOKED)[number], number[]> = { memory: [], store: [], redis: [] };
for (const v of HOOKED) await hookBlock(hooks[v]!);
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? HOOKED : [...HOOKED].reverse();
  for (const v of order) {
    use(v);
    const r = await hookBlock(hooks[v]!);
    hookWall[v].push(r.wall);
    hookCpu[v].push(r.cpu);
  }
}

const perCall: Record<Variant, number[]> = { none: [], memory: [], store: [], redis: [] };
const added: Record<Variant, number[]> = { none: [], memory: [], store: [], redis: [] };
const addedCpu: Record<Variant, number[]> = { none: [], memory: [], store: [], redis: [] };
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
  const got: Partial<Record<Variant, { wall: number; cpu: number }>> = {};
  for (const v of order) {
    use(v);
    got[v] = await block();
    perCall[v].push(got[v]!.wall);
  }
  for (const v of VARIANTS) {
    added[v].push(got[v]!.wall - got.none!.wall);
    addedCpu[v].push(got[v]!.cpu - got.none!.cpu);
  }
}
use('none');
writer.close();
await Promise.all(Object.values(ledgers).map((l) => l.close()));
await redis.stop();
rmSync(dir, { recursive: true, force: true });

const fmt = (x: number) => x.toFixed(1);
const iqr = (xs: number[], digits = 1) => {
  const t = stats(xs);
  return `${t.median.toFixed(digits)} (${t.p25.toFixed(digits)} to ${t.p75.toFixed(digits)})`;
};
const hookRows = HOOKED.map((v) => `| ${v} | ${iqr(hookWall[v], 2)} | ${iqr(hookCpu[v], 2)} |`);
const rows = VARIANTS.map((v) => {
  const p = stats(perCall[v]);
  const name = v === 'none' ? 'no budget (no hook)' : v;
  return v === 'none'
    ? `| ${name} | ${fmt(p.median)} | — | — |`
    : `| ${name} | ${fmt(p.median)} | ${iqr(added[v])} | ${iqr(addedCpu[v])} |`;
});
const md = `### Budget check per call, in-process diagnostic (${machine()})

\`bench/budget-check.bench.ts\`: the instrumented fetch on an in-process transport (no socket, no
provider SDK, no span export), ${CALLS} OpenAI chat requests per block, ${ROUNDS} rounds alternating
the variants (order reversed every other round) after a warm-up; one block budget applying to every
call. A call with a budget is estimated (input from the body), checked, reserved, answered and
settled; the store variant also stores the call (the distro's writer, which ends its reservation).
Wall time per call in µs: median over rounds, and the median (IQR) of the difference from the
no-budget block of the same round, in wall and in CPU time (user + system: the wait for a CPU left
out). **This machine was busy** (2 cores shared by up to 8 sessions
running builds and tests): treat the figures as orders of magnitude.

| variant | µs per call | added by the budget, wall µs | added, CPU µs |
| --- | ---: | ---: | ---: |
${rows.join('\n')}

The check alone (\`hookBlock\`: the distro's hook called with a request and settled with its record,
${CALLS} calls per block, ${ROUNDS} rounds alternating the ledgers), µs per call, median (IQR) over rounds:

| ledger | wall | CPU |
| --- | ---: | ---: |
${hookRows.join('\n')}

No budget configured: the hook is absent and the fetch path does one property read and a null check
(\`runtime.beforeSend\`); the distro reads the store's budgets on the first LLM request only. With a
budget, a call is checked and reserved in memory against this process's lease of the budget's
headroom (taken from the store or Redis in one step, a sixteenth of what is free, or the call's own
worst case near the limit), so the ledger is reached only when a lease runs out, not per call; the
worst case is priced once per model, token counts and hour (cached), and the input bound is the
body's UTF-8 length (one native call).`;
writeSection('budget-check', md);
console.log(md);
process.exit(0);
