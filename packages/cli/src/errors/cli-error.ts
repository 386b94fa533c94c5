/** Exit codes of `tokenmeter`. Documented in the README; scripts rely on them. */
export const EXIT_OK = 0;
/** Something went wrong (missing store, unknown model, a problem found by `doctor`, ...). */
export const EXIT_ERROR = 1;
/** The command line is wrong (unknown flag, bad value, missing argument). */
export const EXIT_USAGE = 2;
/** `budget status`: at least one budget is exceeded. */
export const EXIT_BUDGET_EXCEEDED = 3;
/** `reconcile --fail-above`: the drift from the provider's own numbers is beyond the limit. */
export const EXIT_DRIFT_EXCEEDED = 4;

/**
 * An error the CLI reports as one clear message (no stack trace), with the exit code to use and,
 * when there is one, what to do about it.
 */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  readonly exitCode: number;
  /** What to do about it, printed under the message. */
  readonly hint: string | undefined;

  constructor(message: string, options?: { exitCode?: number; hint?: string | undefined; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options?.exitCode ?? EXIT_ERROR;
    this.hint = options?.hint;
  }
}
