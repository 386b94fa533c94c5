// Opens (and creates, migrates) a store file with the settings every connection uses.
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Database, defaultDriver, openConnection } from './driver/index.js';
import { StoreError } from './errors/store-error.js';
import { migrate, SCHEMA_VERSION } from './schema.js';
import { isBusy, toStoreError } from './sqlite-errors.js';

export type { Database } from './driver/index.js';

/**
 * The SQLite driver of this process, for diagnostics: `node:sqlite` (Node 22.13+) or
 * `better-sqlite3` (the optional dependency, for Node 20). `store.health().binding` adds versions.
 */
export const SQLITE_BINDING: string = defaultDriver();

export interface OpenOptions {
  readonly?: boolean;
  /** Milliseconds a statement waits for another process's write lock. Default 5000. */
  busyTimeoutMs?: number;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Creates the store's own directory (0700) and an empty file (0600) when missing. Never a chain of
 * directories: the directory's parent must exist (a HOME that does not exist gets no
 * `~/.tokenmeter`, and no HOME either, even for root).
 */
export function ensureFile(path: string): void {
  if (existsSync(path)) return;
  const dir = dirname(path);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') {
      throw new StoreError(
        'missing',
        path,
        `tokenmeter store: cannot create ${path}: ${dirname(dir)} does not exist (only the store's own directory is created, inside one that exists). Point TOKENMETER_STORE or TOKENMETER_HOME at an existing place, or set TOKENMETER_STORE=off.`,
        { cause: err, code },
      );
    }
    if (code !== 'EEXIST') throw err;
  }
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
  }
}

export function openDatabase(path: string, opts: OpenOptions = {}): Database {
  const readonly = opts.readonly === true;
  let db: Database | undefined;
  try {
    if (readonly) {
      if (!existsSync(path)) {
        throw new StoreError(
          'missing',
          path,
          `tokenmeter store: ${path} does not exist. Run an app with the tokenmeter preload (or \`tokenmeter demo\`) first, or pass the right path.`,
        );
      }
    } else ensureFile(path);
    db = openConnection(path, { readonly });
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    db.pragma('cache_size = -16000');
    if (!readonly) {
      if ((db.pragma('page_count', { simple: true }) as number) === 0) db.pragma('auto_vacuum = INCREMENTAL');
      // Switching to WAL needs a moment without other connections in a transaction.
      for (let attempt = 0; ; attempt++) {
        try {
          const mode = db.pragma('journal_mode = WAL', { simple: true });
          if (mode === 'wal' || attempt >= 50) break;
        } catch (err) {
          if (!isBusy(err) || attempt >= 50) throw err;
        }
        sleepSync(20);
      }
      db.pragma('synchronous = NORMAL');
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StoreError(
        'newer_schema',
        path,
        `tokenmeter store: ${path} has schema version ${version}, newer than this tokenmeter knows (${SCHEMA_VERSION}). Upgrade @tokenmeter packages, or point TOKENMETER_STORE at another file.`,
      );
    }
    if (version === 0) {
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as {
        n: number;
      };
      if (tables.n > 0) {
        throw new StoreError(
          'other',
          path,
          `tokenmeter store: ${path} is a SQLite database but not a tokenmeter store. Point TOKENMETER_STORE at another file.`,
        );
      }
    }
    if (version < SCHEMA_VERSION) {
      if (readonly) {
        throw new StoreError(
          'needs_migration',
          path,
          `tokenmeter store: ${path} has schema version ${version} and needs migrating to ${SCHEMA_VERSION}; open it once read-write (any tokenmeter command that writes, or the preload) to upgrade it.`,
        );
      }
      migrate(db);
    }
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // already failing
    }
    throw toStoreError(err, path, 'opening');
  }
}
