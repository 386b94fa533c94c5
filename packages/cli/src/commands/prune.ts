// tokenmeter prune: delete calls older than a duration (rollups stay exact).
import { parseDuration } from '@tokenmeter/store';
import { bool, type CommandContext, type CommandSpec, STORE_FLAG, str } from '../command.js';
import { CliError, EXIT_ERROR, EXIT_OK } from '../errors/cli-error.js';
import { UsageError } from '../errors/usage-error.js';
import { formatUsd } from '../format/money.js';
import { formatInt } from '../format/numbers.js';
import { formatDateTime, machineTimeZone } from '../query/time.js';
import { openForRead, openForWrite, storePath } from '../store-access.js';

/** Reads one line from stdin (for the confirmation on a terminal). */
function readLine(ctx: CommandContext): Promise<string> {
  const stdin = ctx.io.stdin;
  if (!stdin) return Promise.resolve('');
  return new Promise((resolve) => {
    let buf = '';
    const done = (s: string) => {
      stdin.removeAllListeners('data');
      stdin.removeAllListeners('end');
      stdin.pause();
      resolve(s);
    };
    stdin.on('data', (chunk) => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl));
    });
    stdin.on('end', () => done(buf));
    stdin.resume();
  });
}

export const pruneCommand: CommandSpec = {
  name: 'prune',
  summary: 'Delete calls older than a duration',
  usage: 'prune --older-than DURATION [--dry-run] [--yes]',
  description:
    'DURATION is a number and a unit: h (hours), d (days), w (weeks), m (calendar months) or\n' +
    'y (years), e.g. 30d or 3m. Totals and rollups stay exact for what is kept. On a terminal it asks\n' +
    'before deleting; in scripts pass --yes.',
  flags: {
    'older-than': {
      type: 'string',
      value: 'DURATION',
      description: 'delete calls that started before now minus this (required)',
    },
    'dry-run': { type: 'boolean', description: 'only count what would be deleted' },
    yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation' },
    json: { type: 'boolean', description: 'print the result as JSON' },
    store: STORE_FLAG,
  },
  examples: ['tokenmeter prune --older-than 90d --dry-run', 'tokenmeter prune --older-than 3m --yes'],
  async run(ctx) {
    const text = str(ctx, 'older-than');
    if (text === undefined) throw new UsageError('--older-than is required, e.g. --older-than 30d', ctx.name);
    let cutoff: number;
    try {
      cutoff = ctx.now - parseDuration(text, ctx.now);
    } catch {
      throw new UsageError(
        `--older-than: "${text}" is not a duration: use a number and h, d, w, m (months) or y, like 30d or 3m`,
        ctx.name,
      );
    }
    const file = storePath(ctx);
    const tz = machineTimeZone();
    const dryRun = bool(ctx, 'dry-run');
    const reader = openForRead(ctx, file);
    let count: number;
    let nanos: number;
    try {
      const s = reader.summary({ until: cutoff });
      count = s.totals.calls;
      nanos = s.totals.costNanos;
    } finally {
      reader.close();
    }
    const when = formatDateTime(cutoff, tz);
    if (dryRun || count === 0) {
      if (bool(ctx, 'json')) {
        ctx.io.stdout.write(
          `${JSON.stringify({ cutoffMs: cutoff, cutoff: new Date(cutoff).toISOString(), deletedCalls: 0, wouldDelete: count, costNanos: nanos, dryRun }, null, 2)}\n`,
        );
      } else {
        ctx.io.stdout.write(
          count === 0
            ? `No calls before ${when} (${tz}): nothing to delete.\n`
            : `Would delete ${formatInt(count)} call${count === 1 ? '' : 's'} (${formatUsd(nanos)}) that started before ${when} (${tz}).\n` +
                ctx.out.dim('Run again without --dry-run to delete them.\n'),
        );
      }
      return EXIT_OK;
    }
    if (!bool(ctx, 'yes')) {
      if (ctx.io.stdin?.isTTY !== true || ctx.io.stderr.isTTY !== true)
        throw new UsageError(
          `this deletes ${formatInt(count)} calls: pass --yes to confirm when not on a terminal (or --dry-run to count)`,
          ctx.name,
        );
      ctx.io.stderr.write(
        `Delete ${formatInt(count)} call${count === 1 ? '' : 's'} (${formatUsd(nanos)}) that started before ${when} (${tz}) from ${file}? [y/N] `,
      );
      const answer = (await readLine(ctx)).trim().toLowerCase();
      if (answer !== 'y' && answer !== 'yes') {
        ctx.io.stderr.write('Nothing deleted.\n');
        return EXIT_ERROR;
      }
    }
    const store = openForWrite(ctx, file);
    try {
      const r = store.prune({ olderThan: cutoff });
      if (bool(ctx, 'json'))
        ctx.io.stdout.write(
          `${JSON.stringify({ cutoffMs: r.cutoffMs, cutoff: new Date(r.cutoffMs).toISOString(), deletedCalls: r.deletedCalls, costNanos: nanos, dryRun: false }, null, 2)}\n`,
        );
      else
        ctx.io.stdout.write(
          `${ctx.out.green('✓')} Deleted ${formatInt(r.deletedCalls)} call${r.deletedCalls === 1 ? '' : 's'} that started before ${when} (${tz}).\n`,
        );
      return EXIT_OK;
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`prune failed: ${(e as Error).message}`);
    } finally {
      store.close();
    }
  },
};
