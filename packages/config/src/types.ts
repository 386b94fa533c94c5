// The shapes of the environment table: a variable, the type that parses it, and what the reader
// returns. The table itself is in table.ts; the reader in read.ts.

/** Environment variables, as `process.env`. */
export type Env = Record<string, string | undefined>;

/** Whose name it is: an OpenTelemetry standard variable, or tokenmeter's own. */
export type EnvSource = 'otel' | 'tokenmeter';

/** The parts of tokenmeter that read a variable. */
export type EnvComponent =
  /** `@tokenmeter/node`: the preload and `startTokenmeter`. */
  | 'distro'
  /** `TokenmeterInstrumentation` and `CostSpanProcessor` in an app's own OpenTelemetry SDK. */
  | 'instrumentation'
  /** `@tokenmeter/store`'s path resolution (the distro and every CLI command). */
  | 'store'
  /** `@tokenmeter/pricing`'s overrides file (the distro, `tokenmeter price`, `doctor`). */
  | 'pricing'
  /** The `tokenmeter` command (`gateway` reads the distro's OTLP and metric settings too). */
  | 'cli';

/** Returned by a parser that reported the whole value as unusable: the reader uses the default. */
export const INVALID: unique symbol = Symbol('tokenmeter.config.invalid');
export type Invalid = typeof INVALID;

/** What a parser may report. Lines start with the variable's name. */
export interface ParseContext {
  /** The variable being read. */
  readonly name: string;
  /**
   * The whole value is unusable: reports `NAME="raw" is not <expected>; using <default>` (or
   * `NAME: no usable value; using <default>` without `expected`) and returns INVALID.
   */
  invalid(expected?: string): Invalid;
  /** One part of a list is unusable: reports `NAME: <text>; ignored`. */
  ignored(text: string): void;
}

/** How a variable's value is written and parsed. */
export interface EnvType<T> {
  /** The value as documented in the settings tables, e.g. `` `true` or `false` ``. */
  readonly describe: string;
  /** The accepted words, when the value is one (or a list) of a fixed set. */
  readonly allowed?: readonly string[];
  /** Parses a value that is set (trimmed, never empty). Reports through `ctx`; never throws. */
  parse(raw: string, ctx: ParseContext): T | Invalid;
  /** A value as written in an environment variable (for docs and the "using X" of a problem). */
  format(value: T): string;
}

/** One row of the table. */
export interface EnvVarSpec<T, D extends T | undefined = T | undefined> {
  readonly source: EnvSource;
  /** Every component that reads it. */
  readonly readBy: readonly EnvComponent[];
  readonly type: EnvType<T>;
  /** The value when unset, empty or unusable; undefined when "unset" means something (see `defaultDoc`). */
  readonly default: D;
  /** How the default reads in the docs when it is not `type.format(default)` (e.g. a path under `~`). */
  readonly defaultDoc?: string;
  /**
   * Another variable that applies when this one is unset (e.g. a per-signal OTLP setting and the
   * general one). For the docs and problem lines; the component that reads both combines them.
   */
  readonly fallsBackTo?: string;
  /** Read only when another variable has one of these values (otherwise this one is ignored). */
  readonly onlyWith?: { readonly name: string; readonly values: readonly string[] };
  /** One line for the settings table. */
  readonly doc: string;
  /**
   * Set by tokenmeter itself for a process it starts (the `demo` workload): known to the typo
   * detector, left out of the user-facing settings table.
   */
  readonly internal?: boolean;
}

/** The value type of a row. */
export type EnvValueOf<V> = V extends { readonly type: EnvType<infer T>; readonly default: infer D }
  ? T | D
  : never;
