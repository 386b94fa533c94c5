// The local store's writer, made when the first call is recorded instead of at start-up: loading
// @tokenmeter/store (and its SQLite driver, at the first write) is a large part of what the preload
// would otherwise add to every process's start (bench/RESULTS.md, start-up), and a process that
// makes no LLM call never needs it. `warmUp()` loads it in the background as the first span starts; a
// record that comes before that loads it at once (synchronously), so no call is ever left out, even
// when the process exits right after it.
import { diag } from '@opentelemetry/api';
import { requireForCaller } from '@tokenmeter/config';
import type { BatchWriter, BatchWriterOptions, CallInput } from '@tokenmeter/store';

type StoreModule = { createBatchWriter(options: BatchWriterOptions): BatchWriter };

let requireHere: NodeJS.Require | undefined;

/** @tokenmeter/store, loaded synchronously (its CommonJS entry, whichever build asks). */
export function loadStoreModule(): StoreModule {
  requireHere ??= requireForCaller();
  return requireHere('@tokenmeter/store') as StoreModule;
}

/** A BatchWriter whose store module loads with the first record (or `warmUp()`). */
export class LazyBatchWriter implements Pick<BatchWriter, 'write' | 'flush' | 'close'> {
  private writer: BatchWriter | undefined;
  private failed = false;
  private closed = false;
  private warming = false;

  constructor(
    private readonly options: BatchWriterOptions,
    private readonly load: () => StoreModule = loadStoreModule,
  ) {}

  /** Whether the store module was loaded yet. */
  get loaded(): boolean {
    return this.writer !== undefined;
  }

  private get(): BatchWriter | undefined {
    if (this.writer || this.failed || this.closed) return this.writer;
    try {
      this.writer = this.load().createBatchWriter(this.options);
    } catch (e) {
      this.failed = true;
      const error = e instanceof Error ? e : new Error(String(e));
      diag.error(`tokenmeter: the local store did not load: ${error.message}`);
      this.options.onError?.(error);
    }
    return this.writer;
  }

  /** Loads the store module in the background (once), so that the first record does not wait. */
  warmUp(): void {
    if (this.warming) return;
    this.warming = true;
    setImmediate(() => this.get());
  }

  write(record: CallInput): boolean {
    return this.get()?.write(record) ?? false;
  }

  /** Nothing was ever written when the store never loaded: nothing to flush. */
  flush(): void {
    this.writer?.flush();
  }

  close(): void {
    this.closed = true;
    this.writer?.close();
  }
}
