// A failure of ours where no TokenmeterRuntime is at hand (pricing a call, entering an attribution
// context): counted in tokenmeter.internal.errors{tokenmeter.component} and logged through the OTel
// diag logger, warned once per component and at debug level after. Never throws.
import { diag } from '@opentelemetry/api';
import { sharedMetrics } from './metrics/recorder.js';
import { PACKAGE_NAME } from './version.js';

const log = diag.createComponentLogger({ namespace: PACKAGE_NAME });
const warned = new Set<string>();

export function reportInternalError(component: string, message: string, error: unknown): void {
  sharedMetrics().internalError(component);
  try {
    const line = `tokenmeter ${component}: ${message}`;
    if (warned.has(component)) log.debug(line, error);
    else {
      warned.add(component);
      log.warn(line, error);
    }
  } catch {
    // a diag logger that throws: counted above, nothing more to do
  }
}
