// @tokenmeter/budgets: budget definitions, the budgets file, the ledger and the pre-send check.
export { BudgetChecker, type BudgetCheckerOptions, blockMessage } from './check.js';
export {
  type DefinitionInput,
  describePeriod,
  describeScope,
  fromStoreBudget,
  makeDefinition,
} from './definition.js';
export { BudgetDefinitionError } from './errors/budget-definition-error.js';
export {
  BUDGET_ENTRY_KEYS,
  BUDGETS_FILE_KEYS,
  formatBudgetFileProblem,
  loadBudgetsFile,
  parseBudgetsFile,
  validateBudgets,
} from './file.js';
export { LEASE_IDLE_MS, LEASE_SHARE, LEASE_TICK_MS } from './leases.js';
export { MemoryLedger } from './ledger/memory.js';
export {
  DEFAULT_REDIS_TIMEOUT_MS,
  type RedisClientLike,
  RedisLedger,
  type RedisLedgerOptions,
} from './ledger/redis.js';
export { SETTLED_TTL_MS, StoreLedger, type StoreLedgerOptions } from './ledger/store.js';
export {
  type BudgetLedger,
  IN_FLIGHT_TTL_MS,
  LEASE_TTL_MS,
  type LeaseChange,
  type LeaseRequest,
  type LeaseResult,
  type Overrun,
  type ReserveRequest,
  type ReserveResult,
} from './ledger/types.js';
export { DEFAULT_OUTPUT_TOKENS, modelOutputLimit } from './output-limits.js';
export {
  checkRoute,
  parseAlertAt,
  parseBudgetAction,
  parseBudgetPeriod,
  parseRoute,
  parseTimeZone,
  parseUsdToNanos,
  parseWarnAt,
} from './parse.js';
export { callInScope, requestInScope } from './scope.js';
export { budgetSpend, budgetState, type ListBudgetsOptions, listBudgets } from './store-budgets.js';
export type * from './types.js';
export { worstCaseNanos } from './worst-case.js';
