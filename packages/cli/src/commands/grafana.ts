// tokenmeter grafana: a Grafana dashboard (JSON, to import) over the llm_* metrics.
import { BUDGETS_FLAG, promBudgets, readBudgetsFile } from '../alerting/budgets-file.js';
import type { CommandSpec } from '../command.js';
import { EXIT_OK } from '../errors/cli-error.js';
import { grafanaDashboard } from '../fleet/grafana.js';
import { VERSION } from '../version.js';

export const grafanaCommand: CommandSpec = {
  name: 'grafana',
  summary: 'Print a Grafana dashboard (JSON) over the llm_* metrics',
  usage: 'grafana [--budgets FILE] > tokenmeter-dashboard.json',
  description:
    'Spend by model, provider, tenant and feature, the burn rate (a month at the current rate),\n' +
    'tokens by type, unpriced calls, prompt-cache hit rate and latency (p50, p95), from a Prometheus\n' +
    'that scrapes apps under the preload (or `tokenmeter serve`). Import it in Grafana (Dashboards >\n' +
    'New > Import) and pick the Prometheus data source. Spend by feature needs\n' +
    'TOKENMETER_METRIC_LABELS=feature in the apps. With a budgets file, one panel per budget shows\n' +
    'its spend and burn rate against its limit and alert thresholds.',
  flags: { budgets: BUDGETS_FLAG },
  examples: [
    'tokenmeter grafana > tokenmeter-dashboard.json',
    'tokenmeter grafana --budgets budgets.yaml > tokenmeter-dashboard.json',
  ],
  async run(ctx) {
    ctx.io.stdout.write(
      `${JSON.stringify(grafanaDashboard(promBudgets(readBudgetsFile(ctx)), VERSION), null, 2)}\n`,
    );
    return EXIT_OK;
  },
};
