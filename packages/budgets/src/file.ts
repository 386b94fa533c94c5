// The budgets file (`TOKENMETER_BUDGETS=budgets.yaml`, YAML or JSON), checked entry by entry against
// the rules of budgets.schema.json (the JSON Schema shipped for editors: a `# yaml-language-server:
// $schema=...` line gives completion and checks while typing). A bad entry is one problem naming the
// field and is left out; the others are used. Never throws.
import { readFileSync } from 'node:fs';
import { requireForCaller } from '@tokenmeter/config';
import { BUDGET_SCOPE_FIELDS, type BudgetScope, localTimeZone } from '@tokenmeter/store';
import type { parseDocument as ParseDocument } from 'yaml';
import { type DefinitionInput, makeDefinition } from './definition.js';
import { BudgetDefinitionError } from './errors/budget-definition-error.js';
import {
  checkRoute,
  parseAlertAt,
  parseBudgetAction,
  parseBudgetPeriod,
  parseTimeZone,
  parseUsdToNanos,
  parseWarnAt,
} from './parse.js';
import type { BudgetDefinition, BudgetFileProblem, BudgetFileResult } from './types.js';

/** Top-level keys of the file: `budgets` here; the alerts package reads `sinks` (and `alerts`). */
export const BUDGETS_FILE_KEYS = ['budgets', 'sinks', 'alerts'] as const;
/** The keys of one budget entry. */
export const BUDGET_ENTRY_KEYS = [
  'name',
  'limit_usd',
  'period',
  'tz',
  ...BUDGET_SCOPE_FIELDS,
  'action',
  'route',
  'alert_at',
  'warn_at',
] as const;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

class EntryProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function field<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof BudgetDefinitionError) throw new EntryProblem(name, e.message);
    throw e;
  }
}

function text(entry: Record<string, unknown>, key: string): string | undefined {
  const v = entry[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && key !== 'name') return String(v);
  if (typeof v !== 'string' || v.trim() === '') throw new EntryProblem(key, 'must be a non-empty string');
  return v.trim();
}

/** Checks one entry; throws EntryProblem naming the first bad field. */
function readEntry(entry: unknown, defaultTimeZone: string): BudgetDefinition {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new EntryProblem('', 'must be a mapping with name, limit_usd and period');
  const e = entry as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (!(BUDGET_ENTRY_KEYS as readonly string[]).includes(key))
      throw new EntryProblem(key, `unknown field: use ${BUDGET_ENTRY_KEYS.join(', ')}`);
  }
  const name = text(e, 'name');
  if (name === undefined) throw new EntryProblem('name', 'is required: a unique name, like daily-openai');
  if (!NAME.test(name))
    throw new EntryProblem(
      'name',
      `"${name}": letters, digits and . _ : - only (at most 100), like daily-openai`,
    );
  if (e.limit_usd === undefined)
    throw new EntryProblem('limit_usd', 'is required: the limit in USD, like 50');
  if (typeof e.limit_usd !== 'number' && typeof e.limit_usd !== 'string')
    throw new EntryProblem('limit_usd', 'must be an amount in USD, like 50 or 12.5');
  const limitNanos = field('limit_usd', () => parseUsdToNanos(e.limit_usd as string | number));
  const periodText = text(e, 'period');
  if (periodText === undefined)
    throw new EntryProblem('period', 'is required: day, week, month or rolling:<N>h');
  const period = field('period', () => parseBudgetPeriod(periodText));
  const input: DefinitionInput = { source: 'file', id: name, name, period, limitNanos };
  const tz = text(e, 'tz');
  if (tz !== undefined) input.timeZone = field('tz', () => parseTimeZone(tz));
  const scope: Partial<BudgetScope> = {};
  for (const f of BUDGET_SCOPE_FIELDS) {
    const v = text(e, f);
    if (v !== undefined) scope[f] = v;
  }
  Object.assign(input, scope);
  const action = text(e, 'action');
  if (action !== undefined) input.action = field('action', () => parseBudgetAction(action));
  if (e.route !== undefined) {
    const r = e.route;
    if (typeof r !== 'object' || r === null || Array.isArray(r))
      throw new EntryProblem(
        'route',
        'must map each model to the cheaper one to send, like {gpt-4o: gpt-4o-mini}',
      );
    input.route = field('route', () => checkRoute(r as Record<string, unknown>));
  }
  if (input.action === 'route-cheap' && Object.keys(input.route ?? {}).length === 0)
    throw new EntryProblem(
      'route',
      'is required with action route-cheap: which model to send instead of which',
    );
  if (e.alert_at !== undefined) {
    const a = e.alert_at;
    if (!Array.isArray(a) && typeof a !== 'string' && typeof a !== 'number')
      throw new EntryProblem('alert_at', 'must be a list of percentages, like [50, 80, 100]');
    input.alertAt = field('alert_at', () =>
      parseAlertAt(Array.isArray(a) ? a : typeof a === 'number' ? [a] : a),
    );
  }
  if (e.warn_at !== undefined) {
    const w = e.warn_at;
    if (typeof w !== 'number' && typeof w !== 'string')
      throw new EntryProblem('warn_at', 'must be a fraction from 0 to 1, like 0.8');
    input.warnAt = field('warn_at', () => parseWarnAt(w));
  }
  return makeDefinition(input, defaultTimeZone);
}

/** Checks a parsed budgets document: the budgets it could read, and one problem per bad entry. */
export function validateBudgets(
  doc: unknown,
  file = 'budgets file',
  defaultTimeZone: string = localTimeZone(),
): BudgetFileResult {
  const problems: BudgetFileProblem[] = [];
  const budgets: BudgetDefinition[] = [];
  if (doc === undefined || doc === null) return { budgets, problems };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    problems.push({ file, path: '', reason: 'must be a mapping with a `budgets:` list' });
    return { budgets, problems };
  }
  const top = doc as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (!(BUDGETS_FILE_KEYS as readonly string[]).includes(key))
      problems.push({ file, path: key, reason: `unknown key: use ${BUDGETS_FILE_KEYS.join(', ')}` });
  }
  const list = top.budgets;
  if (list === undefined || list === null) return { budgets, problems };
  if (!Array.isArray(list)) {
    problems.push({ file, path: 'budgets', reason: 'must be a list of budgets' });
    return { budgets, problems };
  }
  const names = new Set<string>();
  list.forEach((entry, i) => {
    const at = `budgets[${i}]`;
    try {
      const def = readEntry(entry, defaultTimeZone);
      if (names.has(def.name!)) throw new EntryProblem('name', `"${def.name}" is used by an earlier budget`);
      names.add(def.name!);
      budgets.push(def);
    } catch (e) {
      if (!(e instanceof EntryProblem)) throw e;
      const name = (entry as { name?: unknown } | null)?.name;
      const which = typeof name === 'string' ? ` (${name})` : '';
      problems.push({
        file,
        path: e.field ? `${at}.${e.field}` : at,
        reason: `${e.message}; budget${which} left out`,
      });
    }
  });
  return { budgets, problems };
}

let yamlModule: { parseDocument: typeof ParseDocument } | undefined;

/** The `yaml` package, loaded with the first budgets file (the distro loads this package on an app's first LLM request). */
function yaml(): { parseDocument: typeof ParseDocument } {
  yamlModule ??= requireForCaller()('yaml') as { parseDocument: typeof ParseDocument };
  return yamlModule;
}

/** Parses a budgets file's text (YAML or JSON). Never throws. */
export function parseBudgetsFile(
  text: string,
  file = 'budgets file',
  defaultTimeZone?: string,
): BudgetFileResult {
  const d = yaml().parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (d.errors.length) {
    const first = d.errors[0]!;
    return {
      budgets: [],
      problems: [
        { file, path: '', reason: `not valid YAML: ${first.message.split('\n')[0]}; no budget read from it` },
      ],
    };
  }
  return validateBudgets(d.toJS(), file, defaultTimeZone);
}

/** Reads and checks a budgets file. Never throws: an unreadable file is one problem. */
export function loadBudgetsFile(path: string, defaultTimeZone?: string): BudgetFileResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    return { budgets: [], problems: [{ file: path, path: '', reason: `cannot read: ${reason}` }] };
  }
  return parseBudgetsFile(text, path, defaultTimeZone);
}

/** One line for a problem: `budgets.yaml: budgets[2].period: "weekly" is not a period: ...`. */
export function formatBudgetFileProblem(p: BudgetFileProblem): string {
  return `${p.file}: ${p.path ? `${p.path}: ` : ''}${p.reason}`;
}
