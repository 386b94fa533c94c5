// The budgets file for the alert loop and the fleet commands: `--budgets FILE`, else
// TOKENMETER_BUDGETS. Its budgets (@tokenmeter/budgets) are checked besides the store's, its sinks
// and settings (@tokenmeter/alerts) used. Each bad entry is one warning naming the field; the rest
// is used. A file given with --budgets that cannot be read is an error.

import path from 'node:path';
import { type AlertsFileSettings, loadAlertsFile, type SinkTarget } from '@tokenmeter/alerts';
import { type BudgetDefinition, formatBudgetFileProblem, loadBudgetsFile } from '@tokenmeter/budgets';
import { readEnv } from '@tokenmeter/config';
import { type CommandContext, type FlagSpec, str } from '../command.js';
import { CliError } from '../errors/cli-error.js';
import type { PromBudget } from '../fleet/promql.js';

export const BUDGETS_FLAG: FlagSpec = {
  type: 'string',
  value: 'FILE',
  description: 'budgets file, YAML or JSON (default $TOKENMETER_BUDGETS): its budgets and sinks are used',
};

export interface BudgetsFile {
  /** The file read, or undefined when none is configured. */
  path: string | undefined;
  budgets: BudgetDefinition[];
  sinks: SinkTarget[];
  settings: AlertsFileSettings;
}

export function readBudgetsFile(ctx: CommandContext, timeZone?: string): BudgetsFile {
  const flag = str(ctx, 'budgets');
  const given = flag ?? readEnv(ctx.io.env, ['TOKENMETER_BUDGETS']).values.TOKENMETER_BUDGETS;
  if (given === undefined) return { path: undefined, budgets: [], sinks: [], settings: {} };
  const file = path.resolve(ctx.io.cwd, given);
  const budgets = loadBudgetsFile(file, timeZone);
  const alerts = loadAlertsFile(file, ctx.io.env);
  const lines = [...new Set([...budgets.problems, ...alerts.problems].map(formatBudgetFileProblem))];
  const unreadable = budgets.problems.find((p) => p.path === '' && p.reason.startsWith('cannot read'));
  if (unreadable && flag !== undefined)
    throw new CliError(formatBudgetFileProblem(unreadable), { hint: 'Check the path given to --budgets.' });
  for (const line of lines) ctx.io.stderr.write(`${ctx.err.yellow('warning:')} ${line}\n`);
  return { path: file, budgets: budgets.budgets, sinks: alerts.sinks, settings: alerts.settings };
}

/** The budgets of the file as Prometheus rules and Grafana panels see them. */
export function promBudgets(file: BudgetsFile): PromBudget[] {
  return file.budgets.map((b) => ({
    name: b.name ?? b.label,
    period: b.period,
    limitNanos: b.limitNanos,
    alertAt: [...b.alertAt],
    provider: b.provider,
    model: b.model,
    feature: b.feature,
    user: b.user,
    tenant: b.tenant,
    service: b.service,
  }));
}
