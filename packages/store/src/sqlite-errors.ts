// Turns SQLite and file-system failures into StoreErrors whose message says what happened and what to do.
import { StoreError, type StoreErrorKind } from './errors/store-error.js';

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
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
  return 'other';
}

/** True when the store cannot be used any more by this process (as opposed to one bad batch). */
export function isFatal(kind: StoreErrorKind): boolean {
  return kind !== 'other';
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
    default:
      message = `tokenmeter store: failed ${what}: ${code ? `${code}: ` : ''}${detail}`;
  }
  return new StoreError(kind, path, message, code === undefined ? { cause: err } : { cause: err, code });
}
