// The budgets of the distro at work (budgets.ts loads this module when they are first needed): the
// store's definitions read on the first LLM request and re-read every few seconds, the file's, and
// the ledger they are checked against.
import { existsSync } from 'node:fs';
import { diag } from '@opentelemetry/api';
import {
  BudgetChecker,
  type BudgetDecision,
  type BudgetDefinition,
  type BudgetLedger,
  formatBudgetFileProblem,
  listBudgets,
  loadBudgetsFile,
  MemoryLedger,
  RedisLedger,
  StoreLedger,
} from '@tokenmeter/budgets';
import type { CallRecord, PreSendDecision, PreSendHook, PreSendRequest } from '@tokenmeter/instrumentation';
import { type CostStore, openStore } from '@tokenmeter/store';
import type { BudgetsHandle, BudgetsOptions } from './budgets.js';

/** How often the store's budgets are re-read. */
export const BUDGET_REFRESH_MS = 5000;
/** How long a ledger statement waits for another process's write lock before the fail mode applies. */
const STORE_LEDGER_BUSY_MS = 250;

function oneLine(e: unknown): string {
  return String((e as Error)?.message ?? e).replace(/\s*\n\s*/g, ' ');
}

export function startBudgetsNow(o: BudgetsOptions): BudgetsHandle {
  let fileBudgets: BudgetDefinition[] = [];
  if (o.settings.file !== undefined) {
    const { budgets, problems } = loadBudgetsFile(o.settings.file);
    fileBudgets = budgets;
    for (const p of problems) o.warn(`tokenmeter: TOKENMETER_BUDGETS ${formatBudgetFileProblem(p)}`);
  }
  let store: CostStore | undefined;
  let storeFailed = false;
  let ledger: BudgetLedger | undefined;
  let checker: BudgetChecker | undefined;
  let current: readonly BudgetDefinition[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const openLocalStore = (): CostStore | undefined => {
    if (store !== undefined || storeFailed || o.storePath === undefined) return store;
    // No file yet: nobody set a budget in it. Looked for again at the next refresh.
    if (!existsSync(o.storePath)) return undefined;
    try {
      store = openStore(o.storePath, { busyTimeoutMs: STORE_LEDGER_BUSY_MS });
    } catch (e) {
      storeFailed = true;
      o.warn(
        `tokenmeter: budgets cannot read the local store ${o.storePath} (${oneLine(e)}); only TOKENMETER_BUDGETS applies`,
      );
    }
    return store;
  };

  const makeLedger = (): BudgetLedger => {
    if (o.settings.redisUrl !== undefined) return new RedisLedger({ url: o.settings.redisUrl });
    if (o.storePath !== undefined) {
      try {
        // The connection that reads the budgets (created if missing): reservations are written in it.
        store ??= openStore(o.storePath, { busyTimeoutMs: STORE_LEDGER_BUSY_MS });
        return new StoreLedger(store);
      } catch (e) {
        o.warn(
          `tokenmeter: budgets cannot use the local store ${o.storePath} as their ledger (${oneLine(e)}); this process counts alone`,
        );
      }
    }
    return new MemoryLedger();
  };

  const hook: PreSendHook = (r) => {
    const d = checker!.check(budgetRequest(r, o.serviceName));
    return d instanceof Promise ? d.then(toPreSend) : toPreSend(d);
  };

  const apply = (budgets: readonly BudgetDefinition[]) => {
    current = budgets;
    if (budgets.length === 0) {
      checker?.setBudgets(budgets);
      o.install(undefined);
      return;
    }
    ledger ??= makeLedger();
    checker ??= new BudgetChecker({ ledger, failMode: o.settings.failMode, onError: o.onError });
    checker.setBudgets(budgets);
    o.install(hook);
  };

  const refresh = () => {
    if (closed) return;
    let fromStore: BudgetDefinition[] = [];
    const s = openLocalStore();
    if (s !== undefined) {
      try {
        fromStore = listBudgets(s);
      } catch (e) {
        // A locked or broken store: keep the budgets read last time.
        diag.debug(`tokenmeter: budgets could not be re-read from the store: ${oneLine(e)}`);
        o.onError(e);
        return;
      }
    }
    apply([...fromStore, ...fileBudgets]);
  };

  const startTimer = () => {
    if (timer !== undefined || closed || o.storePath === undefined) return;
    timer = setInterval(refresh, BUDGET_REFRESH_MS);
    timer.unref();
  };

  // A fleet's ledger starts connecting now: loading the Redis client and connecting take a moment,
  // which the first checks would otherwise wait for.
  if (o.settings.redisUrl !== undefined && (fileBudgets.length > 0 || o.storePath !== undefined)) {
    ledger = makeLedger();
  }

  // The first LLM request reads the store (then the timer keeps it current).
  const bootstrap: PreSendHook = (r: PreSendRequest) => {
    refresh();
    startTimer();
    return checker !== undefined && current.length > 0 ? hook(r) : undefined;
  };
  if (o.storePath !== undefined || fileBudgets.length > 0) o.install(bootstrap);

  return {
    get budgets() {
      return current;
    },
    refresh() {
      refresh();
      startTimer();
    },
    giveBackLeases() {
      if (!closed) checker?.giveBackNow();
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      o.install(undefined);
      try {
        if (store !== undefined && !(ledger instanceof StoreLedger)) store.close();
        // The checker gives this process's leases back before it closes the ledger.
        await (checker ?? ledger)?.close();
      } catch (e) {
        diag.debug(`tokenmeter: closing the budget ledger: ${oneLine(e)}`);
      }
    },
  };
}

function budgetRequest(r: PreSendRequest, service: string) {
  return {
    provider: r.provider,
    model: r.model,
    timeMs: r.startTimeMs,
    feature: r.attribution.feature,
    user: r.attribution.user,
    tenant: r.attribution.tenant,
    service,
    inputTokens: r.estimateInputTokens,
    maxOutputTokens: r.maxOutputTokens,
    serviceTier: r.serviceTier,
    batch: r.batch,
    baseUrl: r.origin,
    mayWriteCache: r.mayWriteCache,
    canRoute: r.canRewriteModel,
  };
}

function toPreSend(d: BudgetDecision): PreSendDecision | undefined {
  if (d.action === 'block') return { action: 'block', budget: d.budget.label, message: d.message };
  const ticket = d.ticket;
  const settle =
    ticket === undefined
      ? undefined
      : (record: CallRecord) => {
          if (ticket.storeRef) record.budgetRef = ticket.ref;
          ticket.settle(record.cost?.totalNanos ?? 0);
        };
  if (d.action === 'route') {
    const route = { action: 'route', model: d.model, budget: d.budget.label } as const;
    return settle === undefined ? route : { ...route, settle };
  }
  return settle === undefined ? undefined : { action: 'proceed', settle };
}
