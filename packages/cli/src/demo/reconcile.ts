// `demo --reconcile`: the live calls set against the mock provider's own bill (its admin cost and
// usage reports), as `tokenmeter reconcile` does against OpenAI's and Anthropic's. One more line of
// spend goes on the mock's bill first: a batch job on another key, which tokenmeter never saw.
import type { MockProvider } from '@tokenmeter/mock-provider';
import type { CommandContext } from '../command.js';
import { reconcileSummary, reconcileTable } from '../commands/reconcile.js';
import { adminApi, RECONCILE_PROVIDERS } from '../money/provider-bill.js';
import { type ReconcileRange, runReconcile } from '../money/reconcile-period.js';
import { openForRead } from '../store-access.js';

const DAY_MS = 86_400_000;

/** The batch job without the preload: on the mock's OpenAI bill, never in the store. */
export const UNSEEN_BATCH = {
  model: 'gpt-4o-mini-2024-07-18',
  inputTokens: 2_000_000,
  outputTokens: 200_000,
} as const;

export async function showDemoReconcile(
  ctx: CommandContext,
  mock: MockProvider,
  file: string,
  liveStart: number,
): Promise<void> {
  const o = ctx.out;
  mock.billing.add({ provider: 'openai', time: liveStart, requests: 40, ...UNSEEN_BATCH });
  const env = {
    OPENAI_ADMIN_KEY: 'sk-admin-demo',
    OPENAI_BASE_URL: mock.openaiBaseURL,
    ANTHROPIC_ADMIN_KEY: 'sk-ant-admin01-demo',
    ANTHROPIC_BASE_URL: mock.anthropicBaseURL,
  };
  const now = Date.now();
  const range: ReconcileRange = {
    since: Math.floor(liveStart / DAY_MS) * DAY_MS,
    until: Math.floor(now / DAY_MS) * DAY_MS + DAY_MS,
    period: undefined,
    timeZone: 'UTC',
  };
  ctx.io.stdout.write(
    `${o.bold('Reconciliation')} ${o.dim("(the mock's admin cost and usage reports, as `tokenmeter reconcile` reads OpenAI's and Anthropic's; live calls only)")}\n\n`,
  );
  const store = openForRead(ctx, file);
  try {
    // Only the live calls: the backfilled history was never sent to the mock.
    const live = {
      usage: (q: Parameters<typeof store.usage>[0]) => store.usage({ ...q, since: liveStart - 1000 }),
    };
    for (const provider of RECONCILE_PROVIDERS) {
      const run = await runReconcile(adminApi(provider, env), provider, range, 'model', live);
      ctx.io.stdout.write(`${reconcileTable(run, ctx, 5)}${reconcileSummary(run)}\n\n`);
    }
  } finally {
    store.close();
  }
  ctx.io.stdout.write(
    `${o.dim(`The openai "never saw" is a batch job of another key the demo put on the bill (${UNSEEN_BATCH.model}); against the real APIs: tokenmeter reconcile --provider openai`)}\n\n`,
  );
}
