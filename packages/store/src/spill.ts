// Spill files: calls a writer could not put in the store before its process ended (another
// connection held the write lock past the bound, the disk was full) are saved next to the store as
// `<store>.spill-<pid>-<epoch ms>.ndjson`, one CallInput per line, and imported into the store the
// next time it is opened read-write. An import is exactly once: the file's name is recorded in the
// same transaction as its rows, so a crash between the commit and the file's removal cannot import
// it twice.
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { Database } from './open.js';
import type { CallInput } from './types.js';

/** `<store>.spill-<pid>-<ms>.ndjson`, or the same claimed by an importer: `...ndjson.importing-<pid>`. */
const SPILL_PATTERN = /^(.+)\.spill-(\d+)-(\d+)\.ndjson(?:\.importing-(\d+))?$/;
/** meta key prefix marking a spill file as imported (value: epoch ms of the import). */
const IMPORTED_KEY = 'spill_imported:';

/** Writes `records` to a new spill file next to the store and returns its path. Throws on failure. */
export function writeSpill(storePath: string, records: readonly CallInput[], serviceName?: string): string {
  const file = `${storePath}.spill-${process.pid}-${Date.now()}.ndjson`;
  const lines = records.map((r) =>
    JSON.stringify(r.serviceName === undefined && serviceName !== undefined ? { ...r, serviceName } : r),
  );
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, `${lines.join('\n')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return file;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface PendingSpill {
  /** Where the file is now. */
  file: string;
  /** Its name as written (what the import is recorded under). */
  name: string;
}

function pending(storePath: string): PendingSpill[] {
  const dir = path.dirname(storePath);
  const base = path.basename(storePath);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: { spill: PendingSpill; ms: number }[] = [];
  for (const n of names) {
    const m = SPILL_PATTERN.exec(n);
    if (!m || m[1] !== base) continue;
    // A file claimed by an importer that died before it finished is waiting again.
    if (m[4] !== undefined && alive(Number(m[4]))) continue;
    const name = m[4] === undefined ? n : n.slice(0, n.lastIndexOf('.importing-'));
    out.push({ spill: { file: path.join(dir, n), name }, ms: Number(m[3]) });
  }
  return out.sort((a, b) => a.ms - b.ms || a.spill.name.localeCompare(b.spill.name)).map((o) => o.spill);
}

/** Spill files waiting next to the store, oldest first. */
export function pendingSpills(storePath: string): string[] {
  return pending(storePath).map((s) => s.file);
}

export interface SpillImport {
  files: number;
  calls: number;
  /** Lines that were not a call (a torn last line); skipped. */
  badLines: number;
}

/** Parses a spill file; lines that are not JSON objects are counted and skipped. */
function readSpill(file: string): { records: CallInput[]; badLines: number } {
  const records: CallInput[] = [];
  let badLines = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as CallInput;
      if (r && typeof r === 'object' && typeof r.startTimeMs === 'number' && typeof r.provider === 'string') {
        records.push(r);
      } else badLines++;
    } catch {
      badLines++;
    }
  }
  return { records, badLines };
}

/**
 * Imports every spill file of the store through `insert` (one transaction per file, which also runs
 * `markImported`). A file another process is importing (renamed away) is left to it. Throws what the
 * insert throws (e.g. SQLITE_BUSY); the file then stays for the next open.
 */
export function importSpills(
  db: Database,
  storePath: string,
  insert: (records: readonly CallInput[], markImported: () => void) => void,
): SpillImport {
  const done: SpillImport = { files: 0, calls: 0, badLines: 0 };
  const isImported = db.prepare('SELECT 1 FROM meta WHERE key = ?');
  const mark = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
  for (const { file, name } of pending(storePath)) {
    const key = IMPORTED_KEY + name;
    // Claim the file: a rename is atomic, so two processes opening the store never both import it.
    const claimed = path.join(path.dirname(file), `${name}.importing-${process.pid}`);
    try {
      renameSync(file, claimed);
    } catch {
      continue; // another process claimed it first
    }
    try {
      if (!isImported.get(key)) {
        const { records, badLines } = readSpill(claimed);
        insert(records, () => mark.run(key, String(Date.now())));
        done.calls += records.length;
        done.badLines += badLines;
      }
      done.files++;
      unlinkSync(claimed);
    } catch (err) {
      // Back under its own name for the next open (or, should that fail, picked up again once this
      // process has ended, as a claim whose importer is gone).
      try {
        renameSync(claimed, path.join(path.dirname(file), name));
      } catch {
        // left claimed: picked up again once this process has ended
      }
      throw err;
    }
  }
  return done;
}
