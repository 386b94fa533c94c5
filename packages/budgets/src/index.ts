// @tokenmeter/budgets: budget definitions, the budgets file, the ledger and the pre-send check.
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
export { budgetSpend, budgetState, type ListBudgetsOptions, listBudgets } from './store-budgets.js';
export type * from './types.js';
