// The preload's writer: write() only queues in memory; an unref'd timer writes batches, one
// transaction each, yielding to the event loop between batches; flush() writes everything now,
// synchronously (for process 'exit' and SIGTERM). Failures never reach the app, and no call is lost
// without a line saying so:
// - a store that cannot be used (read-only, corrupt, newer schema, I/O error) is reported once
//   through onError, and every later record is dropped and counted;
// - a full disk, or another connection holding the write lock, is waited out: the batch stays
//   queued and is retried with back-off; a full disk gets one line when it starts and one when
//   writing resumes;
// - the queue is bounded (maxQueue): past it the newest calls are dropped and counted, with one
//   line when that starts and one with the count once the queue has drained;
// - what close() cannot write goes to a spill file next to the store, imported on its next open
//   (spill.ts).

import { StringDict } from './dict.js';
import type { Database } from './driver/index.js';
import { Ingestor } from './ingest.js';
import { openDatabase } from './open.js';
import { importSpills, writeSpill } from './spill.js';
import { isBusy, isFatal, kindOf, toStoreError } from './sqlite-errors.js';
import type { BatchWriter, BatchWriterOptions, BatchWriterStats, CallInput } from './types.js';

/** Lock wait of a background batch: short, so another process's write cannot stall this event loop. */
const BACKGROUND_BUSY_MS = 100;
/** Lock wait of flush() and close() by default: the last chance to write before exit. */
const FLUSH_BUSY_MS = 5000;
/** Longest pause between two attempts while the disk is full or the lock is held. */
const MAX_RETRY_DELAY_MS = 30_000;

/** What writing one batch came to. */
type Outcome = 'written' | 'busy' | 'full' | 'fatal';

/** For tests: a look at each connection the writer opens (e.g. to cap its size with max_page_count). */
export interface WriterInternals {
  onOpen?: (db: Database) => void;
}

function plural(n: number, one: string): string {
  return `${n.toLocaleString('en-US')} ${one}${n === 1 ? '' : 's'}`;
}

function defaultOnError(error: Error): void {
  process.emitWarning(error.message, 'TokenmeterStoreWarning');
}

export function createBatchWriter(opts: BatchWriterOptions, internals: WriterInternals = {}): BatchWriter {
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
  let db: Database | undefined;
  /** The connection's busy_timeout as last set (a PRAGMA is a statement prepared anew each time). */
  let busyTimeout = -1;
  let ingestor: Ingestor | undefined;
  const reported = new Set<string>();
  /** Consecutive attempts that found the disk full or the lock held. */
  let retries = 0;
  /** Why the last attempt could not write (for the spill line). */
  let blocked: string | undefined;
  /** Since when the disk has been full (one line at the start, one when writing resumes). */
  let fullSince: number | undefined;
  /** Calls dropped because the queue was full, not yet reported. */
  let overflowed = 0;

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

  function closeDb(): void {
    try {
      db?.close();
    } catch {
      // closing a broken handle
    }
    db = undefined;
    ingestor = undefined;
  }

  function giveUp(err: unknown, doing: string): Outcome {
    const e = toStoreError(err, path, doing);
    failed = true;
    dropAll();
    report(e, 'fatal');
    closeDb();
    return 'fatal';
  }

  /** The disk is full (or the file-size limit reached): keep the calls queued and say so once. */
  function diskFull(err: unknown, doing: string): Outcome {
    blocked = 'the disk is full';
    if (fullSince === undefined) {
      fullSince = Date.now();
      notice(
        `${toStoreError(err, path, doing).message} Retrying with back-off; up to ${plural(maxQueue, 'call')} are kept in memory meanwhile.`,
      );
    }
    // A connection that failed mid-write is reopened for the next attempt.
    closeDb();
    return 'full';
  }

  /** Sorts a failure into busy (wait), full (wait, said once) or fatal (store off). */
  function failure(err: unknown, doing: string): Outcome {
    if (isBusy(err)) {
      blocked = 'another connection held its write lock';
      return 'busy';
    }
    const kind = kindOf(err);
    if (kind === 'full') return diskFull(err, doing);
    return giveUp(err, doing);
  }

  function writeBatch(busyMs: number): Outcome {
    const started = performance.now();
    try {
      try {
        if (!db) {
          db = openDatabase(path, { busyTimeoutMs: busyMs });
          busyTimeout = busyMs;
          ingestor = new Ingestor(db, new StringDict(db));
          internals.onOpen?.(db);
          importSpilled(db, ingestor);
        }
        if (busyTimeout !== busyMs) {
          db.pragma(`busy_timeout = ${busyMs}`);
          busyTimeout = busyMs;
        }
      } catch (err) {
        return failure(err, 'opening');
      }
      const end = Math.min(queue.length, head + batchSize);
      const batch = queue.slice(head, end);
      try {
        ingestor!.insert(batch, opts.serviceName);
        written += batch.length;
        batches++;
      } catch (err) {
        const kind = kindOf(err);
        if (isBusy(err) || kind === 'full' || isFatal(kind)) return failure(err, 'writing calls to');
        // This batch cannot be stored (not the store's fault): drop it, say so, go on.
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
      wrote();
      return 'written';
    } finally {
      noteTime(started);
    }
  }

  /** After a successful batch: the end of an outage, and of an overflow once the queue has drained. */
  function wrote(): void {
    retries = 0;
    blocked = undefined;
    if (fullSince !== undefined) {
      const secs = Math.max(1, Math.round((Date.now() - fullSince) / 1000));
      fullSince = undefined;
      notice(
        `tokenmeter store: writing to ${path} resumed after ${secs} s of a full disk; ${overflowed > 0 ? `${plural(overflowed, 'call')} dropped while the queue was full, the rest kept` : 'no call lost'}`,
      );
      overflowed = 0;
    } else if (overflowed > 0 && queued() === 0) {
      notice(`tokenmeter store: ${plural(overflowed, 'call')} dropped while the queue for ${path} was full`);
      overflowed = 0;
    }
  }

  /** Imports what earlier processes spilled (best effort: a busy store is tried again next open). */
  function importSpilled(database: Database, into: Ingestor): void {
    try {
      const done = importSpills(database, path, (records, mark) => into.insert(records, undefined, mark));
      if (done.files > 0) {
        notice(
          `tokenmeter store: imported ${plural(done.calls, 'call')} from ${plural(done.files, 'spill file')} next to ${path} (saved by processes that could not write the store at exit)${done.badLines ? `; ${plural(done.badLines, 'unreadable line')} skipped` : ''}`,
        );
      }
    } catch (err) {
      if (isBusy(err) || reported.has('spill-import')) return;
      reported.add('spill-import');
      notice(
        `tokenmeter store: spill files next to ${path} were not imported (${(err as Error).message}); they are kept for the next open`,
      );
    }
  }

  /** Saves what is still queued at close to a spill file, and says so in one line. */
  function spillQueue(why: string): void {
    const records = queue.slice(head);
    queue = [];
    head = 0;
    const earlier =
      overflowed > 0 ? `; ${plural(overflowed, 'call')} had been dropped while the queue was full` : '';
    overflowed = 0;
    try {
      const file = writeSpill(path, records, opts.serviceName);
      spilled += records.length;
      notice(
        `tokenmeter store: ${plural(records.length, 'call')} could not be written to ${path} (${why}); saved to ${file}, imported the next time the store is opened${earlier}`,
      );
    } catch (err) {
      dropped += records.length;
      notice(
        `tokenmeter store: ${plural(records.length, 'call')} lost: not written to ${path} (${why}) nor saved next to it (${(err as Error).message})${earlier}`,
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
    const outcome = writeBatch(BACKGROUND_BUSY_MS);
    if (outcome === 'fatal' || queued() === 0) return;
    if (outcome === 'written') schedule(0);
    else schedule(Math.min(MAX_RETRY_DELAY_MS, interval * 2 ** retries++));
  }

  return {
    write(record: CallInput): boolean {
      if (closed || failed) {
        dropped++;
        return false;
      }
      if (queued() >= maxQueue) {
        dropped++;
        if (overflowed++ === 0) {
          notice(
            `tokenmeter store: ${plural(maxQueue, 'call')} are waiting to be written to ${path}${blocked ? ` (${blocked})` : ''}; newer calls are dropped and counted until the queue drains`,
          );
        }
        return false;
      }
      queue.push(record);
      if (!timer && !immediate) schedule(interval);
      return true;
    },
    flush(): void {
      try {
        while (!failed && queued() > 0) {
          if (writeBatch(exitBusyMs) !== 'written') break;
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
          blocked === 'the disk is full'
            ? blocked
            : `another connection held its write lock for more than ${exitBusyMs} ms`,
        );
      } else if (overflowed > 0) {
        notice(
          `tokenmeter store: ${plural(overflowed, 'call')} dropped while the queue for ${path} was full`,
        );
      }
      closeDb();
    },
    stats(): BatchWriterStats {
      return { written, dropped, spilled, queued: queued(), failed, batches, longestFlushMs: longest };
    },
  };
}
