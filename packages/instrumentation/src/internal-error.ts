// A failure of ours where no TokenmeterRuntime is at hand (pricing a call, entering an attribution
// context): counted in tokenmeter.internal.errors{tokenmeter.component} and logged through the OTel
// diag logger, warned once per component and at debug level after. Never throws.
import { diag } from '@opentelemetry/api';
import { sharedMetrics } from './metrics/recorder.js';
import { OnceLog } from './once-log.js';
import { PACKAGE_NAME } from './version.js';

const log = diag.createComponentLogger({ namespace: PACKAGE_NAME });
const failures = new OnceLog(log);

export function reportInternalError(component: string, message: string, error: unknown): void {
  sharedMetrics().internalError(component);
  failures.report(component, `tokenmeter ${component}: ${message}`, error);
}

/** A wire-format parser that threw (see adapters' ParserFailure): component `adapter`. */
export function reportParserFailure(message: string, error: unknown): void {
  reportInternalError('adapter', message, error);
}
