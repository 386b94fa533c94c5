export type * from './alert-types.js';
export { createBatchWriter } from './batch-writer.js';
export { LEASE_REF_PREFIX } from './budget-ledger.js';
export {
  type BudgetWindow,
  budgetBucket,
  budgetWindow,
  checkBudgetPeriod,
  isBudgetPeriod,
  MAX_ROLLING_HOURS,
  rollingHours,
} from './budget-period.js';
export {
  BUDGET_ACTIONS,
  BUDGET_SCOPE_FIELDS,
  budgetKey,
  DEFAULT_WARN_AT,
  defaultAlertAt,
  MAX_ALERT_PERCENT,
  spendScope,
} from './budgets.js';
export { StoreError, type StoreErrorKind } from './errors/store-error.js';
export { StoreQueryError } from './errors/store-query-error.js';
export { MAX_HOURLY_HOURS } from './hourly.js';
export { formatUsd, nanosToUsd } from './money.js';
export { SQLITE_BINDING } from './open.js';
export { defaultStorePath, resolveStorePath, STORE_FILE_NAME } from './paths.js';
export {
  REPRICE_SELECTIONS,
  type RepriceCall,
  type RepriceCost,
  type RepriceFunction,
  type RepriceModelTotals,
  type RepriceOptions,
  type RepriceResult,
  type RepriceSelection,
} from './reprice.js';
export { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
export { pendingSpills, type SpillImport } from './spill.js';
export { importPendingSpills, openStore, SqliteCostStore } from './store.js';
export {
  checkTimeZone,
  formatDateTime,
  isTimeZone,
  type LocalDateTime,
  localDateTime,
  localTimeZone,
  localToEpoch,
  parseDuration,
  periodBounds,
} from './time.js';
export type * from './types.js';
export type { UsageRow } from './usage.js';
