// The budget members of each wire format (`budgetExceeded`, `withModel`), by WireApi: the format's
// own object in the one table.
import type { BudgetWireFormat } from './budget-types.js';
import { wireFormat } from './formats.js';
import type { WireApi } from './types.js';

export function budgetFormat(api: WireApi): BudgetWireFormat {
  return wireFormat(api);
}
