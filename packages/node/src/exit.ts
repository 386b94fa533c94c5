// Flushing on the way out without changing how the app exits.
// - 'exit' (any exit, process.exit included): the store is written synchronously.
// - 'beforeExit' (the event loop ran dry): spans and metrics are exported, bounded; if the exporter
//   is still stuck at the bound (a dead collector is retried for up to 10 s, a black hole never
//   answers), the process exits with the exit code it was about to exit with. The exporters never
//   keep the loop alive themselves (otlp-http-transport.ts), so 'beforeExit' comes as soon as the
//   app's own work is done; while the bounded flush runs, its bound keeps the process alive.
// - SIGTERM / SIGINT: when the app listens for the signal itself, tokenmeter only flushes and lets
//   the app decide. When nobody else listens, it flushes (bounded), then re-raises the signal with its
//   own listener removed, so the process ends the way it would have without tokenmeter.
import { diag } from '@opentelemetry/api';

export interface ExitHooks {
  /** At 'exit': writes what can be written synchronously (the local store), spilling what cannot. */
  flushOnExit(): void;
  /** Bounded shutdown of the SDK: resolves false when the bound ran out with exports pending. */
  shutdown(): Promise<boolean>;
  /** Bounded flush, for a signal the app handles itself. */
  forceFlush(): Promise<unknown>;
  timeoutMs: number;
  /** Whether tokenmeter runs its own tracer or meter provider (so it must flush them). */
  sdkOwned: boolean;
}

export const EXIT_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export function installExitHandlers(hooks: ExitHooks): () => void {
  let exiting = false;

  const onExit = () => {
    try {
      hooks.flushOnExit();
    } catch (e) {
      diag.warn(`tokenmeter: store flush at exit failed: ${(e as Error).message}`);
    }
  };

  let beforeExitRan = false;
  const onBeforeExit = () => {
    if (beforeExitRan || exiting) return;
    beforeExitRan = true;
    void hooks.shutdown().then((completed) => {
      // The exporters are stuck (e.g. retrying a dead collector): leave now, with the app's exit code.
      if (!completed) process.exit();
    });
  };

  const onSignal = (signal: NodeJS.Signals) => {
    const appListens = process.listenerCount(signal) > 1;
    if (appListens) {
      void hooks.forceFlush();
      return;
    }
    if (exiting) {
      // A second signal while flushing: stop waiting.
      reraise(signal);
      return;
    }
    exiting = true;
    void hooks.shutdown().then(() => reraise(signal));
  };

  const reraise = (signal: NodeJS.Signals) => {
    onExit();
    for (const s of EXIT_SIGNALS) process.removeListener(s, onSignal);
    process.kill(process.pid, signal);
  };

  process.on('exit', onExit);
  if (hooks.sdkOwned) process.on('beforeExit', onBeforeExit);
  for (const s of EXIT_SIGNALS) process.on(s, onSignal);

  return () => {
    process.removeListener('exit', onExit);
    process.removeListener('beforeExit', onBeforeExit);
    for (const s of EXIT_SIGNALS) process.removeListener(s, onSignal);
  };
}
