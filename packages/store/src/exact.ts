// Sums read from SQLite are int64; a JavaScript number holds an integer exactly only up to 2^53 - 1
// (about 9,007,199 USD in nano-USD). Beyond that node:sqlite refuses to read it (ERR_OUT_OF_RANGE)
// and better-sqlite3 rounds it silently. The readers of sums check every value and every addition
// here, so both drivers refuse the same way (toStoreError turns the code into kind 'out_of_range')
// instead of one printing a figure that is not exact.

/** The error node:sqlite throws for an integer beyond 2^53; the store makes it the same on both drivers. */
export function outOfRange(): RangeError {
  return Object.assign(new RangeError('a sum read from the store is beyond 2^53 - 1'), {
    code: 'ERR_OUT_OF_RANGE',
  });
}

/** `v` as read from SQLite (a SQL NULL is 0), or throws when it is not an exact integer. */
export function exactInt(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (!Number.isSafeInteger(v)) throw outOfRange();
  return v as number;
}

/** a + b of exact integers (both checked by exactInt), checked: beyond 2^53 - 1 the Number sum is too. */
export function addExact(a: number, b: number): number {
  const s = a + b;
  if (!Number.isSafeInteger(s)) throw outOfRange();
  return s;
}
