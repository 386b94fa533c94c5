// How a command is declared: its flags (node:util parseArgs options plus help text), examples, and
// a run function. Help text and flag errors are generated from the declaration.
import { parseArgs } from 'node:util';
import { levenshtein } from '@tokenmeter/config';
import { UsageError } from './errors/usage-error.js';
import { type CliIO, ioStyles, type Styles } from './io.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder shown in help, e.g. DATE. */
  value?: string;
  description: string;
  multiple?: boolean;
}

export interface CommandContext {
  io: CliIO;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  out: Styles;
  err: Styles;
  now: number;
  /** The command's name as typed, e.g. `budget set`. */
  name: string;
}

export interface CommandSpec {
  /** `cost`, or `budget set` for a subcommand. */
  name: string;
  summary: string;
  /** Usage line after `tokenmeter `, e.g. `cost [--today|--week|--month] [flags]`. */
  usage: string;
  /** A paragraph under the usage line. */
  description?: string;
  flags: Record<string, FlagSpec>;
  /** Lines of examples, each `command  # comment` or a plain command. */
  examples: string[];
  /** How many positional arguments are accepted. Default 0. */
  positionals?: { min: number; max: number; names: string };
  run(ctx: CommandContext): Promise<number>;
}

export const STORE_FLAG: FlagSpec = {
  type: 'string',
  value: 'PATH',
  description: 'store file (default: $TOKENMETER_STORE, else ~/.tokenmeter/tokenmeter.db)',
};

const HELP_FLAG: FlagSpec = { type: 'boolean', short: 'h', description: 'show this help' };

/** The closest candidates to `word` (edit distance at most a third of its length, min 2). */
export function closest(word: string, candidates: readonly string[], max = 3): string[] {
  const limit = Math.max(2, Math.floor(word.length / 3));
  return candidates
    .map((c) => ({ c, d: levenshtein(word.toLowerCase(), c.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, max)
    .map((x) => x.c);
}

export function renderHelp(spec: CommandSpec, s: Styles): string {
  const lines: string[] = [];
  lines.push(spec.summary, '');
  lines.push(s.bold('USAGE'), `  tokenmeter ${spec.usage}`, '');
  if (spec.description) lines.push(...spec.description.split('\n').map((l) => (l ? `  ${l}` : '')), '');
  const flags = { ...spec.flags, help: HELP_FLAG };
  const rows = Object.entries(flags).map(([name, f]) => {
    const short = f.short ? `-${f.short}, ` : '    ';
    const value = f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : '';
    return [`${short}--${name}${value}`, f.description];
  });
  const width = Math.max(...rows.map((r) => r[0]!.length));
  lines.push(s.bold('FLAGS'));
  for (const [left, right] of rows) lines.push(`  ${left!.padEnd(width)}   ${right}`);
  lines.push('');
  if (spec.examples.length) {
    lines.push(s.bold('EXAMPLES'));
    for (const e of spec.examples) lines.push(`  $ ${e}`);
    lines.push('');
  }
  return `${lines.join('\n')}`;
}

/** Parses argv for `spec`, mapping parseArgs errors to UsageErrors that name the fix. */
export function parseCommandArgs(
  spec: CommandSpec,
  argv: string[],
): { values: CommandContext['values']; positionals: string[]; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, f] of Object.entries({ ...spec.flags, help: HELP_FLAG })) {
    options[name] = { type: f.type };
    if (f.short) options[name].short = f.short;
    if (f.multiple) options[name].multiple = true;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    const msg = err.message;
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(msg)?.[1] ?? '';
      const name = flag.replace(/^-+/, '').split('=')[0] ?? '';
      const near = closest(name, Object.keys(options)).map((n) => `--${n}`);
      throw new UsageError(
        `unknown flag ${flag}${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}`,
        spec.name,
      );
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = /--([a-z0-9-]+)/.exec(msg)?.[1];
      const f = flag ? spec.flags[flag] : undefined;
      if (f?.type === 'string')
        throw new UsageError(`--${flag} needs a value${f.value ? ` (${f.value})` : ''}`, spec.name);
      if (f?.type === 'boolean') throw new UsageError(`--${flag} takes no value`, spec.name);
    }
    if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new UsageError(`unexpected argument: ${msg}`, spec.name);
    }
    throw new UsageError(msg, spec.name);
  }
  const values = parsed.values as CommandContext['values'];
  const help = values.help === true;
  const positionals = parsed.positionals;
  if (!help) {
    const p = spec.positionals ?? { min: 0, max: 0, names: '' };
    if (positionals.length > p.max) {
      const extra = positionals.slice(p.max);
      throw new UsageError(
        `unexpected argument${extra.length > 1 ? 's' : ''}: ${extra.join(' ')}${extra[0]?.startsWith('-') ? '' : ''}`,
        spec.name,
      );
    }
    if (positionals.length < p.min) throw new UsageError(`missing ${p.names}`, spec.name);
  }
  return { values, positionals, help };
}

export function makeContext(
  spec: CommandSpec,
  io: CliIO,
  values: CommandContext['values'],
  positionals: string[],
): CommandContext {
  const { out, err } = ioStyles(io);
  return { io, values, positionals, out, err, now: (io.now ?? Date.now)(), name: spec.name };
}

/** A string flag's value (the last one when repeated). */
export function str(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name];
  if (Array.isArray(v)) return v[v.length - 1];
  return typeof v === 'string' ? v : undefined;
}

export function bool(ctx: CommandContext, name: string): boolean {
  return ctx.values[name] === true;
}
