// What a command may touch: its output streams, environment and working directory. Passed in, so
// tests run commands in process with captured output and a chosen TTY-ness.

export interface OutStream {
  write(chunk: string): unknown;
  /** True when the stream is a terminal: tables get colours, progress is drawn. */
  isTTY?: boolean;
  /** Terminal width, when a terminal. */
  columns?: number;
}

export interface InStream {
  isTTY?: boolean;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeAllListeners(event?: string): unknown;
  pause(): unknown;
  resume(): unknown;
}

export interface CliIO {
  stdout: OutStream;
  stderr: OutStream;
  /** Read for confirmations (`prune` on a terminal). */
  stdin?: InStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /**
   * The package root of @tokenmeter/cli (where `src/dashboard` and `src/demo` live). The bin passes
   * it; there is no `import.meta` in src because of the CommonJS build.
   */
  packageRoot: string;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
  /**
   * For long-running jobs (`serve`, `demo --serve`): resolves on SIGINT/SIGTERM (the bin listens to
   * them only once this is called, so other commands keep Node's default of exiting at once).
   * Default: never resolves.
   */
  waitForSignal?: () => Promise<string>;
}

/**
 * Whether to colour a stream: FORCE_COLOR wins, then NO_COLOR, then "is it a terminal". Read here,
 * not through the env table: terminal conventions every CLI honours, not tokenmeter settings.
 */
export function colorEnabled(stream: OutStream, env: Record<string, string | undefined>): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export interface Styles {
  readonly enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

function sgr(open: number, close: number): (s: string) => string {
  return (s) => `\u001b[${open}m${s}\u001b[${close}m`;
}

const plain = (s: string) => s;

export function styles(enabled: boolean): Styles {
  if (!enabled) {
    return { enabled, bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  }
  return {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
  };
}

/** Length of a string as shown on a terminal (colour codes removed). */
export function visibleLength(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** The styles for stdout and stderr of this run. */
export function ioStyles(io: CliIO): { out: Styles; err: Styles } {
  return { out: styles(colorEnabled(io.stdout, io.env)), err: styles(colorEnabled(io.stderr, io.env)) };
}

/** A one-line progress indicator on stderr, drawn only when stderr is a terminal. */
export class Progress {
  private readonly tty: boolean;
  private last = 0;
  private drawn = false;

  constructor(
    private readonly io: CliIO,
    private readonly label: string,
    private readonly total?: number,
  ) {
    this.tty = io.stderr.isTTY === true;
  }

  update(done: number, detail = ''): void {
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.last < 80 && done !== this.total) return;
    this.last = now;
    let line: string;
    if (this.total !== undefined && this.total > 0) {
      const width = 24;
      const filled = Math.round((Math.min(done, this.total) / this.total) * width);
      line = `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.total}`;
    } else {
      line = `${this.label} ${done.toLocaleString('en-US')}`;
    }
    if (detail) line += ` ${detail}`;
    const cols = this.io.stderr.columns ?? 80;
    if (line.length > cols - 1) line = line.slice(0, cols - 1);
    this.io.stderr.write(`\r\u001b[2K${line}`);
    this.drawn = true;
  }

  /** Erase the line. */
  done(): void {
    if (this.tty && this.drawn) this.io.stderr.write('\r\u001b[2K');
    this.drawn = false;
  }
}
