// The store's schema as numbered migrations. PRAGMA user_version holds the number of the last one
// applied. Each migration runs in its own IMMEDIATE transaction, which re-reads user_version first,
// so several processes opening a new file at once migrate it exactly once.
//
// Policy: a released migration is never edited; a change is a new migration appended to the list.
// A file whose version is higher than this code knows is refused (StoreError 'newer_schema').
import type { Database } from './driver/index.js';

/** The cost measures in nano-USD, in MEASURES order: what a reprice rewrites and moves. */
export const COST_MEASURES = [
  'cost_nanos',
  'input_cost_nanos',
  'output_cost_nanos',
  'cache_read_cost_nanos',
  'cache_write_cost_nanos',
] as const;

/** Measure columns shared by every rollup table (sums over the calls of the bucket and key). */
export const MEASURES = [
  'calls',
  'errors',
  'unpriced',
  'estimated',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  ...COST_MEASURES,
] as const;

/** The same sums computed from raw rows of `calls`, in MEASURES order. */
export const RAW_MEASURES = [
  'count(*)',
  'count(error_type)',
  'sum(priced = 0)',
  'sum(estimated)',
  'sum(input_tokens)',
  'sum(output_tokens)',
  'sum(cache_read_tokens)',
  'sum(cache_write_tokens)',
  'sum(reasoning_tokens)',
  'sum(cost_nanos)',
  'sum(input_cost_nanos)',
  'sum(output_cost_nanos)',
  'sum(cache_read_cost_nanos)',
  'sum(cache_write_cost_nanos)',
] as const;

/**
 * One call's own value of each of MEASURES, as SQL over its row of `calls` (summed, RAW_MEASURES);
 * a NULL counts 0, an unknown `priced` as unpriced.
 */
export const ROW_MEASURES = [
  '1',
  'error_type IS NOT NULL',
  'CASE WHEN priced THEN 0 ELSE 1 END',
  'coalesce(estimated, 0)',
  'coalesce(input_tokens, 0)',
  'coalesce(output_tokens, 0)',
  'coalesce(cache_read_tokens, 0)',
  'coalesce(cache_write_tokens, 0)',
  'coalesce(reasoning_tokens, 0)',
  'coalesce(cost_nanos, 0)',
  'coalesce(input_cost_nanos, 0)',
  'coalesce(output_cost_nanos, 0)',
  'coalesce(cache_read_cost_nanos, 0)',
  'coalesce(cache_write_cost_nanos, 0)',
] as const satisfies { length: (typeof MEASURES)['length'] };

/**
 * Rollup time grains. Inserts write 'hour'; the 'day' and 'all' rollups are compacted from whole
 * hours (see COMPACTED_UNTIL), so a batch upserts each distinct key once, not once per grain.
 */
export type Grain = 'hour' | 'day' | 'all';

export interface CubeSchema {
  name: string;
  /** Key columns besides the bucket; each is a strings.id, 0 when not set. */
  dims: readonly string[];
  grains: readonly Grain[];
  /**
   * No hourly table: the day rows are compacted straight from the raw rows of each finished hour
   * (so the cube costs nothing per batch), and partial days are read from raw rows.
   */
  fromRaw?: boolean;
}

/**
 * Rollups as created by migration 2, smallest first. Each extra dimension multiplies the keys a
 * batch upserts, so attribution cubes keep only the model dimensions (user keeps only its tenant).
 */
export const CUBES_V2: readonly CubeSchema[] = [
  {
    name: 'base',
    dims: ['provider', 'request_model', 'response_model', 'operation', 'service'],
    grains: ['hour', 'day'],
  },
  {
    name: 'feature',
    dims: ['feature', 'provider', 'request_model', 'response_model'],
    grains: ['hour', 'day'],
  },
  {
    name: 'tenant',
    dims: ['tenant', 'provider', 'request_model', 'response_model'],
    grains: ['hour', 'day', 'all'],
  },
  { name: 'feature_tenant', dims: ['feature', 'tenant'], grains: ['hour', 'day'] },
  { name: 'user', dims: ['user', 'tenant'], grains: ['hour', 'day'] },
  // A user's spend by model or feature: ~0.6 keys per call per batch as an hourly cube (a quarter
  // of the ingest rate), so it is daily only, built once an hour from the hour's raw rows.
  {
    name: 'user_detail',
    dims: ['user', 'tenant', 'feature', 'provider', 'request_model', 'response_model'],
    grains: ['day'],
    fromRaw: true,
  },
];

/**
 * The usage cube (migration 5): per UTC day, feature, model and the tier a call was priced at, every
 * token sum and cost. What-if, savings and re-pricing questions price these sums again. Day rows
 * are compacted from raw rows (no per-batch cost); the rest of a range is read from raw rows.
 */
export const USAGE_CUBE: CubeSchema = {
  name: 'usage',
  dims: ['feature', 'provider', 'request_model', 'response_model', 'pricing_tier'],
  grains: ['day'],
  fromRaw: true,
};

/** The rollups of the current schema, smallest first (the planner takes the first that fits). */
export const CUBES_V5: readonly CubeSchema[] = [...CUBES_V2, USAGE_CUBE];

export function rollupTable(cube: string, grain: Grain): string {
  return `rollup_${cube}_${grain}`;
}

/** SQL for the start of the UTC bucket holding `start_time` (floor, also for negative times). */
export function bucketSql(grain: Grain): string {
  if (grain === 'all') return '0';
  const size = grain === 'hour' ? 3_600_000 : 86_400_000;
  return `(start_time - (((start_time % ${size}) + ${size}) % ${size}))`;
}

const V1 = `
CREATE TABLE strings (
  id INTEGER PRIMARY KEY,
  value TEXT NOT NULL UNIQUE
);

CREATE TABLE calls (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  start_time INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  ttfc_ms REAL,
  service INTEGER,
  provider INTEGER NOT NULL,
  operation INTEGER NOT NULL,
  request_model INTEGER,
  response_model INTEGER,
  response_id TEXT,
  finish_reasons INTEGER,
  stream INTEGER NOT NULL,
  server_address INTEGER,
  service_tier INTEGER,
  batch INTEGER NOT NULL,
  usage_known INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  estimated INTEGER NOT NULL,
  priced INTEGER NOT NULL,
  cost_nanos INTEGER NOT NULL,
  input_cost_nanos INTEGER NOT NULL,
  output_cost_nanos INTEGER NOT NULL,
  cache_read_cost_nanos INTEGER NOT NULL,
  cache_write_cost_nanos INTEGER NOT NULL,
  pricing_match INTEGER NOT NULL,
  pricing_provider INTEGER,
  pricing_model INTEGER,
  pricing_source INTEGER,
  pricing_version INTEGER,
  pricing_tier INTEGER,
  error_type INTEGER,
  http_status INTEGER,
  feature INTEGER,
  user INTEGER,
  tenant INTEGER,
  trace_id TEXT,
  span_id TEXT
);
CREATE INDEX calls_time ON calls(start_time);

CREATE TABLE budgets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  period TEXT NOT NULL CHECK (period IN ('day', 'week', 'month')),
  limit_nanos INTEGER NOT NULL,
  tenant TEXT NOT NULL DEFAULT '',
  feature TEXT NOT NULL DEFAULT '',
  provider TEXT NOT NULL DEFAULT '',
  warn_at REAL NOT NULL DEFAULT 0.8,
  created_ms INTEGER NOT NULL,
  UNIQUE (period, tenant, feature, provider)
);

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

// Dictionary-decoded view of calls, for people reading the file with the sqlite3 shell. A later
// schema recreates it with the columns added since, appended (earlier columns keep their order).
const VIEW_DICT_COLUMNS_V2 = [
  'service',
  'provider',
  'operation',
  'request_model',
  'response_model',
  'finish_reasons',
  'server_address',
  'service_tier',
  'pricing_match',
  'pricing_provider',
  'pricing_model',
  'pricing_source',
  'pricing_version',
  'pricing_tier',
  'error_type',
  'feature',
  'user',
  'tenant',
];

const VIEW_COLUMNS_V2 = [
  'c.response_id',
  'c.stream',
  'c.batch',
  'c.usage_known',
  'c.input_tokens',
  'c.output_tokens',
  'c.cache_read_tokens',
  'c.cache_write_tokens',
  'c.reasoning_tokens',
  'c.estimated',
  'c.priced',
  'c.cost_nanos',
  'c.cost_nanos / 1e9 AS cost_usd',
  'c.input_cost_nanos',
  'c.output_cost_nanos',
  'c.cache_read_cost_nanos',
  'c.cache_write_cost_nanos',
  'c.http_status',
  'c.trace_id',
  'c.span_id',
];

/** The calls_view of schema 2, plus `extra` columns (dictionary columns as `s_<col>.value`) at its end. */
function callsViewSql(extraDict: readonly string[] = [], extra: readonly string[] = []): string {
  const sel = [
    'c.id',
    'c.start_time',
    "strftime('%Y-%m-%dT%H:%M:%fZ', c.start_time / 1000.0, 'unixepoch') AS start_iso",
    'c.duration_ms',
    'c.ttfc_ms',
  ];
  const joins: string[] = [];
  for (const col of [...VIEW_DICT_COLUMNS_V2, ...extraDict]) {
    joins.push(`LEFT JOIN strings s_${col} ON s_${col}.id = c.${col}`);
  }
  for (const col of VIEW_DICT_COLUMNS_V2) sel.push(`s_${col}.value AS ${col}`);
  sel.push(...VIEW_COLUMNS_V2, ...extra);
  return `CREATE VIEW calls_view AS SELECT ${sel.join(', ')} FROM calls c ${joins.join(' ')};`;
}

const CALLS_VIEW = callsViewSql();

function rollupDdl(cubes: readonly CubeSchema[]): string {
  const out: string[] = [];
  for (const cube of cubes) {
    for (const grain of cube.grains) {
      const table = rollupTable(cube.name, grain);
      const dimCols = cube.dims.map((d) => `${d} INTEGER NOT NULL`);
      const measureCols = MEASURES.map((m) => `${m} INTEGER NOT NULL`);
      const key = ['bucket', ...cube.dims].join(', ');
      out.push(
        `CREATE TABLE ${table} (bucket INTEGER NOT NULL, ${[...dimCols, ...measureCols].join(', ')}, PRIMARY KEY (${key})) WITHOUT ROWID;`,
      );
      // Backfill from the rows already stored.
      const dimSel = cube.dims.map((d) => `ifnull(${d}, 0)`);
      out.push(
        `INSERT INTO ${table} (bucket, ${cube.dims.join(', ')}, ${MEASURES.join(', ')}) ` +
          `SELECT ${bucketSql(grain)}, ${dimSel.join(', ')}, ${RAW_MEASURES.map((m) => `ifnull(${m}, 0)`).join(', ')} ` +
          `FROM calls GROUP BY ${Array.from({ length: cube.dims.length + 1 }, (_, i) => i + 1).join(', ')};`,
      );
    }
  }
  return out.join('\n');
}

/** meta key: hour (epoch ms) below which hourly rollups have been added into the day/all rollups. */
export const COMPACTED_UNTIL = 'rollups_compacted_until';

const V2 = `
${rollupDdl(CUBES_V2)}
INSERT INTO meta (key, value) SELECT '${COMPACTED_UNTIL}',
  ifnull((SELECT ${bucketSql('hour').replaceAll('start_time', 'max(start_time)')} + 3600000 FROM calls), ${Number.MIN_SAFE_INTEGER});
CREATE INDEX rollup_user_day_user ON rollup_user_day(user, bucket);
CREATE INDEX calls_errors ON calls(start_time) WHERE error_type IS NOT NULL;
CREATE INDEX calls_unpriced ON calls(start_time) WHERE priced = 0;
CREATE INDEX calls_estimated ON calls(start_time) WHERE estimated = 1;
${CALLS_VIEW}
`;

// Alerts (see alert-types.ts): sinks, the alert log (one firing row per key at most) and the
// delivery outbox, plus named leases so that one process at a time evaluates and delivers.
const V3 = `
CREATE TABLE alert_sinks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('webhook', 'slack', 'pagerduty')),
  url TEXT NOT NULL,
  secret TEXT,
  min_severity TEXT NOT NULL DEFAULT 'warning' CHECK (min_severity IN ('warning', 'critical')),
  created_ms INTEGER NOT NULL,
  UNIQUE (kind, url)
);

CREATE TABLE alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
  level REAL NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
  opened_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  resolved_ms INTEGER,
  notified_ms INTEGER,
  notified_level REAL,
  detail TEXT NOT NULL
);
CREATE UNIQUE INDEX alerts_firing_key ON alerts(key) WHERE state = 'firing';
CREATE INDEX alerts_opened ON alerts(opened_ms);

CREATE TABLE alert_outbox (
  id TEXT PRIMARY KEY,
  alert_id INTEGER NOT NULL REFERENCES alerts(id),
  sink TEXT NOT NULL,
  notice TEXT NOT NULL CHECK (notice IN ('trigger', 'resolve', 'test')),
  body TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  last_error TEXT,
  done_ms INTEGER
);
CREATE INDEX alert_outbox_due ON alert_outbox(next_attempt_ms) WHERE state = 'pending';
CREATE INDEX alert_outbox_alert ON alert_outbox(alert_id);

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  until_ms INTEGER NOT NULL
);
`;

// Budgets with every scope (model, user, service), a time zone, rolling windows, an action, a route
// map and alert thresholds; and the reservations of calls in flight (the budget ledger shared by the
// processes of one host). The table is recreated: SQLite cannot change a CHECK or UNIQUE constraint.
// Budget ids are kept, and so is the id sequence (a removed budget's id is never reused).
const V4 = `
CREATE TABLE budgets_v4 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL DEFAULT '',
  period TEXT NOT NULL CHECK (period IN ('day', 'week', 'month') OR period GLOB 'rolling:[1-9]*h'),
  limit_nanos INTEGER NOT NULL,
  provider TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  feature TEXT NOT NULL DEFAULT '',
  user TEXT NOT NULL DEFAULT '',
  tenant TEXT NOT NULL DEFAULT '',
  service TEXT NOT NULL DEFAULT '',
  time_zone TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL DEFAULT 'warn' CHECK (action IN ('warn', 'block', 'route-cheap')),
  route TEXT NOT NULL DEFAULT '{}',
  alert_at TEXT NOT NULL DEFAULT '',
  warn_at REAL NOT NULL DEFAULT 0.8,
  created_ms INTEGER NOT NULL,
  UNIQUE (period, provider, model, feature, user, tenant, service)
);
INSERT INTO budgets_v4 (id, period, limit_nanos, provider, feature, tenant, warn_at, created_ms)
  SELECT id, period, limit_nanos, provider, feature, tenant, warn_at, created_ms FROM budgets;
INSERT INTO sqlite_sequence (name, seq) SELECT 'budgets_v4', seq FROM sqlite_sequence WHERE name = 'budgets'
  AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'budgets_v4');
UPDATE sqlite_sequence SET seq = max(seq, ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'budgets'), 0))
  WHERE name = 'budgets_v4';
DROP TABLE budgets;
ALTER TABLE budgets_v4 RENAME TO budgets;

CREATE TABLE budget_reservations (
  id INTEGER PRIMARY KEY,
  ref TEXT NOT NULL,
  budget_key TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  nanos INTEGER NOT NULL,
  settled INTEGER NOT NULL DEFAULT 0,
  expires_ms INTEGER NOT NULL
);
`;

// The token counts a price depends on that the first schema folded into their parents: 1-hour cache
// writes (of cache_write_tokens) and audio tokens (of input, output and cache read). Re-pricing a
// stored call (`tokenmeter reprice`) needs them to give the price the preload gave. Calls stored
// before this migration read 0: their 1-hour writes and audio are re-priced at the parent's rate.
const V5 = `
ALTER TABLE calls ADD COLUMN cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN input_audio_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN output_audio_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN cache_audio_read_tokens INTEGER NOT NULL DEFAULT 0;
CREATE TABLE ${rollupTable(USAGE_CUBE.name, 'day')} (bucket INTEGER NOT NULL,
  ${USAGE_CUBE.dims.map((d) => `${d} INTEGER NOT NULL`).join(', ')},
  ${MEASURES.map((m) => `${m} INTEGER NOT NULL`).join(', ')},
  PRIMARY KEY (bucket, ${USAGE_CUBE.dims.join(', ')})) WITHOUT ROWID;
INSERT INTO ${rollupTable(USAGE_CUBE.name, 'day')} (bucket, ${USAGE_CUBE.dims.join(', ')}, ${MEASURES.join(', ')})
  SELECT ${bucketSql('day')}, ${USAGE_CUBE.dims.map((d) => `ifnull(${d}, 0)`).join(', ')},
  ${RAW_MEASURES.map((m) => `ifnull(${m}, 0)`).join(', ')}
  FROM calls WHERE start_time < ifnull((SELECT CAST(value AS INTEGER) FROM meta WHERE key = '${COMPACTED_UNTIL}'), ${Number.MIN_SAFE_INTEGER})
  GROUP BY ${Array.from({ length: USAGE_CUBE.dims.length + 1 }, (_, i) => i + 1).join(', ')};
`;

// A cost the provider or an AI gateway reported (OpenRouter's usage.cost, LiteLLM's
// x-litellm-response-cost) is the call's cost_nanos; tokenmeter's own price of the call stays beside
// it (local_cost_nanos, NULL when the model has no local price) so `tokenmeter cost --source local`
// can total the local prices. Such calls are few (only gateway calls): the local totals are the
// rollups' sums corrected by these rows, found through a partial index.
const V6 = `
ALTER TABLE calls ADD COLUMN cost_reported INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN local_cost_nanos INTEGER;
ALTER TABLE calls ADD COLUMN gateway INTEGER;
CREATE INDEX calls_cost_reported ON calls (start_time) WHERE cost_reported = 1;
`;

// The batch a call read from batch results belongs to (a dictionary id: a batch has many calls) and
// the custom id the application gave its request; calls_view gains every column added since
// schema 2 (tokens kept apart, reported and local cost, gateway, batch ids), appended.
const V7 = `
ALTER TABLE calls ADD COLUMN batch_id INTEGER;
ALTER TABLE calls ADD COLUMN batch_custom_id TEXT;
CREATE INDEX calls_batch ON calls (batch_id, start_time) WHERE batch_id IS NOT NULL;
DROP VIEW calls_view;
${callsViewSql(
  ['gateway', 'batch_id'],
  [
    'c.cache_write_1h_tokens',
    'c.input_audio_tokens',
    'c.output_audio_tokens',
    'c.cache_audio_read_tokens',
    'c.cost_reported',
    'c.local_cost_nanos',
    'c.local_cost_nanos / 1e9 AS local_cost_usd',
    's_gateway.value AS gateway',
    's_batch_id.value AS batch_id',
    'c.batch_custom_id',
  ],
)}
`;

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'calls, strings dictionary, budgets, meta', sql: V1 },
  {
    version: 2,
    description: 'hourly/daily/all-time rollups (backfilled), explorer indexes, calls_view',
    sql: V2,
  },
  { version: 3, description: 'alert sinks, alert log, delivery outbox, leases', sql: V3 },
  {
    version: 4,
    description:
      'budgets: every scope, time zone, rolling periods, action, route, alert thresholds; budget_reservations',
    sql: V4,
  },
  {
    version: 5,
    description:
      'calls: 1-hour cache writes and audio tokens kept apart (re-pricing needs them); the usage rollup (feature × model × priced tier, daily)',
    sql: V5,
  },
  {
    version: 6,
    description:
      'calls: provider-reported cost flagged, the local price kept beside it (local_cost_nanos), the AI gateway',
    sql: V6,
  },
  {
    version: 7,
    description:
      'calls: the batch id and custom id of calls read from batch results; calls_view with every column added since schema 2',
    sql: V7,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Applies the migrations above `user_version`, up to `target` (default: all). Returns the version
 * the file is at afterwards.
 */
export function migrate(db: Database, target: number = SCHEMA_VERSION): number {
  for (const m of MIGRATIONS) {
    if (m.version > target) break;
    const apply = db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current >= m.version) return;
      if (current !== m.version - 1) {
        throw new Error(`schema version ${current} cannot be migrated to ${m.version}`);
      }
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    });
    apply.immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
