// User overrides: the pricing file (TOKENMETER_PRICING_FILE, YAML or JSON) in genai-prices' words,
// validated by a schema written as code. Every problem is reported with file, path and reason; an
// entry with a problem is left out whole and the rest applies. What is read and parsed is bounded
// (file size, YAML aliases, rule nesting), so a hostile file costs one line, not the process.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readEnv, requireForCaller } from '@tokenmeter/config';
import type { parseDocument as ParseDocument } from 'yaml';
import { convertPriceTable, isIsoDate, parseTimeOfDay } from './catalog/convert.js';
import type { SnapshotConditionalPrice, SnapshotModel } from './internal-types.js';
import { checkMatch } from './match.js';
import { parseScaled, rationalFromDecimal } from './money.js';
import type {
  MatchLogic,
  OverrideModel,
  OverridePriceKey,
  PricingFileResult,
  PricingOverrides,
  PricingProblem,
} from './types.js';
import { userRegexProblem } from './user-regex.js';

/** The environment variable naming the pricing file. */
export const PRICING_FILE_ENV = 'TOKENMETER_PRICING_FILE' as const;

/** Largest pricing file read (1 MiB: about 5,000 models; parsing one takes well under a second). */
export const MAX_PRICING_FILE_BYTES = 1024 * 1024;

let yamlModule: { parseDocument: typeof ParseDocument } | undefined;

/** The `yaml` package, loaded when the first YAML pricing file is read (most processes read none). */
function yaml(): { parseDocument: typeof ParseDocument } {
  yamlModule ??= requireForCaller()('yaml') as { parseDocument: typeof ParseDocument };
  return yamlModule;
}

/** YAML alias references allowed in a pricing file (the `yaml` package's default; stops alias bombs). */
const MAX_YAML_ALIASES = 100;

const PRICE_KEYS: readonly OverridePriceKey[] = [
  'input_mtok',
  'output_mtok',
  'cache_read_mtok',
  'cache_write_mtok',
  'cache_write_1h_mtok',
  'input_audio_mtok',
  'cache_audio_read_mtok',
  'output_audio_mtok',
  'output_reasoning_mtok',
  'requests_kcount',
];
const ROOT_KEYS = ['models', 'discounts', 'azure_deployments'];
const MODEL_KEYS = [
  'id',
  'provider',
  'name',
  'match',
  'prices',
  'price_comments',
  'prices_checked',
  'context_window',
];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

class Problems {
  readonly list: PricingProblem[] = [];
  constructor(readonly file: string) {}
  add(path: string, reason: string): void {
    this.list.push({ file: this.file, path, reason });
  }
}

function checkDecimal(v: unknown, path: string, p: Problems): boolean {
  if (typeof v !== 'number' && typeof v !== 'string') {
    p.add(
      path,
      `must be a number (USD), got ${v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v}`,
    );
    return false;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) {
    p.add(path, `must be a finite number, got ${v}`);
    return false;
  }
  const r = parseScaled(v);
  if (!r) {
    const neg = typeof v === 'number' ? v < 0 : v.trim().startsWith('-');
    p.add(
      path,
      neg ? `must not be negative, got ${v}` : `must be a decimal number, got ${JSON.stringify(v)}`,
    );
    return false;
  }
  if (r.rounded) {
    p.add(path, `has more than 6 decimal places (${v}); tokenmeter keeps prices to 1e-6 USD`);
    return false;
  }
  return true;
}

function checkPrices(v: unknown, path: string, p: Problems): boolean {
  if (!isObject(v)) {
    p.add(path, 'must be a mapping of price keys (input_mtok, output_mtok, ...)');
    return false;
  }
  let ok = true;
  for (const [k, value] of Object.entries(v)) {
    const at = `${path}.${k}`;
    if (!PRICE_KEYS.includes(k as OverridePriceKey)) {
      p.add(at, `unknown price key; use one of ${PRICE_KEYS.join(', ')}`);
      ok = false;
      continue;
    }
    if (isObject(value)) {
      const extra = Object.keys(value).filter((x) => x !== 'base' && x !== 'tiers');
      if (extra.length) {
        p.add(at, `tiered price takes base and tiers only (got ${extra.join(', ')})`);
        ok = false;
      }
      ok = checkDecimal(value.base, `${at}.base`, p) && ok;
      if (!Array.isArray(value.tiers) || value.tiers.length === 0) {
        p.add(`${at}.tiers`, 'must be a non-empty list of {start, price}');
        ok = false;
      } else {
        value.tiers.forEach((t, i) => {
          if (!isObject(t)) {
            p.add(`${at}.tiers[${i}]`, 'must be {start, price}');
            ok = false;
            return;
          }
          if (typeof t.start !== 'number' || !Number.isSafeInteger(t.start) || t.start < 0) {
            p.add(`${at}.tiers[${i}].start`, 'must be a non-negative integer (input tokens)');
            ok = false;
          }
          ok = checkDecimal(t.price, `${at}.tiers[${i}].price`, p) && ok;
        });
      }
    } else {
      ok = checkDecimal(value, at, p) && ok;
    }
  }
  if (ok) {
    const r = convertPriceTable(v, path, { rounded: [], dropped: [], otherUnits: {} });
    if ('problem' in r) {
      p.add(path, r.problem);
      ok = false;
    }
  }
  return ok;
}

function checkConstraint(v: unknown, path: string, p: Problems): boolean {
  if (!isObject(v)) {
    p.add(path, 'must be {start_date: YYYY-MM-DD} or {start_time, end_time}');
    return false;
  }
  const keys = Object.keys(v).sort().join(',');
  if (keys === 'start_date') {
    const d = v.start_date;
    if (!isIsoDate(d)) {
      p.add(`${path}.start_date`, `must be a date YYYY-MM-DD, got ${JSON.stringify(d)}`);
      return false;
    }
    return true;
  }
  if (keys === 'end_time,start_time') {
    let ok = true;
    for (const k of ['start_time', 'end_time']) {
      if (typeof v[k] !== 'string' || parseTimeOfDay(v[k] as string) === null) {
        p.add(`${path}.${k}`, `must be a time of day like 00:30:00Z, got ${JSON.stringify(v[k])}`);
        ok = false;
      }
    }
    return ok;
  }
  p.add(path, `must be {start_date} or {start_time, end_time} (got ${keys || 'nothing'})`);
  return false;
}

function checkModel(m: unknown, path: string, p: Problems): m is OverrideModel {
  if (!isObject(m)) {
    p.add(path, 'must be a mapping with id and prices');
    return false;
  }
  const before = p.list.length;
  for (const k of Object.keys(m))
    if (!MODEL_KEYS.includes(k)) p.add(`${path}.${k}`, `unknown key; use one of ${MODEL_KEYS.join(', ')}`);
  if (typeof m.id !== 'string' || m.id.trim() === '') p.add(`${path}.id`, 'is required (a non-empty string)');
  for (const k of ['provider', 'name', 'price_comments', 'prices_checked']) {
    if (m[k] !== undefined && (typeof m[k] !== 'string' || m[k] === ''))
      p.add(`${path}.${k}`, 'must be a non-empty string');
  }
  if (
    m.context_window !== undefined &&
    (!Number.isSafeInteger(m.context_window) || (m.context_window as number) <= 0)
  ) {
    p.add(`${path}.context_window`, 'must be a positive integer');
  }
  if (m.match !== undefined) {
    const model = typeof m.id === 'string' ? `model ${JSON.stringify(m.id)}: ` : '';
    for (const [at, why] of checkMatch(m.match, `${path}.match`, userRegexProblem)) p.add(at, model + why);
  }
  if (m.prices === undefined) {
    p.add(`${path}.prices`, 'is required');
  } else if (Array.isArray(m.prices)) {
    if (m.prices.length === 0) p.add(`${path}.prices`, 'must not be an empty list');
    m.prices.forEach((e, i) => {
      const at = `${path}.prices[${i}]`;
      if (!isObject(e)) {
        p.add(at, 'must be {constraint?, prices}');
        return;
      }
      for (const k of Object.keys(e))
        if (k !== 'constraint' && k !== 'prices') p.add(`${at}.${k}`, 'unknown key; use constraint, prices');
      if (e.constraint !== undefined) checkConstraint(e.constraint, `${at}.constraint`, p);
      checkPrices(e.prices, `${at}.prices`, p);
    });
  } else {
    checkPrices(m.prices, `${path}.prices`, p);
  }
  return p.list.length === before;
}

/**
 * Validates overrides (parsed from a file or built in code). Returns the valid part and every
 * problem; an entry (a model, a discount, a deployment) with any problem is left out whole.
 */
export function validateOverrides(doc: unknown, fileName = '<overrides>'): PricingFileResult {
  const p = new Problems(fileName);
  const overrides: PricingOverrides = {};
  if (doc === null || doc === undefined) return { overrides, problems: p.list };
  if (!isObject(doc)) {
    p.add('', 'must be a mapping with models, discounts and/or azure_deployments');
    return { overrides, problems: p.list };
  }
  for (const k of Object.keys(doc))
    if (!ROOT_KEYS.includes(k)) p.add(k, `unknown key; use one of ${ROOT_KEYS.join(', ')}`);
  if (doc.models !== undefined) {
    if (!Array.isArray(doc.models)) p.add('models', 'must be a list');
    else {
      const models: OverrideModel[] = [];
      doc.models.forEach((m, i) => {
        if (checkModel(m, `models[${i}]`, p)) models.push(m);
      });
      overrides.models = models;
    }
  }
  if (doc.discounts !== undefined) {
    if (!isObject(doc.discounts))
      p.add('discounts', 'must be a mapping of provider to multiplier, e.g. {openai: 0.8}');
    else {
      const discounts: Record<string, number | string> = {};
      for (const [k, v] of Object.entries(doc.discounts)) {
        const r = typeof v === 'number' || typeof v === 'string' ? rationalFromDecimal(v) : null;
        if (!r)
          p.add(
            `discounts.${k}`,
            `must be a decimal multiplier with at most 9 places, got ${JSON.stringify(v)}`,
          );
        else if (r.num === 0 || r.num / r.den > 10)
          p.add(`discounts.${k}`, `must be > 0 and ≤ 10 (0.8 = 20% off), got ${v}`);
        else discounts[k] = v as number | string;
      }
      overrides.discounts = discounts;
    }
  }
  if (doc.azure_deployments !== undefined) {
    if (!isObject(doc.azure_deployments))
      p.add('azure_deployments', 'must be a mapping of deployment name to model');
    else {
      const deployments: Record<string, string> = {};
      for (const [k, v] of Object.entries(doc.azure_deployments)) {
        if (typeof v !== 'string' || v.trim() === '')
          p.add(`azure_deployments.${k}`, 'must be a model name (a non-empty string)');
        else deployments[k] = v;
      }
      overrides.azure_deployments = deployments;
    }
  }
  return { overrides, problems: p.list };
}

/** A pricing file that gives no overrides at all: one problem at the document's root. */
function unusable(file: string, reason: string): PricingFileResult {
  return { overrides: {}, problems: [{ file, path: '', reason }] };
}

function tooLarge(file: string, size: string): PricingFileResult {
  return unusable(
    file,
    `is ${size}, over the ${MAX_PRICING_FILE_BYTES}-byte limit of a pricing file: not read, no overrides apply (the bundled catalog prices calls)`,
  );
}

/**
 * Parses and validates the text of a pricing file: JSON when `fileName` ends in `.json`, else YAML.
 * Never throws: a document that does not parse, is too large or expands too far gives no overrides
 * and its problems.
 */
export function parsePricingOverrides(text: string, fileName: string): PricingFileResult {
  if (text.length > MAX_PRICING_FILE_BYTES) return tooLarge(fileName, `${text.length} characters`);
  try {
    let doc: unknown;
    if (/\.json$/i.test(fileName)) {
      try {
        doc = JSON.parse(text);
      } catch (e) {
        return unusable(fileName, `not valid JSON: ${(e as Error).message}`);
      }
    } else {
      const { parseDocument } = yaml();
      const d = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
      if (d.errors.length) {
        return {
          overrides: {},
          problems: d.errors.map((e) => ({
            file: fileName,
            path: '',
            reason: `not valid YAML: ${e.message}`,
          })),
        };
      }
      try {
        doc = d.toJS({ maxAliasCount: MAX_YAML_ALIASES });
      } catch (e) {
        return unusable(
          fileName,
          `not used: its YAML aliases expand too far (${(e as Error).message}); a pricing file may follow at most ${MAX_YAML_ALIASES} alias references`,
        );
      }
    }
    return validateOverrides(doc, fileName);
  } catch (e) {
    // Nothing above is expected to throw; a document that still makes it (deep nesting) costs one line.
    return unusable(fileName, `cannot be used: ${(e as Error).message}`);
  }
}

/** The file's text, or the problem that stops it being read. Reads at most MAX_PRICING_FILE_BYTES + 1. */
function readBounded(path: string): string | PricingFileResult {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const stat = fstatSync(fd);
    if (!stat.isFile()) return unusable(path, 'cannot read: not a regular file');
    if (stat.size > MAX_PRICING_FILE_BYTES) return tooLarge(path, `${stat.size} bytes`);
    const buf = Buffer.alloc(MAX_PRICING_FILE_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got)
      got = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_PRICING_FILE_BYTES) return tooLarge(path, `over ${MAX_PRICING_FILE_BYTES} bytes`);
    return buf.toString('utf8', 0, n);
  } catch (e) {
    return unusable(path, `cannot read: ${(e as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads and validates a pricing file. Never throws: an unreadable or oversized file is one problem. */
export function loadPricingFile(path: string): PricingFileResult {
  const text = readBounded(path);
  return typeof text === 'string' ? parsePricingOverrides(text, path) : text;
}

/** Loads the file named by TOKENMETER_PRICING_FILE, or returns undefined when it is not set. */
export function loadPricingFileFromEnv(
  env: Record<string, string | undefined> = process.env,
): PricingFileResult | undefined {
  const path = readEnv(env, [PRICING_FILE_ENV]).values[PRICING_FILE_ENV];
  return path ? loadPricingFile(path) : undefined;
}

/** An override model in snapshot form (integer prices). Call only on validated models. */
export function overrideToSnapshotModel(m: OverrideModel): SnapshotModel {
  const entries = Array.isArray(m.prices) ? m.prices : [{ prices: m.prices }];
  const prices: SnapshotConditionalPrice[] = entries.map((e) => {
    const t = convertPriceTable(e.prices, m.id, { rounded: [], dropped: [], otherUnits: {} });
    if ('problem' in t) throw new Error(t.problem);
    return 'constraint' in e && e.constraint
      ? { constraint: e.constraint, prices: t.prices }
      : { prices: t.prices };
  });
  const out: SnapshotModel = { id: m.id, match: (m.match ?? { equals: m.id }) as MatchLogic, prices };
  if (m.name) out.name = m.name;
  if (m.context_window) out.context_window = m.context_window;
  if (m.price_comments) out.price_comments = m.price_comments;
  return out;
}
