// Calls that ended, completed together a moment later: when a runtime ends calls in batches (the
// distro turns it on with its own tracer provider), a call that ends is queued here, and every call
// queued in the last BATCH_WINDOW_MS gets its span (with the call's own start and end times, under
// the context captured when the request was made), price, metrics and record in one pass, off the
// app's continuation. Measured: cheaper per call than ending each on its own (bench/fetch-ab.ts).
//
// Whatever reads what a call produces drains the queue first, synchronously:
// - the tracer provider's forceFlush and shutdown (the CostSpanProcessor, placed before the
//   exporting processor, drains in its own forceFlush/shutdown, which the SDK calls first);
// - every metric collection (the recorder's observable callback and its flush, which the distro's
//   histogram producer calls);
// - TokenmeterInstrumentation#disable, and the distro's forceFlush, shutdown and exit handlers.
// Shared through a global symbol so the ESM and CJS copies of this package drain one queue.

import { processSingleton } from './process-singleton.js';

/** How long a call that ended may wait for the batch it is completed in. */
export const BATCH_WINDOW_MS = 20;
/** A burst is completed at once past this many queued calls (memory stays bounded). */
const MAX_QUEUED = 1024;

/** A call whose end waits in the queue. */
export interface EndedCall {
  /** Build its span, price, metrics and record now. Never throws. */
  completeEnded(): void;
}

export class CallEndings {
  private queue: EndedCall[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onTimer = () => {
    this.timer = undefined;
    this.drain();
  };

  /** Calls waiting to be completed. */
  get size(): number {
    return this.queue.length;
  }

  add(call: EndedCall): void {
    this.queue.push(call);
    if (this.queue.length >= MAX_QUEUED) {
      this.drain();
      return;
    }
    if (this.timer === undefined) {
      // Not unref'd: a process whose work is done lives on for the batch (at most the window), as
      // it did for the span it was ending. Its spans start then, and the first one starts loading
      // the lazy OTLP exporter before the exit flush, whose bound would not leave it the time.
      this.timer = setTimeout(this.onTimer, BATCH_WINDOW_MS);
    }
  }

  /** Complete every queued call now (in the order they ended). Never throws. */
  drain(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // Calls ended while draining (a sink that makes a call) join this drain.
    while (this.queue.length > 0) {
      const calls = this.queue;
      this.queue = [];
      for (let i = 0; i < calls.length; i++) calls[i]!.completeEnded();
    }
  }
}

const KEY = Symbol.for('tokenmeter.instrumentation.call-endings');

const make = () => new CallEndings();
/** The process's queue, once looked up (a keyed read of globalThis on every call was measurable). */
let shared: CallEndings | undefined;

/** The process's queue of ended calls. */
export function callEndings(): CallEndings {
  shared ??= processSingleton(KEY, make);
  return shared;
}

/** Complete every call that ended and waits in a batch (spans ended, records and metrics made). */
export function completeEndedCalls(): void {
  callEndings().drain();
}
