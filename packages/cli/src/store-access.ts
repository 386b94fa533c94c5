// Finding and opening the store for a command, with errors that say what to do.
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  type CostStore,
  importPendingSpills,
  openStore,
  resolveStorePath,
  StoreError,
} from '@tokenmeter/store';
import { type CommandContext, str } from './command.js';
import { CliError } from './errors/cli-error.js';

/** The store file of this command: --store, else TOKENMETER_STORE, else the default path. */
export function storePath(ctx: CommandContext): string {
  const flag = str(ctx, 'store');
  if (flag !== undefined) {
    if (flag.trim() === '') throw new CliError('--store: expected a file path');
    return path.resolve(
      ctx.io.cwd,
      // HOME, as the shell expands `~/` (a convention, not a tokenmeter setting: not in the env table).
      flag.startsWith('~/') ? path.join(ctx.io.env.HOME ?? '', flag.slice(2)) : flag,
    );
  }
  const resolved = resolveStorePath({ ...ctx.io.env });
  if (resolved === null) {
    throw new CliError('TOKENMETER_STORE is off, so there is no local store to read.', {
      hint: 'Pass --store PATH, or unset TOKENMETER_STORE to use ~/.tokenmeter/tokenmeter.db.',
    });
  }
  return path.resolve(ctx.io.cwd, resolved);
}

function wrap(e: unknown): never {
  if (e instanceof StoreError) throw new CliError(e.message, { cause: e });
  throw e;
}

/**
 * Imports the calls that apps could not write at exit (spill files next to the store) before a
 * command reads it, with one line on stderr. A store that cannot take them now keeps them for later.
 */
function importSpills(ctx: CommandContext, file: string): void {
  try {
    const done = importPendingSpills(file);
    if (done.files > 0) {
      ctx.io.stderr.write(
        `tokenmeter: imported ${done.calls} call${done.calls === 1 ? '' : 's'} that apps could not write at exit (${done.files} spill file${done.files === 1 ? '' : 's'} next to the store)\n`,
      );
    }
  } catch (e) {
    ctx.io.stderr.write(
      `tokenmeter: spill files next to ${file} were not imported yet (${(e as Error).message}); they are kept for the next run\n`,
    );
  }
}

/** Opens the store read-only; a store that needs a migration is migrated once (read-write). */
export function openForRead(ctx: CommandContext, file = storePath(ctx)): CostStore {
  if (!existsSync(file)) {
    throw new CliError(`No tokenmeter store at ${file}.`, {
      hint:
        'Run `tokenmeter demo` to make one with sample calls, or run your app with\n' +
        '`node --import @tokenmeter/node/register app.js` (it records to this file by default),\n' +
        'or point to another file with --store PATH.',
    });
  }
  importSpills(ctx, file);
  try {
    return openStore(file, { readonly: true });
  } catch (e) {
    if (e instanceof StoreError && e.kind === 'needs_migration') {
      try {
        openStore(file).close();
        return openStore(file, { readonly: true });
      } catch (e2) {
        wrap(e2);
      }
    }
    wrap(e);
  }
}

/** Opens (and creates when missing) the store read-write. */
export function openForWrite(ctx: CommandContext, file = storePath(ctx)): CostStore {
  if (existsSync(file)) importSpills(ctx, file);
  try {
    return openStore(file);
  } catch (e) {
    wrap(e);
  }
}
