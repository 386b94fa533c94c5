export {
  ALERT_SETTING_KEYS,
  type AlertsFileResult,
  type AlertsFileSettings,
  loadAlertsFile,
  parseDurationText,
  SINK_KEYS,
  validateAlertsSection,
} from './config.js';
export { ANOMALY_DEFAULTS, DELIVERY_DEFAULTS, NOTIFY_DEFAULTS } from './defaults.js';
export { backoffDelay, parseRetryAfter } from './delivery/backoff.js';
export { type SendOutcome, sendNotice } from './delivery/send.js';
export { type BudgetOutlook, budgetOutlook } from './evaluate/budgets.js';
export type { EvalContext, Evaluator } from './evaluate/context.js';
export { EVALUATORS, type Evaluation, evaluateAll } from './evaluate/index.js';
export { HISTORY_DAYS, spendHistory } from './forecast/history.js';
export { linearBurnForecast } from './forecast/linear-burn.js';
export { type ScopeForecast, type ScopeForecastOptions, scopeForecast } from './forecast/scope.js';
export {
  MIN_SEASONAL_HOURS,
  type SeasonalOptions,
  seasonalForecast,
  seasonalForecaster,
} from './forecast/seasonal.js';
export type { SpendForecast, SpendForecaster, SpendForecastInput } from './forecast/types.js';
export {
  type AlertDetail,
  type AlertNotice,
  contributorLines,
  makeNotice,
  type NoticeType,
} from './notice.js';
export { planNotices, planOpens } from './plan.js';
export {
  AlertRunner,
  type AlertRunnerOptions,
  LEASE_NAME,
  type RunnerEvent,
  type RunnerStats,
} from './runner.js';
export {
  checkSink,
  headersFor,
  maskUrl,
  PAGERDUTY_EVENTS_URL,
  renderFor,
  storeSinkTarget,
} from './sinks/index.js';
export { SIGNATURE_HEADER, signature } from './sinks/webhook.js';
export { sendTestNotice, testNotice } from './test-notice.js';
export type * from './types.js';
export { VERSION } from './version.js';
