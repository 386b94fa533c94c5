// Budgets in the distro: the definitions from the local store (`tokenmeter budget set`, re-read every
// few seconds, so a budget set while the app runs applies) and from TOKENMETER_BUDGETS, checked by
// @tokenmeter/budgets before each LLM request leaves (the instrumentation's beforeSend hook).
//
// Nothing is loaded at start-up: the store is read on the first LLM request (a one-off hook), so an
// app without budgets pays nothing at start and, once the first read found none, nothing per call
// (the hook is removed; the instrumentation then does a null check). The ledger: Redis with
// TOKENMETER_BUDGET_REDIS, else the store (shared by the processes of this host), else memory.
import { existsSync } from 'node:fs';
import { diag } from '@opentelemetry/api';
import {
  BudgetChecker,
  type BudgetDecision,
  type BudgetDefinition,
  type BudgetFailMode,
  type BudgetLedger,
  formatBudgetFileProblem,
  listBudgets,
  loadBudgetsFile,
  MemoryLedger,
  RedisLedger,
  StoreLedger,
} from '@tokenmeter/budgets';
import { readEnv } from '@tokenmeter/config';
import type { CallRecord, PreSendDecision, PreSendHook, PreSendRequest } from '@tokenmeter/instrumentation';
import { type CostStore, openStore } from '@tokenmeter/store';

/** How often the store's budgets are re-read. */
export const BUDGET_REFRESH_MS = 5000;
/** How long a ledger statement waits for another process's write lock before the fail mode applies. */
const STORE_LEDGER_BUSY_MS = 250;

type Env = Record<string, string | undefined>;

export interface BudgetSettings {
  /** TOKENMETER_BUDGETS: a budgets file (YAML or JSON). */
  file: string | undefined;
  /** TOKENMETER_BUDGET_REDIS: a redis:// or rediss:// URL; the fleet's ledger. */
  redisUrl: string | undefined;
  /** TOKENMETER_BUDGET_FAIL: `open` (default) or `closed`. */
  failMode: BudgetFailMode;
}

/** Reads the three budget variables through the one env table; one line per problem, its default used. */
export function readBudgetSettings(env: Env, problems: string[]): BudgetSettings {
  const { values, problems: found } = readEnv(env, [
    'TOKENMETER_BUDGETS',
    'TOKENMETER_BUDGET_REDIS',
    'TOKENMETER_BUDGET_FAIL',
  ]);
  for (const p of found) if (!problems.includes(p)) problems.push(p);
  return {
    file: values.TOKENMETER_BUDGETS,
    redisUrl: values.TOKENMETER_BUDGET_REDIS,
    failMode: values.TOKENMETER_BUDGET_FAIL,
  };
}

export interface BudgetsOptions {
  settings: BudgetSettings;
  storePath: string | undefined;
  serviceName: string;
  /** Installs (or removes, with undefined) the hook in the instrumentation. */
  install: (hook: PreSendHook | undefined) => void;
  /** One-line notices (start-up problems). */
  warn: (line: string) => void;
  /** Counts a failure of the ledger (tokenmeter.internal.errors{component="budgets"}). */
  onError: (error: unknown) => void;
}

export interface BudgetsHandle {
  /** Budgets enforced now (after the first LLM request, or `refresh()`). */
  readonly budgets: readonly BudgetDefinition[];
  /** Re-read the store's budgets now. */
  refresh(): void;
  /** At process exit (synchronous): gives this process's budget leases back. Never throws. */
  giveBackLeases(): void;
  /**
   * Stops checking; gives this process's leases back, waits for the ledger's last settlements
   * (Redis) and closes it. Never rejects.
   */
  close(): Promise<void>;
}

function oneLine(e: unknown): string {
  return String((e as Error)?.message ?? e).replace(/\s*\n\s*/g, ' ');
}

export function startBudgets(o: BudgetsOptions): BudgetsHandle {
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
  if (d.action === 'route') return { action: 'route', model: d.model, budget: d.budget.label, settle };
  return ticket === undefined ? undefined : { action: 'proceed', settle };
}
