// Models seen without a price: their calls count with no cost, so spend is under-reported until
// someone adds a price. One alert per model, while it has unpriced calls in the window (24 hours).
import type { Finding } from '../types.js';
import { dashboardPath, type EvalContext, windowText } from './context.js';
import { topContributors } from './contributors.js';

export function evaluateUnpriced(ctx: EvalContext): Finding[] {
  const o = ctx.options.unpriced;
  const since = ctx.now - o.windowMs;
  const recent = ctx.store.unpricedModels({ since, until: ctx.now });
  if (recent.length === 0) return [];
  const ever = new Map<string, (typeof recent)[number]>(
    ctx.store.unpricedModels({ until: ctx.now }).map((m) => [`${m.provider}/${m.model}`, m] as const),
  );
  return recent.map((m): Finding => {
    const id = `${m.provider}/${m.model}`;
    const first = ever.get(id)?.firstSeenMs ?? m.firstSeenMs;
    return {
      key: `unpriced_calls:${id}`,
      kind: 'unpriced_calls',
      severity: 'warning',
      level: 1,
      title: `Unpriced calls: ${m.calls.toLocaleString('en-US')} calls to ${m.model || '(no model)'} (${m.provider}) in ${windowText(o.windowMs)} have no price (${m.reason}); their cost is not counted`,
      value: m.calls,
      baseline: null,
      unit: 'requests',
      sinceMs: first,
      ...topContributors(
        ctx.store,
        {
          since,
          until: ctx.now,
          provider: m.provider,
          ...(m.model ? { model: m.model } : {}),
          unpriced: true,
        },
        'calls',
        ['feature', 'user', 'tenant'],
      ),
      runbook: `Run \`tokenmeter price ${m.model || '<model>'}\` to see the closest catalog names, then add the model to your pricing file (TOKENMETER_PRICING_FILE).`,
      path: dashboardPath({ view: 'calls', period: 'all', unpriced: 'true', model: m.model || undefined }),
      scope: { provider: m.provider, model: m.model },
    };
  });
}
