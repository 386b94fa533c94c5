// W3C trace context and baggage across services, for an app whose OpenTelemetry SDK is tokenmeter's:
// sent on the app's outgoing HTTP requests (fetch and node:http/https) with the attribution in
// effect, and read from the requests its node:http/https servers receive. A propagation-only hook,
// not an HTTP instrumentation: it makes no spans and records no metrics (bench/RESULTS.md,
// propagation, has the per-request cost against @opentelemetry/instrumentation-http and -undici).
import { hostPolicy } from './hosts.js';
import { patchHttpClients } from './http-client.js';
import { patchHttpServers } from './http-server.js';
import { subscribeUndici } from './undici.js';

export interface PropagationOptions {
  /** Read `traceparent` and `baggage` from incoming requests (TOKENMETER_PROPAGATION=on), or only send them (`outgoing`). */
  incoming: boolean;
  /** TOKENMETER_PROPAGATION_HOSTS: hosts that get the headers besides the private ones (hosts.ts). */
  hosts: readonly string[];
  /** A failure of ours in a hook: logged and counted by the caller, never seen by the app. */
  onError: (e: unknown) => void;
}

export interface PropagationHandle {
  /** Removes every hook (the ones another library wrapped on top of stay, passing through). */
  uninstall(): void;
}

/** Installs the propagation hooks. */
export function installPropagation(options: PropagationOptions): PropagationHandle {
  const sendsTo = hostPolicy(options.hosts);
  const undo = [subscribeUndici(sendsTo, options.onError), patchHttpClients(sendsTo, options.onError)];
  if (options.incoming) undo.push(patchHttpServers(options.onError));
  let installed = true;
  return {
    uninstall() {
      if (!installed) return;
      installed = false;
      for (const u of undo.reverse()) u();
    },
  };
}
