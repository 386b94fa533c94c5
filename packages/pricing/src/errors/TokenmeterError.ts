/**
 * Base class of tokenmeter's documented errors. Catch it to handle any of them; `name` tells which.
 */
export class TokenmeterError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
