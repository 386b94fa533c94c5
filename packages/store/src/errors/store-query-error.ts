/**
 * An invalid query argument (unknown time zone, bad cursor, limit out of range, since after until,
 * malformed duration). The message says which argument and what is accepted; an HTTP layer maps it
 * to 400.
 */
export class StoreQueryError extends Error {
  override readonly name = 'StoreQueryError';
}
