// Public types of @tokenmeter/budgets. The definitions are what the alerts package builds on
// (thresholds, forecasts); the check is what the node distro wires into the instrumented fetch.
import type { BudgetAction, BudgetPeriod, BudgetScope, Nanos } from '@tokenmeter/store';

export type { BudgetAction, BudgetPeriod, BudgetScope, Nanos } from '@tokenmeter/store';

/** Where a budget was defined. */
export type BudgetSource = 'store' | 'file';

/**
 * One budget as it is enforced: from the store (`tokenmeter budget set`) or from the budgets file
 * (`TOKENMETER_BUDGETS`). Every scope field null = all calls; several = calls matching all of them.
 */
export interface BudgetDefinition extends BudgetScope {
  /** `store:<id>` or `file:<name>`: unique among the budgets of a process. */
  id: string;
  source: BudgetSource;
  /** The store's id, for store budgets. */
  storeId?: number;
  /** Its name when it has one, else a description (`month budget for tenant=acme`). */
  label: string;
  /** The name given in the store or the file, if any. */
  name: string | null;
  period: BudgetPeriod;
  /** IANA zone of a day / week / month period (resolved: the machine's when none was given). */
  timeZone: string;
  limitNanos: Nanos;
  action: BudgetAction;
  /** `route-cheap`: model asked for → model sent instead. */
  route: Readonly<Record<string, string>>;
  /** Alert thresholds, percent of the limit, ascending. */
  alertAt: readonly number[];
  /** Fraction of the limit from which the budget's state is `warning`. */
  warnAt: number;
  /**
   * The ledger key (period, zone, scope): processes and hosts sharing a ledger and defining the same
   * budget share its counters. Limit, name and action are not part of it.
   */
  key: string;
}

/** A budget's spend at an instant. */
export interface BudgetSpend {
  budget: BudgetDefinition;
  /** First instant of the period (or rolling window) counted. */
  periodStartMs: number;
  /** End of the calendar period; for a rolling window, the end of its current bucket. */
  periodEndMs: number;
  spentNanos: Nanos;
  /** Reserved by calls in flight (and ended calls not yet stored) on this host. */
  reservedNanos: Nanos;
  limitNanos: Nanos;
  state: 'ok' | 'warning' | 'exceeded';
}

/** One problem found in a budgets file: where and why; the entry it concerns is left out. */
export interface BudgetFileProblem {
  file: string;
  /** Path in the document, e.g. `budgets[2].period`; empty for the whole file. */
  path: string;
  reason: string;
}

export interface BudgetFileResult {
  budgets: BudgetDefinition[];
  problems: BudgetFileProblem[];
}

/** The call a pre-send check is asked about. */
export interface BudgetRequest {
  /** gen_ai.provider.name */
  provider: string;
  /** The model the request names, when known. */
  model: string | undefined;
  /** When the call starts (epoch ms): the period it counts in. */
  timeMs: number;
  feature?: string | undefined;
  user?: string | undefined;
  tenant?: string | undefined;
  /** The service making the call (OTEL_SERVICE_NAME). */
  service?: string | undefined;
  /** Input tokens estimated from the request body (called only when a budget applies). */
  inputTokens: () => number;
  /** max_tokens / max_output_tokens / maxOutputTokens of the request, when it sets one. */
  maxOutputTokens: number | undefined;
  serviceTier?: string | undefined;
  batch?: boolean | undefined;
  /** The request URL's origin (pricing of Azure deployments and unknown hosts). */
  baseUrl?: string | undefined;
  /**
   * Whether the request may write to the provider's prompt cache (billed above the input price by
   * Anthropic): false when it has no cache_control. Default true (the worst case).
   */
  mayWriteCache?: boolean | undefined;
  /** Whether the model of this request can be replaced (false: route-cheap cannot route it). Default true. */
  canRoute?: boolean | undefined;
}

/** What the pre-send check decided. */
export type BudgetDecision =
  | { action: 'proceed'; ticket: BudgetTicket | undefined }
  | { action: 'route'; model: string; budget: BudgetDefinition; ticket: BudgetTicket | undefined }
  | { action: 'block'; budget: BudgetDefinition; message: string; spentNanos: Nanos; limitNanos: Nanos };

/** The reservation of one call: settle it once, when the call ends (errors and aborts included). */
export interface BudgetTicket {
  /** The reservation's reference (the store ledger deletes it when the call is stored with it). */
  readonly ref: string;
  /** Whether the call must be stored with `ref` (the store ledger) for its reservation to end. */
  readonly storeRef: boolean;
  /** The worst case reserved, nano-dollars. */
  readonly reservedNanos: Nanos;
  /** The call ended and cost `actualNanos` (0 when it failed before any usage). Never throws. */
  settle(actualNanos: Nanos): void;
}

/** What to do when the ledger (the store or Redis) cannot be reached: let calls through, or block them. */
export type BudgetFailMode = 'open' | 'closed';
