// Warned once per key through the OTel diag logger, then logged at debug level: a failure or a
// provider problem that repeats on every call is one warning, not a flood. Never throws.
import type { DiagLogger } from '@opentelemetry/api';

export class OnceLog {
  private readonly warned = new Set<string>();

  constructor(private readonly log: DiagLogger) {}

  report(key: string, message: string, ...error: unknown[]): void {
    try {
      if (this.warned.has(key)) this.log.debug(message, ...error);
      else {
        this.warned.add(key);
        this.log.warn(message, ...error);
      }
    } catch {
      // a diag logger that throws: nothing more to do
    }
  }
}
