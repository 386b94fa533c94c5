// Turns SQLite and file-system failures into StoreErrors whose message says what happened and what to do.
import { StoreError, type StoreErrorKind } from './errors/store-error.js';

/** SQLite's primary result codes by number (node:sqlite reports numbers, better-sqlite3 names). */
const PRIMARY_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  2: 'SQLITE_INTERNAL',
  3: 'SQLITE_PERM',
  4: 'SQLITE_ABORT',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  9: 'SQLITE_INTERRUPT',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  12: 'SQLITE_NOTFOUND',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  23: 'SQLITE_AUTH',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
};

/**
 * The error's code: better-sqlite3's name (`SQLITE_BUSY_SNAPSHOT`), a system code (`ENOSPC`), or
 * for node:sqlite (`ERR_SQLITE_ERROR` with a numeric `errcode`) the name of its primary code.
 */
export function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; errcode?: unknown } | null;
  if (e?.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') {
    return PRIMARY_CODES[e.errcode & 0xff] ?? `SQLITE_${e.errcode}`;
  }
  return typeof e?.code === 'string' ? e.code : undefined;
}

/** True for lock contention that goes away by itself (another process is writing). */
export function isBusy(err: unknown): boolean {
  const code = codeOf(err) ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

export function kindOf(err: unknown): StoreErrorKind {
  if (err instanceof StoreError) return err.kind;
  const code = codeOf(err) ?? '';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') return 'full';
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_AUTH' ||
    code === 'EROFS' ||
    code === 'EACCES' ||
    code === 'EPERM' ||
    code === 'ENOTDIR'
  )
    return 'readonly';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return 'io';
  if (code === 'ERR_OUT_OF_RANGE') return 'out_of_range';
  return 'other';
}

/** True when the store cannot be used any more by this process (as opposed to one bad batch). */
export function isFatal(kind: StoreErrorKind): boolean {
  return kind !== 'other' && kind !== 'out_of_range';
}

/** Wraps any error met while using the store at `path` into a StoreError with a helpful message. */
export function toStoreError(err: unknown, path: string, doing: string): StoreError {
  if (err instanceof StoreError) return err;
  const kind = kindOf(err);
  const code = codeOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  const what = `${doing} ${path}`;
  let message: string;
  switch (kind) {
    case 'corrupt':
      message = `tokenmeter store: cannot use ${path}: the file is not a SQLite database or is damaged (${code}: ${detail}). Move it aside (mv "${path}" "${path}.corrupt") and a new store is created on next use, or point TOKENMETER_STORE elsewhere.`;
      break;
    case 'full':
      message = `tokenmeter store: failed ${what}: the disk is full (${code}: ${detail}). Free space, or run \`tokenmeter prune --older-than 30d\`, or set TOKENMETER_STORE=off.`;
      break;
    case 'readonly':
      message = `tokenmeter store: failed ${what}: the file or its directory is not writable (${code}: ${detail}). Fix the permissions, point TOKENMETER_STORE (or TOKENMETER_HOME) at a writable place, or set TOKENMETER_STORE=off.`;
      break;
    case 'io':
      message = `tokenmeter store: failed ${what}: I/O error (${code}: ${detail}). Check the disk; run \`tokenmeter doctor\`.`;
      break;
    case 'out_of_range':
      // node:sqlite refuses an integer beyond 2^53, and the store's readers of sums refuse what
      // better-sqlite3 would round (exact.ts): one message on both drivers, without the driver's words.
      message = `tokenmeter store: a sum is beyond 9,007,199 USD (2^53 nano-USD; or a count beyond 2^53), more than tokenmeter reads exactly in one figure. Ask for a shorter period (--since/--until, --today, --month) or a narrower selection.`;
      break;
    default:
      message = `tokenmeter store: failed ${what}: ${code ? `${code}: ` : ''}${detail}`;
  }
  return new StoreError(kind, path, message, code === undefined ? { cause: err } : { cause: err, code });
}
