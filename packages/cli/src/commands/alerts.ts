// tokenmeter alerts add|list|rm|test|log: where alert notices go (webhook, Slack, PagerDuty), and
// what fired. Alerts are evaluated by `tokenmeter serve` and `tokenmeter watch`.
import {
  type AlertSeverity,
  checkSink,
  maskUrl,
  PAGERDUTY_EVENTS_URL,
  type SinkTarget,
  sendTestNotice,
  storeSinkTarget,
} from '@tokenmeter/alerts';
import type { AlertSink, AlertSinkKind } from '@tokenmeter/store';
import { alertToJson, deliverySummary } from '../alerting/json.js';
import { bool, type CommandContext, type CommandSpec, renderHelp, STORE_FLAG, str } from '../command.js';
import { CliError, EXIT_ERROR, EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { renderTable } from '../format/table.js';
import { flagSource, RANGE_FLAGS, withFlagErrors } from '../query/flags.js';
import { parseTimeZone } from '../query/params.js';
import { formatDateTime, parseInstant, TIME_HINT } from '../query/time.js';
import { openForRead, openForWrite } from '../store-access.js';

const KINDS: AlertSinkKind[] = ['webhook', 'slack', 'pagerduty'];
const SEVERITIES: AlertSeverity[] = ['warning', 'critical'];
export const DEFAULT_DASHBOARD_URL = 'http://127.0.0.1:8766';

export const DASHBOARD_URL_FLAG = {
  type: 'string' as const,
  value: 'URL',
  description: `base URL of the dashboard for links in notices (default ${DEFAULT_DASHBOARD_URL})`,
};

/** --dashboard-url, checked. */
export function dashboardUrl(ctx: CommandContext, fallback = DEFAULT_DASHBOARD_URL): string {
  const text = str(ctx, 'dashboard-url');
  if (text === undefined) return fallback;
  try {
    const u = new URL(text);
    if (u.protocol === 'http:' || u.protocol === 'https:') return text.replace(/\/+$/, '');
  } catch {}
  throw new UsageError(`--dashboard-url: "${text}" is not an http(s) URL`, ctx.name);
}

function sinkJson(s: SinkTarget & { id?: number }) {
  return {
    id: s.id ?? null,
    name: s.name,
    kind: s.kind,
    url: maskUrl(s.url),
    hasSecret: !!s.secret,
    minSeverity: s.minSeverity,
  };
}

export const alertsAddCommand: CommandSpec = {
  name: 'alerts add',
  summary: 'Send alerts to a webhook, a Slack channel or PagerDuty',
  usage: 'alerts add webhook|slack|pagerduty <url> [--secret S] [--min-severity warning|critical]',
  description:
    'webhook    any URL; the notice is JSON, signed with X-Tokenmeter-Signature: sha256=<HMAC-SHA256\n' +
    '           of the body> when --secret is given. Receivers dedupe on its `id`.\n' +
    'slack      a Slack incoming-webhook URL (https://hooks.slack.com/services/...).\n' +
    'pagerduty  Events API v2; --secret is the integration (routing) key; the URL defaults to\n' +
    `           ${PAGERDUTY_EVENTS_URL}.\n` +
    'Adding the same kind and URL again updates its secret and minimum severity.',
  flags: {
    secret: {
      type: 'string',
      value: 'S',
      description: 'webhook: HMAC key of the signature; pagerduty: the routing (integration) key',
    },
    'min-severity': {
      type: 'string',
      value: 'LEVEL',
      description: 'send only alerts of this severity and above: warning (default) or critical',
    },
    json: { type: 'boolean', description: 'print the sink as JSON' },
    store: STORE_FLAG,
  },
  positionals: { min: 1, max: 2, names: 'the kind (webhook, slack or pagerduty) and the URL' },
  examples: [
    'tokenmeter alerts add slack https://hooks.slack.com/services/T000/B000/XXXX',
    'tokenmeter alerts add webhook https://ops.example.com/hooks/llm --secret "$HOOK_SECRET"',
    'tokenmeter alerts add pagerduty --secret "$PD_ROUTING_KEY" --min-severity critical',
  ],
  async run(ctx) {
    const [kindText, urlText] = ctx.positionals as [string, string | undefined];
    const kind = kindText as AlertSinkKind;
    if (!KINDS.includes(kind))
      throw new UsageError(`"${kindText}" is not a sink kind: use webhook, slack or pagerduty`, ctx.name);
    const url = urlText ?? (kind === 'pagerduty' ? PAGERDUTY_EVENTS_URL : undefined);
    if (url === undefined) throw new UsageError(`missing the URL of the ${kind}`, ctx.name);
    const minSeverity = (str(ctx, 'min-severity') ?? 'warning') as AlertSeverity;
    if (!SEVERITIES.includes(minSeverity))
      throw new UsageError(
        `--min-severity: "${minSeverity}" is not a severity: use warning or critical`,
        ctx.name,
      );
    const secret = str(ctx, 'secret') ?? null;
    const problem = checkSink({ kind, url, secret });
    if (problem) throw new UsageError(problem, ctx.name);
    const store = openForWrite(ctx);
    try {
      const s = store.alerts.addSink({ kind, url, secret, minSeverity });
      if (bool(ctx, 'json')) {
        ctx.io.stdout.write(`${JSON.stringify(sinkJson({ ...storeSinkTarget(s), id: s.id }), null, 2)}\n`);
        return EXIT_OK;
      }
      ctx.io.stdout.write(
        `${ctx.out.green('✓')} Sink ${s.id}: ${kind} ${maskUrl(url)}, ${minSeverity === 'critical' ? 'critical alerts only' : 'warnings and critical alerts'}${secret ? (kind === 'pagerduty' ? ', with its routing key' : ', signed') : ''}\n` +
          ctx.out.dim(
            `Try it: tokenmeter alerts test ${s.id}. Alerts are evaluated by \`tokenmeter serve\` or \`tokenmeter watch\`.\n`,
          ),
      );
      return EXIT_OK;
    } finally {
      store.close();
    }
  },
};

export const alertsListCommand: CommandSpec = {
  name: 'alerts list',
  summary: 'List the sinks alerts are sent to',
  usage: 'alerts list [--json]',
  description: 'URLs are shown up to their host: Slack and webhook URLs often carry a token.',
  flags: { json: { type: 'boolean', description: 'print JSON' }, store: STORE_FLAG },
  examples: ['tokenmeter alerts list', 'tokenmeter alerts list --json'],
  async run(ctx) {
    const store = openForRead(ctx);
    try {
      const sinks = store.alerts.listSinks();
      if (bool(ctx, 'json')) {
        ctx.io.stdout.write(
          `${JSON.stringify({ sinks: sinks.map((s) => sinkJson({ ...storeSinkTarget(s), id: s.id })) }, null, 2)}\n`,
        );
        return EXIT_OK;
      }
      if (sinks.length === 0) {
        ctx.io.stdout.write(
          'No alert sinks. Add one with `tokenmeter alerts add slack https://hooks.slack.com/services/...`.\n',
        );
        return EXIT_OK;
      }
      ctx.io.stdout.write(
        renderTable(
          [
            { header: 'id', align: 'right' },
            { header: 'kind' },
            { header: 'url' },
            { header: 'secret' },
            { header: 'min severity' },
          ],
          sinks.map((s) => [String(s.id), s.kind, maskUrl(s.url), s.secret ? 'set' : '—', s.minSeverity]),
          { styles: ctx.out },
        ),
      );
      return EXIT_OK;
    } finally {
      store.close();
    }
  },
};

function parseId(ctx: CommandContext, text: string): number {
  if (!/^\d{1,9}$/.test(text))
    throw new UsageError(`"${text}" is not a sink id: expected a whole number`, ctx.name);
  return Number(text);
}

export const alertsRmCommand: CommandSpec = {
  name: 'alerts rm',
  summary: 'Remove an alert sink',
  usage: 'alerts rm <id>',
  description: 'Notices still waiting for this sink are given up (the log says so).',
  flags: { store: STORE_FLAG },
  positionals: { min: 1, max: 1, names: 'the sink id (see `tokenmeter alerts list`)' },
  examples: ['tokenmeter alerts rm 2'],
  async run(ctx) {
    const id = parseId(ctx, ctx.positionals[0]!);
    const store = openForWrite(ctx);
    try {
      if (!store.alerts.removeSink(id))
        throw new CliError(`No alert sink with id ${id}.`, {
          hint: 'See the ids with `tokenmeter alerts list`.',
        });
      ctx.io.stdout.write(`${ctx.out.green('✓')} Removed alert sink ${id}\n`);
      return EXIT_OK;
    } finally {
      store.close();
    }
  },
};

export const alertsTestCommand: CommandSpec = {
  name: 'alerts test',
  summary: 'Send a test notice to every sink (or one) and show what each answered',
  usage: 'alerts test [<id>] [--dashboard-url URL]',
  description:
    'Sent at once, not through the outbox: exit code 1 when a sink did not accept it. PagerDuty gets\n' +
    'a trigger and its resolve, so no incident stays open.',
  flags: { 'dashboard-url': DASHBOARD_URL_FLAG, store: STORE_FLAG },
  positionals: { min: 0, max: 1, names: 'a sink id' },
  examples: ['tokenmeter alerts test', 'tokenmeter alerts test 2'],
  async run(ctx) {
    const only = ctx.positionals[0] === undefined ? undefined : parseId(ctx, ctx.positionals[0]);
    const base = dashboardUrl(ctx);
    const store = openForRead(ctx);
    let sinks: AlertSink[];
    try {
      sinks = store.alerts.listSinks().filter((s) => only === undefined || s.id === only);
    } finally {
      store.close();
    }
    if (sinks.length === 0)
      throw new CliError(only === undefined ? 'No alert sinks to test.' : `No alert sink with id ${only}.`, {
        hint: 'Add one with `tokenmeter alerts add webhook|slack|pagerduty <url>`; see them with `tokenmeter alerts list`.',
      });
    let failed = 0;
    for (const s of sinks) {
      const outcome = await sendTestNotice(storeSinkTarget(s), { dashboardUrl: base, now: ctx.now });
      const label = `${s.id} ${s.kind} ${maskUrl(s.url)}`;
      if (outcome.ok)
        ctx.io.stdout.write(
          `${ctx.out.green('✓')} ${label}: HTTP ${outcome.status} in ${Math.round(outcome.ms)} ms\n`,
        );
      else {
        failed++;
        ctx.io.stdout.write(`${ctx.out.red('✗')} ${label}: ${outcome.error}\n`);
      }
    }
    return failed ? EXIT_ERROR : EXIT_OK;
  },
};

export const alertsLogCommand: CommandSpec = {
  name: 'alerts log',
  summary: 'Alerts that fired, newest first, with their deliveries',
  usage: 'alerts log [--since WHEN] [--firing] [--limit N] [--json] [--tz ZONE]',
  description: 'Alerts still firing are always listed. Default: the last 7 days.',
  flags: {
    since: RANGE_FLAGS.since!,
    firing: { type: 'boolean', description: 'only alerts firing now' },
    limit: { type: 'string', value: 'N', description: 'at most N alerts (1..1000, default 50)' },
    json: { type: 'boolean', description: 'print JSON' },
    tz: RANGE_FLAGS.tz!,
    store: STORE_FLAG,
  },
  examples: [
    'tokenmeter alerts log',
    'tokenmeter alerts log --since 30d --json',
    'tokenmeter alerts log --firing',
  ],
  async run(ctx) {
    const timeZone = withFlagErrors(ctx, () => parseTimeZone(flagSource(ctx)));
    const sinceText = str(ctx, 'since') ?? '7d';
    const since = parseInstant(sinceText, { now: ctx.now, timeZone });
    if (since === undefined) throw new UsageError(`--since: "${sinceText}": ${TIME_HINT}`, ctx.name);
    const limitText = str(ctx, 'limit') ?? '50';
    const limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= 1000))
      throw new UsageError(`--limit: "${limitText}" is not a whole number from 1 to 1000`, ctx.name);
    const store = openForRead(ctx);
    try {
      const sinks = store.alerts.listSinks();
      const log = store.alerts
        .log({ since, limit, ...(bool(ctx, 'firing') ? { state: 'firing' as const } : {}) })
        .map((a) => alertToJson(a, store.alerts, sinks));
      if (bool(ctx, 'json')) {
        ctx.io.stdout.write(`${JSON.stringify({ alerts: log }, null, 2)}\n`);
        return EXIT_OK;
      }
      if (log.length === 0) {
        ctx.io.stdout.write(
          `No alerts since ${formatDateTime(since, timeZone)}. They are evaluated by \`tokenmeter serve\` or \`tokenmeter watch\`.\n`,
        );
        return EXIT_OK;
      }
      const o = ctx.out;
      ctx.io.stdout.write(
        renderTable(
          [
            { header: 'id', align: 'right' },
            { header: 'since' },
            { header: 'state' },
            { header: 'severity' },
            { header: 'alert' },
            { header: 'notices' },
          ],
          log.map((a) => [
            String(a.id),
            formatDateTime(a.openedMs, timeZone).slice(0, 16),
            a.state === 'firing' ? o.red('firing') : o.green('resolved'),
            a.severity === 'critical' ? o.red('critical') : o.yellow('warning'),
            a.title ?? a.key,
            deliverySummary(a.deliveries),
          ]),
          { styles: o, maxWidth: ctx.io.stdout.columns },
        ),
      );
      return EXIT_OK;
    } finally {
      store.close();
    }
  },
};

export const alertsCommand: CommandSpec = {
  name: 'alerts',
  summary: 'Where alerts go (webhook, Slack, PagerDuty) and what fired',
  usage: 'alerts <add|list|rm|test|log> [flags]',
  description:
    'Subcommands:\n' +
    '  add <kind> <url>   send alerts to a webhook, Slack or PagerDuty\n' +
    '  list               list the sinks\n' +
    '  rm <id>            remove a sink\n' +
    '  test [<id>]        send a test notice now\n' +
    '  log                alerts that fired, with their deliveries\n' +
    '\n' +
    'Alerts (budget thresholds, burn rate, spend and volume spikes, cost per request, model mix,\n' +
    'cache hit rate, unpriced models) are evaluated every minute by `tokenmeter serve` and\n' +
    '`tokenmeter watch`, and delivered from an outbox in the store: retried, and delivered once.',
  flags: { store: STORE_FLAG },
  positionals: { min: 0, max: 1, names: 'a subcommand' },
  examples: [
    'tokenmeter alerts add slack https://hooks.slack.com/services/T000/B000/XXXX',
    'tokenmeter alerts test',
    'tokenmeter watch',
  ],
  async run(ctx: CommandContext) {
    const sub = ctx.positionals[0];
    if (sub !== undefined)
      throw new UsageError(`unknown alerts subcommand "${sub}": use add, list, rm, test or log`, 'alerts');
    ctx.io.stdout.write(renderHelp(alertsCommand, ctx.out));
    return EXIT_OK;
  },
};
