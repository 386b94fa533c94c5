import { CliError, EXIT_USAGE } from './cli-error.js';

/** A wrong command line (unknown flag, bad value, missing argument): exit code 2. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  /** The command whose `--help` the message points to, e.g. `cost` or `budget set`. */
  readonly command: string | undefined;

  constructor(message: string, command?: string, hint?: string) {
    super(message, {
      exitCode: EXIT_USAGE,
      hint:
        hint ??
        (command ? `Run \`tokenmeter ${command} --help\` for usage.` : 'Run `tokenmeter --help` for usage.'),
    });
    this.command = command;
  }
}
