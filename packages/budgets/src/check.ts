// The pre-send check: for a request about to leave, the budgets it counts for, its worst-case cost,
// and one atomic check-and-reserve in the ledger. Then:
// - every budget has room: proceed, holding the reservation (a ticket, settled when the call ends);
// - a `route-cheap` budget is out and routes the model: the same check for the cheaper model, which
//   is sent instead when it has room;
// - a `block` budget is out (or a route-cheap one whose cheaper model is out too): block, with a
//   message naming the budget, its spend and its limit; nothing is reserved;
// - only `warn` budgets are out: proceed (reserved), one diag line per budget and period.
// When the ledger cannot be reached: TOKENMETER_BUDGET_FAIL=open lets calls through unchecked,
// `closed` blocks them; either way one line per outage, not per call.
// With a shared ledger (store, Redis) the check-and-reserve runs against this process's leases of
// headroom (leases.ts): in memory for most calls, one ledger step when a lease runs out.
import { randomBytes } from 'node:crypto';
import { type DiagLogger, diag } from '@opentelemetry/api';
import { formatUsd as usd } from '@tokenmeter/store';
import { describePeriod } from './definition.js';
import { LEASE_TICK_MS, type Lease, LeaseBook } from './leases.js';
import type { BudgetLedger, LeaseResult, ReserveRequest, ReserveResult } from './ledger/types.js';
import { requestInScope } from './scope.js';
import type {
  BudgetDecision,
  BudgetDefinition,
  BudgetFailMode,
  BudgetRequest,
  BudgetTicket,
  Nanos,
} from './types.js';
import { worstCaseNanos } from './worst-case.js';

export interface BudgetCheckerOptions {
  ledger: BudgetLedger;
  budgets?: readonly BudgetDefinition[];
  /** Default `open`. */
  failMode?: BudgetFailMode;
  /** Where the one-line notices go. Default: the OpenTelemetry diag logger. */
  logger?: Pick<DiagLogger, 'warn' | 'info'>;
  /** Called with each failure of the ledger (for the internal-errors counter). */
  onError?: (error: unknown) => void;
  /** The clock of the leases (idle, refresh). Default Date.now. */
  now?: () => number;
}

const PROCEED: BudgetDecision = Object.freeze({ action: 'proceed', ticket: undefined });
/** Routes followed at most for one call (a → b → c). */
const MAX_ROUTES = 3;

const log = diag.createComponentLogger({ namespace: '@tokenmeter/budgets' });

function oneLine(e: unknown): string {
  return String((e as Error)?.message ?? e).replace(/\s*\n\s*/g, ' ');
}

export class BudgetChecker {
  readonly ledger: BudgetLedger;
  private budgets: readonly BudgetDefinition[];
  private readonly failMode: BudgetFailMode;
  private readonly logger: Pick<DiagLogger, 'warn' | 'info'>;
  private readonly onError: ((error: unknown) => void) | undefined;
  private readonly refPrefix = `${process.pid.toString(36)}-${randomBytes(4).toString('hex')}-`;
  private refCount = 0;
  private outage = false;
  /** Budget key + bucket of the notices already written (one per budget and period). */
  private readonly noticed = new Set<string>();
  /** This process's leases, when the ledger grants them. */
  private readonly leases: LeaseBook | undefined;
  private tick: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private closed = false;

  constructor(options: BudgetCheckerOptions) {
    this.ledger = options.ledger;
    this.budgets = options.budgets ?? [];
    this.failMode = options.failMode ?? 'open';
    this.logger = options.logger ?? log;
    this.onError = options.onError;
    if (this.ledger.lease !== undefined) this.leases = new LeaseBook(options.now ?? Date.now);
  }

  /** The budgets enforced from now on (the store's are re-read while the app runs). */
  setBudgets(budgets: readonly BudgetDefinition[]): void {
    this.budgets = budgets;
  }

  get size(): number {
    return this.budgets.length;
  }

  /** Decide on a request about to be sent. Never throws (nor rejects). */
  check(request: BudgetRequest): BudgetDecision | Promise<BudgetDecision> {
    try {
      return this.checkModel(request, request.model, 0, undefined);
    } catch (e) {
      return this.failed(e, request);
    }
  }

  private checkModel(
    request: BudgetRequest,
    model: string | undefined,
    hops: number,
    routedBy: BudgetDefinition | undefined,
  ): BudgetDecision | Promise<BudgetDecision> {
    const asked = model === request.model ? request : { ...request, model };
    const applicable: BudgetDefinition[] = [];
    for (const b of this.budgets) if (requestInScope(b, asked)) applicable.push(b);
    if (applicable.length === 0) {
      return routedBy === undefined
        ? PROCEED
        : { action: 'route', model: model!, budget: routedBy, ticket: undefined };
    }
    const nanos = worstCaseNanos(asked, model);
    const routable = request.canRoute !== false;
    const hard = applicable.map(
      (b) =>
        b.action === 'block' || (routable && b.action === 'route-cheap' && routeOf(b, model) !== undefined),
    );
    if (this.leases !== undefined) {
      return this.checkLeased(this.leases, request, model, hops, routedBy, applicable, nanos, hard);
    }
    const reserve: ReserveRequest = {
      ref: this.refPrefix + (this.refCount++).toString(36),
      timeMs: request.timeMs,
      nanos,
      budgets: applicable,
      hard,
    };
    const result = this.ledger.reserve(reserve);
    const decide = (r: ReserveResult) => this.decide(request, model, hops, routedBy, reserve, r);
    if (result instanceof Promise) return result.then(decide, (e) => this.failed(e, request));
    return decide(result);
  }

  /** The check against this process's leases: in memory when they hold the call, else one ledger step. */
  private checkLeased(
    book: LeaseBook,
    request: BudgetRequest,
    model: string | undefined,
    hops: number,
    routedBy: BudgetDefinition | undefined,
    budgets: BudgetDefinition[],
    nanos: Nanos,
    hard: boolean[],
  ): BudgetDecision | Promise<BudgetDecision> {
    const leases = budgets.map((b) => book.leaseFor(b, request.timeMs));
    if (book.take(leases, nanos)) {
      const ticket = this.leasedTicket(book, leases, nanos);
      return routedBy === undefined
        ? { action: 'proceed', ticket }
        : { action: 'route', model: model!, budget: routedBy, ticket };
    }
    const step = book.stepFor(leases, nanos, hard);
    const reserve: ReserveRequest = { ref: '', timeMs: request.timeMs, nanos, budgets, hard };
    const decide = (r: LeaseResult) => {
      step.done();
      if (r.granted) book.granted(leases, nanos, step.claims, r.grantedNanos);
      else book.refused(leases, step.claims);
      this.startTick();
      const over = r.over.filter((o) => o.index < budgets.length);
      return this.decide(request, model, hops, routedBy, reserve, { reserved: r.granted, over }, () =>
        this.leasedTicket(book, leases, nanos),
      );
    };
    const fail = (e: unknown) => {
      step.done();
      step.undo();
      return this.failed(e, request);
    };
    let result: LeaseResult | Promise<LeaseResult>;
    try {
      result = this.ledger.lease!(step.request);
    } catch (e) {
      return fail(e);
    }
    if (result instanceof Promise) return result.then(decide, fail);
    return decide(result);
  }

  private leasedTicket(book: LeaseBook, leases: readonly Lease[], nanos: Nanos): BudgetTicket {
    let settled = false;
    const storeRef = this.ledger.storeRef;
    return {
      ref: leases.map((l) => l.ref).join(' '),
      storeRef,
      reservedNanos: nanos,
      settle: (actualNanos: Nanos) => {
        if (settled) return;
        settled = true;
        book.ended(leases, nanos, Math.max(0, actualNanos || 0), !storeRef);
      },
    };
  }

  /** The lease tick: idle leases give their headroom back, spend and refreshes are sent. */
  private startTick(): void {
    if (this.tick !== undefined || this.closed) return;
    this.tick = setInterval(() => {
      if (this.ticking === undefined) this.ticking = this.maintain(false);
    }, LEASE_TICK_MS);
    this.tick.unref?.();
  }

  private async maintain(all: boolean): Promise<void> {
    const book = this.leases;
    try {
      const step = book?.maintenance(all);
      if (step === undefined) {
        if (book !== undefined && !book.busy && this.tick !== undefined) {
          clearInterval(this.tick);
          this.tick = undefined;
        }
        return;
      }
      try {
        await this.ledger.lease!(step.request);
        this.recovered();
      } catch (e) {
        step.undo();
        this.unreachable(e);
      } finally {
        step.done();
      }
    } finally {
      this.ticking = undefined;
    }
  }

  /**
   * At process exit, when nothing can be awaited: gives the leases back in one synchronous step (the
   * store; a Redis step is sent, not waited for). Never throws.
   */
  giveBackNow(): void {
    if (this.closed || this.ticking !== undefined) return;
    try {
      const step = this.leases?.maintenance(true);
      if (step === undefined) return;
      const sent = this.ledger.lease!(step.request);
      if (sent instanceof Promise) sent.catch((e) => this.unreachable(e));
    } catch (e) {
      this.unreachable(e);
    }
  }

  /**
   * Gives this process's leases back (what they hold unused, and the spend of ended calls), then
   * closes the ledger. Never rejects.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.tick !== undefined) clearInterval(this.tick);
    this.tick = undefined;
    try {
      await this.ticking;
      await this.maintain(true);
    } catch (e) {
      this.unreachable(e);
    }
    try {
      await this.ledger.close();
    } catch (e) {
      this.unreachable(e);
    }
  }

  private decide(
    request: BudgetRequest,
    model: string | undefined,
    hops: number,
    routedBy: BudgetDefinition | undefined,
    reserve: ReserveRequest,
    result: ReserveResult,
    ticketOf: () => BudgetTicket = () => this.ticket(reserve),
  ): BudgetDecision | Promise<BudgetDecision> {
    this.recovered();
    const { budgets } = reserve;
    if (result.reserved) {
      for (const o of result.over) this.notice(budgets[o.index]!, o, reserve, 'warn');
      const ticket = ticketOf();
      return routedBy === undefined
        ? { action: 'proceed', ticket }
        : { action: 'route', model: model!, budget: routedBy, ticket };
    }
    // A hard budget is out. A route-cheap one with a route for this model: try the cheaper model.
    if (hops < MAX_ROUTES) {
      for (const o of result.over) {
        const b = budgets[o.index]!;
        const to = b.action === 'route-cheap' && request.canRoute !== false ? routeOf(b, model) : undefined;
        if (to === undefined || to === request.model) continue;
        this.notice(b, o, reserve, 'route', to);
        return this.checkModel(request, to, hops + 1, routedBy ?? b);
      }
    }
    const o = result.over.find((x) => reserve.hard[x.index]) ?? result.over[0]!;
    const b = budgets[o.index]!;
    this.notice(b, o, reserve, 'block');
    return {
      action: 'block',
      budget: b,
      message: blockMessage(b, o.spentNanos, o.reservedNanos, reserve.nanos),
      spentNanos: o.spentNanos,
      limitNanos: b.limitNanos,
    };
  }

  private ticket(reserve: ReserveRequest): BudgetTicket {
    let settled = false;
    const ledger = this.ledger;
    return {
      ref: reserve.ref,
      storeRef: ledger.storeRef,
      reservedNanos: reserve.nanos,
      settle: (actualNanos: Nanos) => {
        if (settled) return;
        settled = true;
        try {
          const done = ledger.settle(reserve, Math.max(0, actualNanos || 0));
          if (done instanceof Promise)
            done.then(
              () => this.recovered(),
              (e) => this.unreachable(e),
            );
        } catch (e) {
          this.unreachable(e);
        }
      },
    };
  }

  private failed(error: unknown, request: BudgetRequest): BudgetDecision {
    this.unreachable(error);
    if (this.failMode === 'open') return PROCEED;
    const b = this.budgets.find((x) => requestInScope(x, request));
    if (b === undefined) return PROCEED;
    return {
      action: 'block',
      budget: b,
      message: `tokenmeter: the budget ledger (${this.ledger.kind}) cannot be reached, so calls in budget "${b.label}" are blocked (TOKENMETER_BUDGET_FAIL=closed). The request was not sent.`,
      spentNanos: 0,
      limitNanos: b.limitNanos,
    };
  }

  private unreachable(error: unknown): void {
    try {
      this.onError?.(error);
    } catch {
      // a counter that throws is not ours to fix
    }
    if (this.outage) return;
    this.outage = true;
    this.logger.warn(
      `tokenmeter: the budget ledger (${this.ledger.kind}) cannot be reached (${oneLine(error)}); ` +
        (this.failMode === 'open'
          ? 'calls go on unchecked (TOKENMETER_BUDGET_FAIL=open) until it answers again'
          : 'calls in a budget are blocked (TOKENMETER_BUDGET_FAIL=closed) until it answers again'),
    );
  }

  private recovered(): void {
    if (!this.outage) return;
    this.outage = false;
    this.logger.warn(
      `tokenmeter: the budget ledger (${this.ledger.kind}) answers again; budgets are enforced`,
    );
  }

  /** One diag line per budget, period and kind of notice. */
  private notice(
    b: BudgetDefinition,
    o: { spentNanos: Nanos; reservedNanos: Nanos },
    reserve: ReserveRequest,
    kind: 'warn' | 'route' | 'block',
    to?: string,
  ): void {
    const key = `${kind}\u0000${b.id}\u0000${b.key}\u0000${periodId(b, reserve.timeMs)}`;
    if (this.noticed.has(key)) return;
    if (this.noticed.size > 10_000) this.noticed.clear();
    this.noticed.add(key);
    const state = `spent ${usd(o.spentNanos)} + ${usd(o.reservedNanos)} reserved of ${usd(b.limitNanos)} (${describePeriod(b.period, b.timeZone)})`;
    const what =
      kind === 'warn'
        ? 'calls go on (action warn)'
        : kind === 'route'
          ? `calls to its models are sent to the cheaper ones (${to} for now)`
          : 'calls are blocked before they are sent';
    this.logger.warn(`tokenmeter: budget "${b.label}" is at its limit: ${state}; ${what}`);
  }
}

function routeOf(b: BudgetDefinition, model: string | undefined): string | undefined {
  return model === undefined || !Object.hasOwn(b.route, model) ? undefined : b.route[model];
}

/** A coarse id of the period holding `timeMs`, for one notice per period (an hour for rolling windows). */
function periodId(b: BudgetDefinition, timeMs: number): string {
  if (b.period.startsWith('rolling:')) return String(Math.floor(timeMs / 3_600_000));
  const d = new Date(timeMs);
  return b.period === 'month'
    ? `${d.getUTCFullYear()}-${d.getUTCMonth()}`
    : `${d.getUTCFullYear()}-${d.getUTCMonth()}-${d.getUTCDate()}`;
}

/** The error message of a blocked call: the budget, its spend and its limit. */
export function blockMessage(b: BudgetDefinition, spent: Nanos, reserved: Nanos, worst: Nanos): string {
  const held = reserved > 0 ? ` + ${usd(reserved)} held by calls in flight` : '';
  return (
    `tokenmeter budget "${b.label}" (${describePeriod(b.period, b.timeZone)}) is exhausted: ` +
    `spent ${usd(spent)}${held} of its ${usd(b.limitNanos)} limit; this call could cost up to ${usd(worst)}. ` +
    'The request was not sent.'
  );
}
