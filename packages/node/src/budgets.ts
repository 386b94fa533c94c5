// Budgets in the distro: the definitions from the local store (`tokenmeter budget set`, re-read every
// few seconds, so a budget set while the app runs applies) and from TOKENMETER_BUDGETS, checked by
// @tokenmeter/budgets before each LLM request leaves (the instrumentation's beforeSend hook).
//
// Nothing is loaded at start-up: @tokenmeter/budgets and the store load with the first LLM request
// (a one-off hook that waits for them; budgets-runtime.ts then reads the store), or right after
// start-up, in the background, when TOKENMETER_BUDGETS or TOKENMETER_BUDGET_REDIS is set. An app
// without budgets pays nothing at start and, once the first read found none, nothing per call (the
// hook is removed; the instrumentation then does a null check). The ledger: Redis with
// TOKENMETER_BUDGET_REDIS, else the store (shared by the processes of this host), else memory.
import { diag } from '@opentelemetry/api';
import type { BudgetDefinition, BudgetFailMode } from '@tokenmeter/budgets';
import { readEnv } from '@tokenmeter/config';
import type { PreSendHook } from '@tokenmeter/instrumentation';

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

/** Budgets that load their packages when first needed (see the top of this file). */
export function startBudgets(o: BudgetsOptions): BudgetsHandle {
  let runtime: BudgetsHandle | undefined;
  let loading: Promise<BudgetsHandle | undefined> | undefined;
  let closed = false;
  /** The hook the runtime installed last (its own one-off read first). */
  let installed: PreSendHook | undefined;
  const install = (hook: PreSendHook | undefined) => {
    installed = hook;
    o.install(hook);
  };
  const load = (): Promise<BudgetsHandle | undefined> => {
    loading ??= import('./budgets-runtime.js').then(
      (m) => {
        if (closed) return undefined;
        runtime = m.startBudgetsNow({ ...o, install });
        return runtime;
      },
      (e: unknown) => {
        o.warn(`tokenmeter: budgets did not load (${(e as Error)?.message ?? e}); no budget is enforced`);
        o.onError(e);
        install(undefined);
        return undefined;
      },
    );
    return loading;
  };
  // The first LLM request waits for the budgets to load, then goes through the hook they installed.
  const whenLoaded: PreSendHook = (r) =>
    load().then((rt) => (rt !== undefined && installed !== whenLoaded ? installed?.(r) : undefined));

  if (o.storePath !== undefined || o.settings.file !== undefined) install(whenLoaded);
  // A budgets file is read (and its problems printed), and a fleet's ledger starts connecting, now.
  if (o.settings.file !== undefined || o.settings.redisUrl !== undefined) void load();

  return {
    get budgets() {
      return runtime?.budgets ?? [];
    },
    refresh() {
      if (runtime) runtime.refresh();
      else void load().then((rt) => rt?.refresh());
    },
    giveBackLeases() {
      runtime?.giveBackLeases();
    },
    async close() {
      closed = true;
      try {
        await loading;
        await runtime?.close();
      } catch (e) {
        diag.debug(`tokenmeter: closing the budgets: ${(e as Error)?.message ?? e}`);
      }
      install(undefined);
    },
  };
}
