/**
 * A query parameter with a bad value, shared by the CLI (reported with its flag, exit code 2) and the
 * REST API (400 with `{ error: { code, message, parameter } }`). `parameter` is the REST name
 * (`since`, `minCost`); the CLI maps it to its flag (`--since`, `--min-cost`).
 */
export class ParamError extends Error {
  override readonly name = 'ParamError';
  readonly parameter: string;
  readonly code: 'invalid_parameter' | 'unknown_parameter' | 'conflicting_parameters';

  constructor(
    parameter: string,
    message: string,
    code: 'invalid_parameter' | 'unknown_parameter' | 'conflicting_parameters' = 'invalid_parameter',
  ) {
    super(message);
    this.parameter = parameter;
    this.code = code;
  }
}
