// @tokenmeter/cli: the `tokenmeter` command, and its server for programs that embed it.
export {
  CliError,
  EXIT_BUDGET_EXCEEDED,
  EXIT_DRIFT_EXCEEDED,
  EXIT_ERROR,
  EXIT_OK,
  EXIT_USAGE,
} from './errors/cli-error.js';
export { ParamError } from './errors/param-error.js';
export { UsageError } from './errors/usage-error.js';
export { formatUsd, nanosToDecimal, parseUsdToNanos } from './format/money.js';
export type { CliIO, InStream, OutStream } from './io.js';
export { runCli } from './main.js';
export { type ServeOptions, startServer, type TokenmeterServer } from './server/server.js';
export { VERSION } from './version.js';
