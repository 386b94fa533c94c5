// Which SQLite the store runs on: Node's built-in node:sqlite where this Node has it without a flag
// (22.13+, 23.4+, 24, 26: nothing to install or compile), else better-sqlite3 12, an optional
// dependency for the Nodes without it (Node 20). TOKENMETER_SQLITE_DRIVER picks one explicitly.
// One connection API over both (types.ts). Nothing is loaded until the first connection opens.
import { readEnv, requireForCaller } from '@tokenmeter/config';
import { type NodeSqliteModule, openNodeSqlite } from './node-sqlite.js';
import type { Database, OpenConnectionOptions } from './types.js';

export type { Database, OpenConnectionOptions, RunResult, Statement, Transaction } from './types.js';

export type DriverName = 'node:sqlite' | 'better-sqlite3';

type BetterSqlite3 = new (path: string, options?: { readonly?: boolean }) => unknown;

/** node:sqlite without `--experimental-sqlite`: Node 22.13+ and 23.4+. */
export function hasNodeSqlite(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13);
}

/** The driver TOKENMETER_SQLITE_DRIVER asks for (`auto` when unset or not understood), else by Node. */
export function defaultDriver(env: Record<string, string | undefined> = process.env): DriverName {
  const asked = readEnv(env, ['TOKENMETER_SQLITE_DRIVER']).values.TOKENMETER_SQLITE_DRIVER;
  if (asked === 'node:sqlite' || asked === 'better-sqlite3') return asked;
  return hasNodeSqlite() ? 'node:sqlite' : 'better-sqlite3';
}

const SQLITE_WARNING = /^SQLite is an experimental feature/;

/**
 * node:sqlite, loaded without the ExperimentalWarning Node 22 prints on its first use: a warning the
 * app never asked for must not appear on its stderr. Only that one warning, during this one call,
 * is dropped; should the app load node:sqlite itself afterwards, Node does not warn again.
 */
function loadNodeSqlite(): NodeSqliteModule {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning?.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if ((type ?? (warning as Error)?.name) === 'ExperimentalWarning' && SQLITE_WARNING.test(String(text)))
      return;
    return (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    const sqlite = requireHere('node:sqlite') as NodeSqliteModule;
    if (typeof sqlite?.DatabaseSync !== 'function') throw new Error('node:sqlite has no DatabaseSync');
    return sqlite;
  } catch (err) {
    throw new Error(
      `no SQLite driver: node:sqlite cannot be loaded on Node ${process.versions.node} (${firstLine(err)}). Use Node 22.13 or later, or set TOKENMETER_SQLITE_DRIVER=better-sqlite3 with better-sqlite3 installed.`,
      { cause: err },
    );
  } finally {
    process.emitWarning = emitWarning;
  }
}

function loadBetterSqlite3(): BetterSqlite3 {
  try {
    return requireHere('better-sqlite3') as BetterSqlite3;
  } catch (err) {
    const why = hasNodeSqlite()
      ? `TOKENMETER_SQLITE_DRIVER=better-sqlite3, but better-sqlite3 could not be loaded on Node ${process.versions.node} (${firstLine(err)}). Unset TOKENMETER_SQLITE_DRIVER to use node:sqlite, or rebuild better-sqlite3 for this Node (npm rebuild better-sqlite3).`
      : `Node ${process.versions.node} has no node:sqlite (Node 22.13 and later do) and the optional dependency better-sqlite3 could not be loaded (${firstLine(err)}). Install it allowing its install script (npm install better-sqlite3 --allow-scripts=better-sqlite3), or run on Node 22.13+.`;
    throw new Error(`no SQLite driver: ${why}`, { cause: err });
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0] ?? '';
}

/** `require` from this module's own file (in the ESM build and the CommonJS build alike). */
let requireFromHere: NodeJS.Require | undefined;
function requireHere(id: string): unknown {
  requireFromHere ??= requireForCaller();
  return requireFromHere(id);
}

let chosen: DriverName | undefined;
let nodeSqlite: NodeSqliteModule | undefined;
let betterSqlite3: BetterSqlite3 | undefined;

/** The driver this process uses (TOKENMETER_SQLITE_DRIVER, else by Node version; decided once). */
export function driverName(): DriverName {
  chosen ??= defaultDriver();
  return chosen;
}

/**
 * For benchmarks and tests: use this driver from now on; `module` replaces the better-sqlite3 this
 * package resolves (e.g. one built for another Node).
 */
export function useDriver(name: DriverName, module?: unknown): void {
  chosen = name;
  if (module) betterSqlite3 = module as BetterSqlite3;
}

/** The driver for diagnostics: `node:sqlite (Node 24.21.0)` or `better-sqlite3 12.11.1`. */
export function driverDescription(): string {
  if (driverName() === 'node:sqlite') return `node:sqlite (Node ${process.versions.node})`;
  try {
    return `better-sqlite3 ${(requireHere('better-sqlite3/package.json') as { version: string }).version}`;
  } catch {
    return 'better-sqlite3 (not installed)';
  }
}

/** Opens a connection on the chosen driver. Throws what the driver throws. */
export function openConnection(path: string, options: OpenConnectionOptions = {}): Database {
  if (driverName() === 'node:sqlite') {
    nodeSqlite ??= loadNodeSqlite();
    return openNodeSqlite(nodeSqlite, path, options);
  }
  betterSqlite3 ??= loadBetterSqlite3();
  return new betterSqlite3(path, { readonly: options.readonly === true }) as Database;
}
