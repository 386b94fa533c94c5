// tokenmeter demo: starts the mock provider, runs a realistic workload with the official SDKs as a
// child process under the real preload (which records to a fresh store), then shows the cost.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ANOMALY_DEFAULTS, type BudgetOutlook, budgetOutlook, seasonalForecast } from '@tokenmeter/alerts';
import { listBudgets } from '@tokenmeter/budgets';
import { defaultStorePath } from '@tokenmeter/store';
import { bool, type CommandContext, type CommandSpec, str } from '../command.js';
import { type DemoReceiver, startDemoReceiver } from '../demo/alert-receiver.js';
import { generateHistory, type HistoryResult, writeHistory } from '../demo/history.js';
import { showDemoReconcile } from '../demo/reconcile.js';
import { runDemoAlerts, setDemoBudgets } from '../demo/setup.js';
import { CliError, EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { formatUsd } from '../format/money.js';
import { formatInt } from '../format/numbers.js';
import { renderTable } from '../format/table.js';
import { Progress } from '../io.js';
import { machineTimeZone } from '../query/time.js';
import { openForRead, openForWrite } from '../store-access.js';
import { DEFAULT_DASHBOARD_URL } from './alerts.js';
import { summaryNotes, summaryTable } from './cost.js';
import { serveStore } from './serve.js';

/** The file of a demo run: --store, else demo.db beside the default store. */
function demoStorePath(ctx: CommandContext): { file: string; fresh: boolean } {
  const flag = str(ctx, 'store');
  if (flag !== undefined) return { file: path.resolve(ctx.io.cwd, flag), fresh: false };
  return { file: path.join(path.dirname(defaultStorePath({ ...ctx.io.env })), 'demo.db'), fresh: true };
}

interface WorkloadResult {
  made: number;
  failed: number;
  unexpected: number;
}

/**
 * The provider SDKs the workload drives. Optional peer dependencies of @tokenmeter/cli (`npm i
 * @tokenmeter/cli` does not pull them); the repository has them as dev dependencies.
 */
export const DEMO_SDKS = ['openai', '@anthropic-ai/sdk', '@google/genai', '@aws-sdk/client-bedrock-runtime'];

/** The preload and the workload script of the demo, resolved from the CLI's package root. */
export function workloadPaths(root: string): { register: string; workload: string } {
  const req = createRequire(path.join(root, 'package.json'));
  const nodePkg = path.dirname(req.resolve('@tokenmeter/node/package.json'));
  return {
    register: pathToFileURL(path.join(nodePkg, 'register.mjs')).href,
    workload: path.join(root, 'src', 'demo', 'workload.mjs'),
  };
}

/**
 * The environment of the workload: the user's, without their telemetry settings (the demo decides
 * its own; the user's would send it elsewhere), plus the demo's.
 */
export function workloadEnv(
  userEnv: Record<string, string | undefined>,
  options: { mockUrl: string; storeFile: string; calls: number; seed: number },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(userEnv)) {
    if (v === undefined || k.startsWith('OTEL_') || k.startsWith('TOKENMETER_') || k === 'NODE_OPTIONS')
      continue;
    env[k] = v;
  }
  const u = options.mockUrl;
  return Object.assign(env, {
    TOKENMETER_STORE: options.storeFile,
    OTEL_SERVICE_NAME: 'tokenmeter-demo',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    // The mock speaks OpenAI's API on loopback: say it is OpenAI (not just "OpenAI-compatible").
    TOKENMETER_PROVIDERS: `openai=${u}/v1/chat,openai=${u}/v1/embeddings,openai=${u}/v1/responses`,
    TOKENMETER_DEMO_MOCK_URL: u,
    TOKENMETER_DEMO_CALLS: String(options.calls),
    TOKENMETER_DEMO_SEED: String(options.seed),
  });
}

/** Runs the workload under the preload; resolves when the child has exited (and flushed the store). */
export function runWorkload(
  ctx: CommandContext,
  options: { mockUrl: string; storeFile: string; calls: number; seed: number },
): Promise<WorkloadResult> {
  const root = ctx.io.packageRoot;
  const { register, workload } = workloadPaths(root);
  const env = workloadEnv(ctx.io.env, options);
  const progress = new Progress(ctx.io, 'Running the workload', options.calls);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', register, workload], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let buf = '';
    let result: WorkloadResult | undefined;
    let missing: string[] = [];
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const p = /^progress (\d+) (\d+)$/.exec(line);
        if (p) progress.update(Number(p[1]));
        const f = /^finished (\d+) (\d+) (\d+)$/.exec(line);
        if (f) result = { made: Number(f[1]), failed: Number(f[2]), unexpected: Number(f[3]) };
        const absent = /^(skipped|missing) (.+)$/.exec(line);
        if (absent) {
          missing = absent[2]!.split(' ');
          if (absent[1] === 'skipped')
            ctx.io.stderr.write(
              `${ctx.err.yellow('note:')} ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed, so the demo leaves out ${missing.length === 1 ? 'its' : 'their'} calls (\`npm i ${missing.join(' ')}\` to include them)\n`,
            );
        }
        nl = buf.indexOf('\n');
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
    });
    child.on('error', (e) => {
      progress.done();
      reject(new CliError(`could not start the demo workload: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      progress.done();
      if (code === 3 && missing.length) {
        reject(
          new CliError('the demo drives the official provider SDKs, and none of them is installed', {
            hint: `Install them beside @tokenmeter/cli (they are optional peer dependencies): npm i ${DEMO_SDKS.join(' ')}`,
          }),
        );
        return;
      }
      if (code !== 0 || !result) {
        reject(
          new CliError(
            `the demo workload ${signal ? `was killed (${signal})` : `exited with code ${code}`}`,
            {
              hint: stderr.trim() ? `Its output:\n${stderr.trim()}` : undefined,
            },
          ),
        );
        return;
      }
      if (result.unexpected > 0)
        ctx.io.stderr.write(
          `${stderr
            .split('\n')
            .filter((l) => l.startsWith('demo:'))
            .join('\n')}\n`,
        );
      resolve(result);
    });
  });
}

export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'Run a sample workload against a local mock provider and show what it cost',
  usage: 'demo [--calls N] [--store PATH] [--no-history] [--reconcile] [--serve [--port 8766]]',
  description:
    'Starts a mock of the OpenAI, Anthropic, Gemini and Bedrock APIs on 127.0.0.1, and runs a small\n' +
    'app that calls it with the official SDKs under the real preload\n' +
    '(node --import @tokenmeter/node/register), with features, users and tenants, streaming, prompt\n' +
    'caching and a few errors. The preload records every call to a fresh store, and the cost is read\n' +
    'back from it. A new store first gets 30 days of history (weekly seasonality, a runaway loop in\n' +
    'the last hour, a model-mix drift), then two demo budgets, and the alerts are evaluated and sent\n' +
    "to a local webhook of the demo's: --serve shows trends, budgets, forecasts and alerts at once.\n" +
    'No API key, no account, no network.',
  flags: {
    calls: {
      type: 'string',
      value: 'N',
      description: 'how many calls the workload makes (default 120, at most 10000)',
    },
    seed: {
      type: 'string',
      value: 'N',
      description: 'seed of the call mix (default 1: the same run every time)',
    },
    store: {
      type: 'string',
      value: 'PATH',
      description: 'store to record to (default: a fresh ~/.tokenmeter/demo.db, replaced on each run)',
    },
    'no-history': {
      type: 'boolean',
      description: 'no backfilled history, budgets or alerts: only the live calls',
    },
    reconcile: {
      type: 'boolean',
      description: "then compare the live calls with the mock's admin cost and usage reports (reconcile)",
    },
    serve: { type: 'boolean', description: 'keep the dashboard up afterwards (Ctrl+C to stop)' },
    host: {
      type: 'string',
      value: 'ADDRESS',
      description: 'with --serve: address to bind (default 127.0.0.1)',
    },
    port: { type: 'string', value: 'PORT', description: 'with --serve: port (default 8766)' },
  },
  examples: [
    'tokenmeter demo',
    'tokenmeter demo --calls 1000 --serve',
    'tokenmeter demo --reconcile          # and the provider bill beside the store, offline',
    'tokenmeter demo --store ./demo.db',
  ],
  async run(ctx) {
    const callsText = str(ctx, 'calls') ?? '120';
    const calls = /^\d+$/.test(callsText) ? Number(callsText) : Number.NaN;
    if (!Number.isInteger(calls) || calls < 1 || calls > 10_000)
      throw new UsageError(`--calls: "${callsText}" is not a whole number from 1 to 10000`, ctx.name);
    const seedText = str(ctx, 'seed') ?? '1';
    if (!/^\d{1,9}$/.test(seedText))
      throw new UsageError(`--seed: "${seedText}" is not a whole number`, ctx.name);
    if (!bool(ctx, 'serve') && (str(ctx, 'port') !== undefined || str(ctx, 'host') !== undefined))
      throw new UsageError('--port and --host go with --serve', ctx.name);
    const { file, fresh } = demoStorePath(ctx);
    if (fresh) for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    const appending = !fresh && existsSync(file);
    // History goes only into a new store: never mixed into calls someone recorded.
    const extras = !appending && !bool(ctx, 'no-history');
    const o = ctx.out;
    const timeZone = machineTimeZone();
    ctx.io.stdout.write(
      `${o.bold('tokenmeter demo')}: ${formatInt(calls)} LLM calls (OpenAI, Anthropic, Gemini, Bedrock) against a local mock\n` +
        `${o.dim(`recording to ${file}${appending ? ' (appending)' : ''}`)}\n\n`,
    );
    const started = (ctx.io.now ?? Date.now)();
    const history = extras ? generateHistory({ now: started, seed: Number(seedText) }) : undefined;
    const { startMockProvider } = await import('@tokenmeter/mock-provider');
    const mock = await startMockProvider({ host: '127.0.0.1', port: 0 });
    const liveStart = Date.now();
    let result: WorkloadResult;
    let reconciled = false;
    try {
      // The store exists before the workload starts; the history is written while it runs.
      const w = history ? openForWrite(ctx, file) : undefined;
      const running = runWorkload(ctx, { mockUrl: mock.url, storeFile: file, calls, seed: Number(seedText) });
      // The workload can fail (say, no SDK installed) while the history is still being written:
      // mark its rejection handled now, it is awaited (and rethrown) just below.
      running.catch(() => {});
      try {
        if (w && history) await writeHistory(w, history);
      } finally {
        w?.close();
      }
      result = await running;
      if (bool(ctx, 'reconcile')) {
        await showLiveCost(ctx, file, started, result, timeZone);
        reconciled = true;
        await showDemoReconcile(ctx, mock, file, liveStart);
      }
    } finally {
      await mock.close();
    }
    if (!reconciled) await showLiveCost(ctx, file, started, result, timeZone);
    const q = /^[\w./:@+-]+$/.test(file) ? file : `'${file.replace(/'/g, "'\\''")}'`;
    const receiver = extras ? await startDemoReceiver() : undefined;
    try {
      if (history && receiver) await showHistoryBudgetsAlerts(ctx, file, history, receiver, timeZone);
      if (bool(ctx, 'serve')) {
        const stopped = ctx.io.waitForSignal?.() ?? new Promise<string>(() => {});
        const serving = await serveStore(ctx, file, {
          ...(receiver ? { sinks: [receiver.sink] } : {}),
          budgetsFile: { path: undefined, budgets: [], sinks: [], settings: {} },
        });
        const signal = await stopped;
        ctx.io.stderr.write(`\n${signal}: stopping\n`);
        await serving.close();
        return EXIT_OK;
      }
    } finally {
      await receiver?.close();
    }
    ctx.io.stdout.write(
      `${o.bold('Next')}\n` +
        `  tokenmeter serve --store ${q}             ${o.dim('# dashboard on http://127.0.0.1:8766')}\n` +
        `  tokenmeter cost --by feature --store ${q}\n` +
        `  tokenmeter calls --store ${q}\n` +
        `  tokenmeter price --unpriced --store ${q}\n` +
        (history ? `  tokenmeter alerts log --store ${q}\n  tokenmeter budget status --store ${q}\n` : '') +
        `${o.dim('Record your own app: node --import @tokenmeter/node/register app.js (it writes ~/.tokenmeter/tokenmeter.db)')}\n`,
    );
    return EXIT_OK;
  },
};

/** The live calls' cost, read back from the store: by model, by feature, and the notes. */
async function showLiveCost(
  ctx: CommandContext,
  file: string,
  started: number,
  result: WorkloadResult,
  timeZone: string,
): Promise<void> {
  const o = ctx.out;
  const store = openForRead(ctx, file);
  let recorded: number;
  try {
    const byModel = store.summary({ since: started - 1000, groupBy: 'model', timeZone });
    const byFeature = store.summary({ since: started - 1000, groupBy: 'feature', timeZone });
    recorded = byModel.totals.calls;
    ctx.io.stdout.write(
      `${o.green('✓')} ${formatInt(result.made)} calls made (${result.failed} failed on purpose: rate limits, overloads), ` +
        `${formatInt(recorded)} recorded, total ${o.bold(formatUsd(byModel.totals.costNanos))}\n\n`,
    );
    ctx.io.stdout.write(`${o.bold('Cost by model')}\n${summaryTable(byModel, 'model', ctx)}\n`);
    ctx.io.stdout.write(`${o.bold('Cost by feature')}\n${summaryTable(byFeature, 'feature', ctx)}\n`);
    const notes = summaryNotes(byModel.totals, ctx, store, { since: started - 1000 });
    if (notes) ctx.io.stdout.write(`${notes}\n`);
  } finally {
    store.close();
  }
  if (recorded < result.made)
    ctx.io.stderr.write(
      `${ctx.err.yellow('warning:')} ${result.made - recorded} of ${result.made} calls were not recorded\n`,
    );
}

/** After the live run: the history line, the demo budgets, and the alerts they and the history fire. */
async function showHistoryBudgetsAlerts(
  ctx: CommandContext,
  file: string,
  history: HistoryResult,
  receiver: DemoReceiver,
  timeZone: string,
): Promise<void> {
  const o = ctx.out;
  ctx.io.stdout.write(
    `${o.bold('History')}: ${history.calls.toLocaleString('en-US')} calls over the 30 days before, ${formatUsd(history.costNanos)}, ` +
      `with a runaway ${history.spike.feature} loop (${history.spike.tenant}, ${history.spike.user}) in the last hour ` +
      `and ${history.drift.feature} moved to ${history.drift.model} in the last 3 hours\n\n`,
  );
  const now = (ctx.io.now ?? Date.now)();
  const w = openForWrite(ctx, file);
  let outlooks: BudgetOutlook[];
  try {
    setDemoBudgets(w, now, timeZone);
    outlooks = listBudgets(w, { timeZone }).map((b) =>
      budgetOutlook(w, b, now, seasonalForecast, ANOMALY_DEFAULTS.burn.recentWindowMs),
    );
  } finally {
    w.close();
  }
  const state = (s: string) => (s === 'exceeded' ? o.red(s) : s === 'warning' ? o.yellow(s) : o.green(s));
  ctx.io.stdout.write(
    `${o.bold('Budgets')}\n${renderTable(
      [
        { header: 'budget' },
        { header: 'spent', align: 'right' },
        { header: 'limit', align: 'right' },
        { header: 'used', align: 'right' },
        { header: 'forecast', align: 'right' },
        { header: 'state' },
      ],
      outlooks.map((b) => [
        `${b.budget.name} (${b.budget.period}${b.budget.tenant ? `, tenant ${b.budget.tenant}` : ''})`,
        formatUsd(b.spentNanos),
        formatUsd(b.limitNanos),
        `${Math.floor((b.spentNanos / b.limitNanos) * 100)}%`,
        `${formatUsd(b.forecast.lowNanos)} – ${formatUsd(b.forecast.highNanos)}`,
        state(b.state),
      ]),
      { styles: o },
    )}\n`,
  );
  const events = await runDemoAlerts(file, receiver.sink, DEFAULT_DASHBOARD_URL, timeZone);
  const fired = events.filter((e) => e.type === 'fired');
  const queued = fired.reduce((n, e) => n + (e.type === 'fired' ? e.queued : 0), 0);
  ctx.io.stdout.write(
    `${o.bold('Alerts')} ${o.dim(`(${receiver.notices.length} of ${queued} notices received by the demo's local webhook, signature checked)`)}\n`,
  );
  for (const e of fired) {
    if (e.type !== 'fired') continue;
    const sev = e.alert.severity === 'critical' ? o.red('critical') : o.yellow('warning ');
    ctx.io.stdout.write(`  ${sev}  ${(e.alert.detail as { title?: string } | null)?.title ?? e.alert.key}\n`);
  }
  ctx.io.stdout.write('\n');
}
