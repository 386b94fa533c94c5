// Which budgets a call counts for. A request is matched on the model it names; a stored call on its
// request or response model (as the store's `model` filter does).
import type { LedgerCall } from '@tokenmeter/store';
import type { BudgetDefinition, BudgetRequest } from './types.js';

/** Whether a request about to be sent counts for `b`. */
export function requestInScope(b: BudgetDefinition, r: BudgetRequest): boolean {
  return (
    (b.provider === null || b.provider === r.provider) &&
    (b.model === null || b.model === r.model) &&
    (b.feature === null || b.feature === r.feature) &&
    (b.user === null || b.user === r.user) &&
    (b.tenant === null || b.tenant === r.tenant) &&
    (b.service === null || b.service === r.service)
  );
}

/** Whether a stored call counts for `b`. */
export function callInScope(b: BudgetDefinition, c: LedgerCall): boolean {
  return (
    (b.provider === null || b.provider === c.provider) &&
    (b.model === null || b.model === c.requestModel || b.model === c.responseModel) &&
    (b.feature === null || b.feature === c.feature) &&
    (b.user === null || b.user === c.user) &&
    (b.tenant === null || b.tenant === c.tenant) &&
    (b.service === null || b.service === c.service)
  );
}
