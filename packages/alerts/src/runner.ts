// The alert loop of `tokenmeter serve` and `tokenmeter watch`: every minute, evaluate the store and
// record what changed in the alert log (queuing notices in the same transaction); every second,
// deliver the due notices from the outbox. One process per store does this at a time (a lease in
// the store, renewed while running), so a `serve` and a `watch` on one store never notify twice.
// The runner has its own read-write connection; nothing here runs on an app's request path.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type BudgetDefinition, listBudgets } from '@tokenmeter/budgets';
import { type AlertRecord, type CostStore, localTimeZone, openStore } from '@tokenmeter/store';
import {
  anomalyOptions,
  DELIVERY_DEFAULTS,
  type DeepPartial,
  MINUTE_MS,
  NOTIFY_DEFAULTS,
} from './defaults.js';
import { type DeliveryEvent, deliverDue } from './delivery/outbox.js';
import type { EvalContext } from './evaluate/context.js';
import { evaluateAll } from './evaluate/index.js';
import { seasonalForecast } from './forecast/seasonal.js';
import type { SpendForecaster } from './forecast/types.js';
import { planNotices, planOpens } from './plan.js';
import { storeSinkTarget } from './sinks/index.js';
import type { AnomalyOptions, DeliveryOptions, Finding, NotifyOptions, SinkTarget } from './types.js';

export const LEASE_NAME = 'alerts';

/** Whether a lease owner (`host:pid:nonce`) is a process of this machine that no longer runs. */
function holderIsDead(owner: string): boolean {
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface AlertRunnerOptions {
  /** The store file (opened read-write by the runner). */
  storePath: string;
  /** Sinks besides the store's own (the budgets file's, the demo's). Names must be unique. */
  sinks?: SinkTarget[];
  /** Budgets besides the store's (those of the budgets file), checked too. */
  budgets?: readonly BudgetDefinition[];
  /** Base URL of the dashboard for the links in notices. Default http://127.0.0.1:8766. */
  dashboardUrl?: string;
  /** Evaluation interval. Default 60 s. */
  intervalMs?: number;
  /** How often the outbox is checked for due notices. Default 1 s. */
  deliveryPollMs?: number;
  /** How long the lease lasts unless renewed (a killed runner is taken over after it). Default 90 s. */
  leaseTtlMs?: number;
  anomalies?: DeepPartial<AnomalyOptions>;
  notify?: Partial<NotifyOptions>;
  delivery?: Partial<DeliveryOptions>;
  /** The budget spend forecast (seasonal, by hour of week, unless replaced). */
  forecast?: SpendForecaster;
  /** Zone of the store's budgets that have none. Default the machine's. */
  timeZone?: string;
  now?: () => number;
  /** What happened, for the command to print: fired, escalated, resolved, delivered, retried, failed. */
  onEvent?: (e: RunnerEvent) => void;
  /** Failures of the runner itself (store unreadable, an evaluator's bug): one line each, de-duplicated. */
  log?: (line: string) => void;
}

export type RunnerEvent =
  | {
      type: 'fired' | 'escalated' | 'resolved';
      alert: AlertRecord;
      finding?: Finding | undefined;
      queued: number;
    }
  | ({ type: 'delivered' | 'retry' | 'failed' } & Omit<DeliveryEvent, 'type'>)
  | { type: 'waiting'; holder: string };

export interface RunnerStats {
  evaluations: number;
  findings: number;
  delivered: number;
  retried: number;
  failed: number;
  /** Failures of the runner (evaluator errors, store errors). */
  errors: number;
}

export class AlertRunner {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly store: CostStore;
  private readonly anomalies: AnomalyOptions;
  private readonly notifyOptions: NotifyOptions;
  private readonly deliveryOptions: DeliveryOptions;
  private readonly now: () => number;
  private readonly inFlight = new Set<string>();
  private readonly stats_: RunnerStats = {
    evaluations: 0,
    findings: 0,
    delivered: 0,
    retried: 0,
    failed: 0,
    errors: 0,
  };
  private evalTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private leaseUntil = 0;
  private lastLogged = new Map<string, number>();
  private waitingFor: string | undefined;
  private deliveryQueued = false;

  constructor(private readonly options: AlertRunnerOptions) {
    this.store = openStore(options.storePath);
    this.anomalies = anomalyOptions(options.anomalies);
    this.notifyOptions = { ...NOTIFY_DEFAULTS, ...options.notify };
    this.deliveryOptions = { ...DELIVERY_DEFAULTS, ...options.delivery };
    this.now = options.now ?? Date.now;
  }

  stats(): RunnerStats {
    return { ...this.stats_ };
  }

  /** Evaluates now, then every interval; delivers due notices every poll. Keeps the process alive until stop(). */
  start(): void {
    const interval = this.options.intervalMs ?? MINUTE_MS;
    const poll = this.options.deliveryPollMs ?? 1000;
    this.schedule(() => this.evaluateOnce());
    this.evalTimer = setInterval(() => this.schedule(() => this.evaluateOnce()), interval);
    this.pollTimer = setInterval(() => {
      const next = this.safe('reading the outbox', () => this.store.alerts.nextDueMs());
      if (next === undefined || next === null || next > this.now() || this.deliveryQueued) return;
      // One delivery round waits in the queue at most (a slow receiver does not pile them up).
      this.deliveryQueued = true;
      this.schedule(() => {
        this.deliveryQueued = false;
        return this.deliverOnce();
      });
    }, poll);
  }

  /** Runs one job after the one in progress (evaluations and deliveries never overlap). */
  private schedule(job: () => Promise<unknown>): Promise<unknown> {
    // A job that throws is logged and counted; the next ones still run.
    this.running = this.running
      .then(() => (this.stopped ? undefined : job()))
      .catch((e: unknown) => this.fail('running the alert loop', e));
    return this.running;
  }

  /** Stops the timers, waits for the job in progress (deliveries end within their timeout), frees the lease. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.evalTimer);
    clearInterval(this.pollTimer);
    await this.running.catch(() => undefined);
    this.safe('releasing the lease', () => this.store.alerts.releaseLease(LEASE_NAME, this.owner));
    this.store.close();
  }

  private fail(doing: string, e: unknown): void {
    this.stats_.errors++;
    const text = `tokenmeter alerts: ${doing}: ${(e as Error)?.message ?? String(e)}`;
    // The same failure every minute is logged once an hour.
    const last = this.lastLogged.get(text);
    if (last !== undefined && this.now() - last < 3_600_000) return;
    this.lastLogged.set(text, this.now());
    (this.options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(text);
  }

  private safe<T>(doing: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.fail(doing, e);
      return undefined;
    }
  }

  /** The lease lasts two evaluation intervals (at least 90 s): it is renewed at each one. */
  private leaseTtl(): number {
    return this.options.leaseTtlMs ?? Math.max(90_000, 2 * (this.options.intervalMs ?? MINUTE_MS) + 30_000);
  }

  /** Takes or renews the lease; false (and one event) while another process holds it. */
  private holdLease(): boolean {
    const now = this.now();
    const ttl = this.leaseTtl();
    if (this.leaseUntil - now > ttl / 2) return true;
    const alerts = this.store.alerts;
    let ok = this.safe('taking the alert lease', () => alerts.acquireLease(LEASE_NAME, this.owner, now, ttl));
    if (ok === false) {
      // A holder on this machine whose process is gone (killed, crashed) is replaced at once
      // instead of after its lease lapses.
      const holder = this.safe('reading the alert lease', () => alerts.leaseHolder(LEASE_NAME));
      if (holder && holderIsDead(holder.owner))
        ok = this.safe('taking the alert lease', () =>
          alerts.replaceLease(LEASE_NAME, this.owner, holder.owner, now, ttl),
        );
      if (ok === false && this.waitingFor !== holder?.owner) {
        this.waitingFor = holder?.owner ?? 'another process';
        this.options.onEvent?.({ type: 'waiting', holder: this.waitingFor });
      }
    }
    if (ok) {
      this.leaseUntil = now + ttl;
      this.waitingFor = undefined;
      return true;
    }
    this.leaseUntil = 0;
    return false;
  }

  /** The sinks notices go to now: the store's, then the configured ones. */
  sinks(): SinkTarget[] {
    const stored = this.safe('reading the alert sinks', () => this.store.alerts.listSinks()) ?? [];
    return [...stored.map(storeSinkTarget), ...(this.options.sinks ?? [])];
  }

  /** One evaluation: findings → alert log changes and queued notices; then a delivery round. */
  async evaluateOnce(): Promise<Finding[]> {
    if (!this.holdLease()) return [];
    const now = this.now();
    const budgets =
      this.safe('reading the budgets', () =>
        listBudgets(this.store, {
          timeZone: this.options.timeZone ?? localTimeZone(),
          ...(this.options.budgets ? { file: this.options.budgets } : {}),
        }),
      ) ?? [];
    const ctx: EvalContext = {
      store: this.store,
      now,
      options: this.anomalies,
      forecast: this.options.forecast ?? seasonalForecast,
      budgets,
    };
    const { findings, errors } = evaluateAll(ctx);
    this.stats_.evaluations++;
    this.stats_.findings += findings.length;
    for (const { evaluator, error } of errors) this.fail(`evaluating ${evaluator}`, error);
    this.safe('recording alerts', () => this.record(findings, now));
    await this.deliverOnce();
    return findings;
  }

  private record(findings: Finding[], now: number): void {
    const alerts = this.store.alerts;
    const opens = planOpens(alerts.firing(), findings);
    if (opens.length) alerts.apply(opens, now);
    const firing = alerts.firing();
    const sinks = this.sinks();
    const lastNotified = new Map<string, { ms: number; level: number }>();
    for (const a of alerts.log({ limit: 1000 })) {
      if (a.state !== 'resolved' || a.notifiedMs === null || a.notifiedLevel === null) continue;
      if (now - a.notifiedMs >= this.notifyOptions.cooldownMs) continue;
      const prev = lastNotified.get(a.key);
      if (!prev || a.notifiedMs > prev.ms)
        lastNotified.set(a.key, { ms: a.notifiedMs, level: a.notifiedLevel });
    }
    const changes = planNotices({
      firing,
      findings,
      lastNotified,
      triggeredSinks: (id) =>
        alerts
          .messages({ alertId: id, limit: 10_000 })
          .filter((m) => m.notice === 'trigger')
          .map((m) => m.sink),
      sinks,
      now,
      options: this.notifyOptions,
      dashboardUrl: this.options.dashboardUrl ?? 'http://127.0.0.1:8766',
      newId: randomUUID,
    });
    if (changes.length === 0) return;
    alerts.apply(changes, now);
    const byKey = new Map(findings.map((f) => [f.key, f] as const));
    const wasNotified = new Map(firing.map((a) => [a.id, a.notifiedLevel] as const));
    for (const c of changes) {
      if (c.op === 'open') continue;
      const alert = alerts.getAlert(c.id);
      if (!alert) continue;
      if (c.op === 'resolve') {
        this.options.onEvent?.({ type: 'resolved', alert, queued: c.messages.length });
      } else if (c.notified) {
        const type = wasNotified.get(c.id) == null ? 'fired' : 'escalated';
        this.options.onEvent?.({ type, alert, finding: byKey.get(alert.key), queued: c.messages.length });
      }
    }
  }

  /** Sends the due notices once (all of them, in rounds of 20). */
  async deliverOnce(): Promise<void> {
    if (!this.holdLease()) return;
    const sinks = new Map(this.sinks().map((s) => [s.name, s] as const));
    const onEvent = (e: DeliveryEvent) => {
      if (e.type === 'delivered') this.stats_.delivered++;
      else if (e.type === 'retry') this.stats_.retried++;
      else this.stats_.failed++;
      this.options.onEvent?.(e);
    };
    try {
      for (let round = 0; round < 50 && !this.stopped; round++) {
        const n = await deliverDue({
          alerts: this.store.alerts,
          sinks,
          options: this.deliveryOptions,
          now: this.now,
          onEvent,
          inFlight: this.inFlight,
        });
        if (n < 20) break;
      }
    } catch (e) {
      this.fail('delivering alerts', e);
    }
  }
}
