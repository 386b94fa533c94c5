import type { CallRow, CostStore } from '@tokenmeter/store';

/**
 * One call by id. The store has no lookup by id; the first call stored after `id - 1` is the one
 * asked for when it exists (ids only grow and are never reused).
 */
export function getCall(store: CostStore, id: number): CallRow | undefined {
  const [row] = store.callsAfterId(id - 1, 1);
  return row !== undefined && row.id === id ? row : undefined;
}
