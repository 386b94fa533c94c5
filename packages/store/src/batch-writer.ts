// The preload's writer: write() only queues in memory; an unref'd timer writes batches, one
// transaction each, yielding to the event loop between batches; flush() writes everything now,
// synchronously (for process 'exit' and SIGTERM). Failures never reach the app: a store that cannot
// be used (read-only, full, corrupt, newer schema) is reported once through onError and every later
// record is dropped and counted. What close() cannot write (another connection holds the write lock
// past the exit bound) goes to a spill file next to the store, imported on its next open (spill.ts).
import type Database from 'better-sqlite3';
import { StringDict } from './dict.js';
import { Ingestor } from './ingest.js';
import { openDatabase } from './open.js';
import { importSpills, writeSpill } from './spill.js';
import { isBusy, isFatal, kindOf, toStoreError } from './sqlite-errors.js';
import type { BatchWriter, BatchWriterOptions, BatchWriterStats, CallInput } from './types.js';

/** Lock wait of a background batch: short, so another process's write cannot stall this event loop. */
const BACKGROUND_BUSY_MS = 100;
/** Lock wait of flush() and close() by default: the last chance to write before exit. */
const FLUSH_BUSY_MS = 5000;

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

function defaultOnError(error: Error): void {
  process.emitWarning(error.message, 'TokenmeterStoreWarning');
}

export function createBatchWriter(opts: BatchWriterOptions): BatchWriter {
  const path = opts.path;
  const maxQueue = Math.max(1, Math.floor(opts.maxQueue ?? 10_000));
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 1000));
  const interval = Math.max(1, Math.floor(opts.flushIntervalMs ?? 250));
  const onError = opts.onError ?? defaultOnError;
  const exitBusyMs = Math.max(0, Math.floor(opts.exitBusyTimeoutMs ?? FLUSH_BUSY_MS));
  const notice = (line: string) => {
    try {
      (opts.onNotice ?? ((l: string) => onError(new Error(l))))(line);
    } catch {
      // the app's handler must not break the writer
    }
  };

  let queue: CallInput[] = [];
  let head = 0;
  let written = 0;
  let dropped = 0;
  let spilled = 0;
  let batches = 0;
  let longest = 0;
  let failed = false;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let immediate: ReturnType<typeof setImmediate> | undefined;
  let db: Database.Database | undefined;
  let ingestor: Ingestor | undefined;
  const reported = new Set<string>();

  const queued = () => queue.length - head;

  function report(err: Error, key: string): void {
    if (reported.has(key)) return;
    reported.add(key);
    try {
      onError(err);
    } catch {
      // the app's handler must not break the writer
    }
  }

  function dropAll(): void {
    dropped += queued();
    queue = [];
    head = 0;
  }

  function giveUp(err: unknown, doing: string): void {
    const e = toStoreError(err, path, doing);
    failed = true;
    dropAll();
    report(e, 'fatal');
    try {
      db?.close();
    } catch {
      // closing a broken handle
    }
    db = undefined;
    ingestor = undefined;
  }

  /** Writes one batch. Returns false when the lock was busy (the batch stays queued). */
  function writeBatch(busyMs: number): boolean {
    const started = performance.now();
    try {
      if (!db) {
        db = openDatabase(path, { busyTimeoutMs: busyMs });
        ingestor = new Ingestor(db, new StringDict(db));
        importSpilled(db, ingestor);
      }
      db.pragma(`busy_timeout = ${busyMs}`);
    } catch (err) {
      noteTime(started);
      if (isBusy(err)) return false;
      giveUp(err, 'opening');
      return true;
    }
    const end = Math.min(queue.length, head + batchSize);
    const batch = queue.slice(head, end);
    try {
      ingestor!.insert(batch, opts.serviceName);
      written += batch.length;
      batches++;
    } catch (err) {
      noteTime(started);
      if (isBusy(err)) return false;
      const kind = kindOf(err);
      if (isFatal(kind)) {
        giveUp(err, 'writing calls to');
        return true;
      }
      dropped += batch.length;
      const e = toStoreError(err, path, 'writing calls to');
      report(e, e.message);
    }
    head = end;
    if (head >= queue.length) {
      queue = [];
      head = 0;
    } else if (head > 4096 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    noteTime(started);
    return true;
  }

  /** Imports what earlier processes spilled (best effort: a busy store is tried again next open). */
  function importSpilled(database: Database.Database, into: Ingestor): void {
    try {
      const done = importSpills(database, path, (records, mark) => into.insert(records, undefined, mark));
      if (done.files > 0) {
        notice(
          `tokenmeter store: imported ${plural(done.calls, 'call')} from ${plural(done.files, 'spill file')} next to ${path} (saved by processes that could not write the store at exit)${done.badLines ? `; ${plural(done.badLines, 'unreadable line')} skipped` : ''}`,
        );
      }
    } catch (err) {
      if (!isBusy(err)) report(toStoreError(err, path, 'importing spill files into'), 'spill-import');
    }
  }

  /** Saves what is still queued at close to a spill file, and says so in one line. */
  function spillQueue(why: string): void {
    const records = queue.slice(head);
    if (records.length === 0) return;
    queue = [];
    head = 0;
    try {
      const file = writeSpill(path, records, opts.serviceName);
      spilled += records.length;
      notice(
        `tokenmeter store: ${plural(records.length, 'call')} could not be written to ${path} (${why}); saved to ${file}, imported the next time the store is opened`,
      );
    } catch (err) {
      dropped += records.length;
      notice(
        `tokenmeter store: ${plural(records.length, 'call')} lost: not written to ${path} (${why}) nor saved next to it (${(err as Error).message})`,
      );
    }
  }

  function noteTime(started: number): void {
    const took = performance.now() - started;
    if (took > longest) longest = took;
  }

  function schedule(delay: number): void {
    if (timer || immediate || closed || failed) return;
    if (delay === 0) {
      immediate = setImmediate(tick);
      immediate.unref();
    } else {
      timer = setTimeout(tick, delay);
      timer.unref();
    }
  }

  function tick(): void {
    timer = undefined;
    immediate = undefined;
    if (failed || queued() === 0) return;
    const ok = writeBatch(BACKGROUND_BUSY_MS);
    if (queued() > 0) schedule(ok ? 0 : interval);
  }

  return {
    write(record: CallInput): boolean {
      if (closed || failed || queued() >= maxQueue) {
        dropped++;
        return false;
      }
      queue.push(record);
      if (!timer && !immediate) schedule(interval);
      return true;
    },
    flush(): void {
      try {
        while (!failed && queued() > 0) {
          if (!writeBatch(exitBusyMs)) break;
        }
      } catch {
        // never throws
      }
    },
    close(): void {
      if (closed) return;
      this.flush();
      closed = true;
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      timer = undefined;
      immediate = undefined;
      if (queued() > 0) {
        spillQueue(
          failed
            ? 'the store cannot be used'
            : `another connection held its write lock for more than ${exitBusyMs} ms`,
        );
      }
      try {
        db?.close();
      } catch {
        // ignore
      }
      db = undefined;
      ingestor = undefined;
    },
    stats(): BatchWriterStats {
      return { written, dropped, spilled, queued: queued(), failed, batches, longestFlushMs: longest };
    },
  };
}
