import { TokenmeterError } from '@tokenmeter/pricing';

/**
 * A budget definition that cannot be used: a bad period, action, route, threshold, amount or time
 * zone. The message says what is wrong and what is accepted, without the field's name (the CLI
 * prefixes the flag, the budgets file the path of the value).
 */
export class BudgetDefinitionError extends TokenmeterError {}
