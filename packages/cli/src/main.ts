// The `tokenmeter` command line: dispatches to a command, prints errors as one clear message and
// returns the exit code (0 ok, 1 error, 2 usage error, 3 budget exceeded, 4 drift beyond
// reconcile --fail-above).
import { readEnv } from '@tokenmeter/config';
import { type CommandSpec, closest, makeContext, parseCommandArgs, renderHelp } from './command.js';
import { CliError, EXIT_ERROR, EXIT_OK, EXIT_USAGE } from './errors/cli-error.js';
import { UsageError } from './errors/usage-error.js';
import { type CliIO, ioStyles } from './io.js';
import { VERSION } from './version.js';

interface Entry {
  name: string;
  summary: string;
  load: () => Promise<CommandSpec>;
}

/** Commands, loaded on use so `tokenmeter cost` does not load the pricing catalog or the server. */
const COMMANDS: Entry[] = [
  {
    name: 'demo',
    summary: 'Run a sample workload against a local mock provider and show what it cost',
    load: async () => (await import('./commands/demo.js')).demoCommand,
  },
  {
    name: 'cost',
    summary: 'What was spent, by model, provider, feature, user, tenant or day',
    load: async () => (await import('./commands/cost.js')).costCommand,
  },
  {
    name: 'calls',
    summary: 'Browse calls, newest first, with filters; `calls show ID` for one call',
    load: async () => (await import('./commands/calls.js')).callsCommand,
  },
  {
    name: 'calls show',
    summary: 'One call in detail: tokens and cost by kind, pricing provenance, trace id',
    load: async () => (await import('./commands/calls.js')).callsShowCommand,
  },
  {
    name: 'price',
    summary: 'What a call to a model costs, and which catalog entry priced it',
    load: async () => (await import('./commands/price.js')).priceCommand,
  },
  {
    name: 'reprice',
    summary: 'Price stored calls again with the current catalog and pricing file',
    load: async () => (await import('./commands/reprice.js')).repriceCommand,
  },
  {
    name: 'whatif',
    summary: "What a period's calls would have cost on another model",
    load: async () => (await import('./commands/whatif.js')).whatifCommand,
  },
  {
    name: 'savings',
    summary: 'What prompt caching and batch/flex tiers saved, and where caching would save more',
    load: async () => (await import('./commands/savings.js')).savingsCommand,
  },
  {
    name: 'reconcile',
    summary: "Compare the store with the provider's own cost and usage reports (admin API)",
    load: async () => (await import('./commands/reconcile.js')).reconcileCommand,
  },
  {
    name: 'budget',
    summary: 'Spending limits per day, week or month: set, list, rm, status',
    load: async () => (await import('./commands/budget.js')).budgetCommand,
  },
  {
    name: 'budget set',
    summary: 'Create or update a budget',
    load: async () => (await import('./commands/budget.js')).budgetSetCommand,
  },
  {
    name: 'budget list',
    summary: 'List budgets',
    load: async () => (await import('./commands/budget.js')).budgetListCommand,
  },
  {
    name: 'budget rm',
    summary: 'Remove a budget',
    load: async () => (await import('./commands/budget.js')).budgetRmCommand,
  },
  {
    name: 'budget status',
    summary: 'Spend against each budget; exit code 3 when one is exceeded',
    load: async () => (await import('./commands/budget.js')).budgetStatusCommand,
  },
  {
    name: 'alerts',
    summary: 'Where alerts go (webhook, Slack, PagerDuty) and what fired: add, list, rm, test, log',
    load: async () => (await import('./commands/alerts.js')).alertsCommand,
  },
  {
    name: 'alerts add',
    summary: 'Send alerts to a webhook, a Slack channel or PagerDuty',
    load: async () => (await import('./commands/alerts.js')).alertsAddCommand,
  },
  {
    name: 'alerts list',
    summary: 'List the sinks alerts are sent to',
    load: async () => (await import('./commands/alerts.js')).alertsListCommand,
  },
  {
    name: 'alerts rm',
    summary: 'Remove an alert sink',
    load: async () => (await import('./commands/alerts.js')).alertsRmCommand,
  },
  {
    name: 'alerts test',
    summary: 'Send a test notice to every sink (or one)',
    load: async () => (await import('./commands/alerts.js')).alertsTestCommand,
  },
  {
    name: 'alerts log',
    summary: 'Alerts that fired, with their deliveries',
    load: async () => (await import('./commands/alerts.js')).alertsLogCommand,
  },
  {
    name: 'watch',
    summary: 'Evaluate alerts every minute and deliver them, without the dashboard',
    load: async () => (await import('./commands/watch.js')).watchCommand,
  },
  {
    name: 'rules',
    summary: 'Prometheus recording and alerting rules for the llm_* metrics',
    load: async () => (await import('./commands/rules.js')).rulesCommand,
  },
  {
    name: 'grafana',
    summary: 'A Grafana dashboard (JSON) over the llm_* metrics',
    load: async () => (await import('./commands/grafana.js')).grafanaCommand,
  },
  {
    name: 'serve',
    summary: 'Dashboard, REST API and /metrics for the store',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  {
    name: 'gateway',
    summary: 'Price the GenAI spans of any language in an OTLP pipeline, and forward them',
    load: async () => (await import('./commands/gateway.js')).gatewayCommand,
  },
  {
    name: 'collector-config',
    summary: 'Print an OpenTelemetry Collector config that prices the top models with OTTL',
    load: async () => (await import('./commands/collector-config.js')).collectorConfigCommand,
  },
  {
    name: 'doctor',
    summary: 'Check Node, SDK versions, configuration, pricing file, store and exporters',
    load: async () => (await import('./commands/doctor.js')).doctorCommand,
  },
  {
    name: 'prune',
    summary: 'Delete calls older than a duration',
    load: async () => (await import('./commands/prune.js')).pruneCommand,
  },
];

const TOP_LEVEL = COMMANDS.filter((c) => !c.name.includes(' '));

function topHelp(io: CliIO): string {
  const { out: s } = ioStyles(io);
  const width = Math.max(...TOP_LEVEL.map((c) => c.name.length));
  return [
    'tokenmeter: what your LLM calls cost, per call, model, feature, user and tenant.',
    '',
    s.bold('USAGE'),
    '  tokenmeter <command> [flags]',
    '',
    s.bold('COMMANDS'),
    ...TOP_LEVEL.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`),
    '',
    s.bold('GETTING STARTED'),
    '  $ tokenmeter demo                    # no API key, no network: see it work',
    '  $ node --import @tokenmeter/node/register app.js   # record your own app',
    '  $ tokenmeter cost --today --by feature',
    '  $ tokenmeter serve                   # dashboard on http://127.0.0.1:8766',
    '',
    s.bold('EXIT CODES'),
    '  0 ok · 1 error · 2 usage error · 3 a budget is exceeded (budget status) · 4 drift beyond reconcile --fail-above',
    '',
    "Run `tokenmeter <command> --help` for a command's flags and examples.",
    s.dim('Colours only on a terminal; NO_COLOR=1 turns them off, FORCE_COLOR=1 on.'),
    '',
  ].join('\n');
}

function findCommand(argv: string[]): { entry: Entry; rest: string[] } | undefined {
  const [first, second] = argv;
  if (first === undefined) return undefined;
  if (second !== undefined && !second.startsWith('-')) {
    const sub = COMMANDS.find((c) => c.name === `${first} ${second}`);
    if (sub) return { entry: sub, rest: argv.slice(2) };
  }
  const entry = COMMANDS.find((c) => c.name === first);
  return entry ? { entry, rest: argv.slice(1) } : undefined;
}

function printError(io: CliIO, e: unknown): number {
  const { err: s } = ioStyles(io);
  if (e instanceof CliError) {
    io.stderr.write(`${s.red('error:')} ${e.message}\n`);
    if (e.hint) io.stderr.write(`${s.dim(e.hint)}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  io.stderr.write(`${s.red('error:')} ${err?.message ?? String(e)}\n`);
  if (readEnv(io.env, ['TOKENMETER_DEBUG']).values.TOKENMETER_DEBUG && err?.stack)
    io.stderr.write(`${err.stack}\n`);
  // A store error met while reading says what happened and what to do, like those store-access.ts
  // turns into CliErrors on open (matched by name: the store loads only with a command that needs it).
  else if (err?.name !== 'StoreError')
    io.stderr.write(`${s.dim('This looks like a bug in tokenmeter; TOKENMETER_DEBUG=1 shows the stack.')}\n`);
  return EXIT_ERROR;
}

/** Runs `tokenmeter` with `argv` (without node and the script). Resolves to the exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  try {
    const first = argv[0];
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      if (first === 'help' && argv[1] !== undefined) return runCli([...argv.slice(1), '--help'], io);
      io.stdout.write(topHelp(io));
      return first === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (first === '--version' || first === '-v' || first === 'version') {
      io.stdout.write(`tokenmeter ${VERSION}\n`);
      return EXIT_OK;
    }
    const found = findCommand(argv);
    if (!found) {
      const near = closest(
        first,
        TOP_LEVEL.map((c) => c.name),
      );
      throw new UsageError(
        `unknown command "${first}"${near.length ? ` (did you mean ${near.map((n) => `\`${n}\``).join(' or ')}?)` : ''}`,
      );
    }
    const spec = await found.entry.load();
    const { values, positionals, help } = parseCommandArgs(spec, found.rest);
    const ctx = makeContext(spec, io, values, positionals);
    if (help) {
      io.stdout.write(renderHelp(spec, ctx.out));
      return EXIT_OK;
    }
    return await spec.run(ctx);
  } catch (e) {
    return printError(io, e);
  }
}
