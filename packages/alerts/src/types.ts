// Public types of @tokenmeter/alerts: what an evaluator finds, where notices go, and the options of
// the runner that `tokenmeter serve` and `tokenmeter watch` start.
import type { AlertSeverity, AlertSinkKind } from '@tokenmeter/store';

export type { AlertSeverity, AlertSinkKind };

/** The conditions tokenmeter alerts on. */
export type AlertKind =
  | 'budget_threshold'
  | 'budget_exhaustion'
  | 'spend_spike'
  | 'volume_spike'
  | 'cost_per_request'
  | 'model_mix'
  | 'cache_hit_rate'
  | 'unpriced_calls';

/** The dimensions contributors are ranked by. */
export type ContributorDimension = 'model' | 'feature' | 'user' | 'tenant';

export interface Contributor {
  /** The model, feature, user or tenant; null = calls without it. */
  key: string | null;
  /** Its part of the alert's measure in the current window (nano-dollars, calls, ...: see `unit`). */
  value: number;
  /** Its share of the measure, 0..1. */
  share: number;
}

/** The unit of an alert's `value` and `baseline`. */
export type AlertUnit = 'nanos' | 'requests' | 'nanos_per_request' | 'ratio' | 'percent_of_limit';

/** One condition that holds now, as an evaluator describes it. */
export interface Finding {
  /** Stable identity: at most one alert fires per key (`spend_spike`, `cost_per_request:feature=search`). */
  key: string;
  kind: AlertKind;
  severity: AlertSeverity;
  /** Escalation order within the key: a higher level than the last one notified notifies again. */
  level: number;
  /** What, in one line: "Spend spike: $14.20 in the last hour, 2.9× the usual $4.90". */
  title: string;
  /** How much: the measure now, and what it is compared with (same unit). */
  value: number;
  baseline: number | null;
  unit: AlertUnit;
  /** When the measured window starts (the alert keeps the first one seen: "since when"). */
  sinceMs: number;
  /** The top 3 of each dimension in the alert's window and scope, ranked by `contributorUnit`. */
  contributors: Partial<Record<ContributorDimension, Contributor[]>>;
  contributorUnit: 'nanos' | 'requests' | 'tokens';
  /** One line: what to look at first. */
  runbook: string;
  /** Dashboard path and query showing the data (`/?view=breakdown&groupBy=model`), made absolute with the dashboard URL. */
  path: string;
  /** The scope the finding is about (`{ feature: 'search' }`, `{ budget: '3' }`), for receivers that route. */
  scope: Record<string, string>;
}

/** Where notices go: a sink of the store, of the budgets file, or one given in code. */
export interface SinkTarget {
  /** Identity in the outbox: `store:<id>`, `file:<name>`, or any name the caller gives. */
  name: string;
  kind: AlertSinkKind;
  url: string;
  /** HMAC key of a webhook; PagerDuty's routing (integration) key; unused by Slack. */
  secret: string | null;
  minSeverity: AlertSeverity;
}

/** Thresholds of the anomaly evaluators. Every field has a default (ANOMALY_DEFAULTS). */
export interface AnomalyOptions {
  /** Spend and request-volume spikes against the same hour of the week in earlier weeks. */
  spike: {
    /** Ratio to the baseline that warns (default 1.5) and that is critical (2.5). */
    warning: number;
    critical: number;
    /** The window compared (default 1 hour, ending now). */
    windowMs: number;
    /** Weeks of history needed before any spike alert (default 2): no baseline, no alert. */
    minBaselineWeeks: number;
    /** Weeks looked back (default 4); the baseline is their median. */
    maxBaselineWeeks: number;
    /** Spend below this in the window never alerts, and a smaller baseline counts as this (default $0.10). */
    minSpendNanos: number;
    /** The same for requests (default 20). */
    minRequests: number;
  };
  /** Cost per request of each feature against the trailing days. */
  costPerRequest: {
    warning: number;
    critical: number;
    /** Recent window (default 3 hours) against the 7 days before it. */
    windowMs: number;
    baselineMs: number;
    /** Priced calls needed in the window (default 20) and in the baseline (default 50). */
    minCalls: number;
    minBaselineCalls: number;
  };
  /** The model mix of the recent window priced at the baseline's cost per call of each model. */
  modelMix: {
    warning: number;
    critical: number;
    windowMs: number;
    baselineMs: number;
    minCalls: number;
    minBaselineCalls: number;
  };
  /** Cache hit rate (cache-read share of input tokens) of each feature. */
  cacheHitRate: {
    /** Below this where the baseline was at or above it: warning (default 0.6) / critical (0.4). */
    warning: number;
    critical: number;
    windowMs: number;
    baselineMs: number;
    /** Input tokens needed in the window (default 20,000) and in the baseline (100,000). */
    minInputTokens: number;
    minBaselineInputTokens: number;
  };
  /** Models seen without a price in this window (default 24 hours) alert until it has passed. */
  unpriced: { windowMs: number };
  /** Budget burn: the recent spend rate used for the forecast (default the last 6 hours). */
  burn: { recentWindowMs: number };
}

export interface DeliveryOptions {
  /** One HTTP request's time limit (default 10 s): a receiver that hangs is retried. */
  timeoutMs: number;
  /** First retry delay (default 2 s), doubled per attempt up to `maxDelayMs` (5 min), with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** After this long since a notice was queued it is given up (default 24 h), and the log says so. */
  giveUpAfterMs: number;
}

export interface NotifyOptions {
  /**
   * Minimum time between two trigger notices of the same key (default 1 hour). An escalation (a
   * higher level, e.g. warning to critical or 80 % to 100 % of a budget) is sent at once.
   */
  cooldownMs: number;
  /** A firing alert resolves once its condition has been absent this long (default 10 minutes). */
  resolveAfterMs: number;
}
