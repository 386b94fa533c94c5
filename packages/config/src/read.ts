// The one reader of the table: parses the variables of an environment, returns every value (the
// default where a variable is unset, empty or unusable) and one line per problem. Never throws.
import { ENV_VARS, type EnvName, type EnvValues } from './table.js';
import { type Env, type EnvVarSpec, INVALID, type ParseContext } from './types.js';
import { unknownEnvVars } from './unknown.js';

export interface EnvReadResult<N extends EnvName = EnvName> {
  values: Pick<EnvValues, N>;
  /**
   * One line per problem, each starting with the variable's name, e.g.
   * `OTEL_TRACES_SAMPLER="sometimes" is not one of always_on, ...; using parentbased_always_on`.
   */
  problems: string[];
}

/** The value of a variable, trimmed; undefined when unset or blank (the OTel spec: empty = unset). */
function rawValue(env: Env, name: string): string | undefined {
  const v: unknown = env[name];
  if (v === undefined || v === null) return undefined;
  const t = String(v).trim();
  return t === '' ? undefined : t;
}

/**
 * True when `name` is set to a non-blank value, usable or not: for a component whose default
 * differs from the table's (the gateway sends metrics to its next hop unless an OTLP endpoint is set).
 */
export function envVarIsSet(env: Env, name: EnvName): boolean {
  return rawValue(env, name) !== undefined;
}

type AnySpec = EnvVarSpec<unknown, unknown>;

/** What a problem line says is used instead. */
function fallbackText(spec: AnySpec): string {
  if (spec.default !== undefined) return `using ${spec.type.format(spec.default)}`;
  if (spec.fallsBackTo) return `using ${spec.fallsBackTo}`;
  if (spec.defaultDoc) return `using ${spec.defaultDoc.replace(/`/g, '')}`;
  return 'ignored';
}

/**
 * Reads `names` (default: every variable in the table) from `env`. Reading the whole table also
 * reports `TOKENMETER_*` names that look like a typo of a known one ("did you mean").
 */
export function readEnv(env?: Env): EnvReadResult;
export function readEnv<N extends EnvName>(env: Env | undefined, names: readonly N[]): EnvReadResult<N>;
export function readEnv(env: Env = process.env, names?: readonly EnvName[]): EnvReadResult {
  const problems: string[] = [];
  const report = (line: string) => {
    if (!problems.includes(line)) problems.push(line);
  };
  const read = new Map<EnvName, unknown>();

  const get = (name: EnvName): unknown => {
    if (read.has(name)) return read.get(name);
    const spec = ENV_VARS[name] as AnySpec;
    read.set(name, spec.default); // a cycle of onlyWith would read the default, not loop
    const value = parse(name, spec);
    read.set(name, value);
    return value;
  };

  const parse = (name: EnvName, spec: AnySpec): unknown => {
    const gate = spec.onlyWith;
    if (gate && !gate.values.includes(String(get(gate.name as EnvName)))) return spec.default;
    const raw = rawValue(env, name);
    if (raw === undefined) return spec.default;
    const ctx: ParseContext = {
      name,
      invalid(expected) {
        report(
          expected === undefined
            ? `${name}: no usable value; ${fallbackText(spec)}`
            : `${name}=${JSON.stringify(raw)} is not ${expected}; ${fallbackText(spec)}`,
        );
        return INVALID;
      },
      ignored(text) {
        report(`${name}: ${text}; ignored`);
      },
    };
    try {
      const value = spec.type.parse(raw, ctx);
      return value === INVALID ? spec.default : value;
    } catch (e) {
      report(
        `${name}=${JSON.stringify(raw)} cannot be used (${(e as Error)?.message ?? e}); ${fallbackText(spec)}`,
      );
      return spec.default;
    }
  };

  const values: Record<string, unknown> = {};
  for (const name of names ?? (Object.keys(ENV_VARS) as EnvName[])) values[name] = get(name);
  if (!names) {
    for (const u of unknownEnvVars(env)) {
      if (u.name.startsWith('TOKENMETER_') && u.didYouMean)
        report(`${u.name} is not a tokenmeter setting; did you mean ${u.didYouMean}?`);
    }
  }
  return { values: values as EnvValues, problems };
}
