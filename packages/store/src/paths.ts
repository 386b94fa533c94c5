// Where the store lives by default. The distro and the CLI resolve the path the same way, reading
// TOKENMETER_STORE and TOKENMETER_HOME through the environment table (@tokenmeter/config).
import os from 'node:os';
import path from 'node:path';
import { readEnv } from '@tokenmeter/config';

/** File name of the store inside the tokenmeter home directory. */
export const STORE_FILE_NAME = 'tokenmeter.db';

type Env = Record<string, string | undefined>;

/**
 * The default store path: `$TOKENMETER_HOME/tokenmeter.db` when TOKENMETER_HOME is set, else
 * `~/.tokenmeter/tokenmeter.db`. (XDG_DATA_HOME is deliberately not used: one well-known place
 * that `tokenmeter doctor` can print is easier to find on a laptop and a server alike.)
 */
export function defaultStorePath(env: Env = process.env): string {
  const home = readEnv(env, ['TOKENMETER_HOME']).values.TOKENMETER_HOME;
  if (home) return path.join(home, STORE_FILE_NAME);
  return path.join(os.homedir(), '.tokenmeter', STORE_FILE_NAME);
}

/**
 * Resolves TOKENMETER_STORE: unset or empty → the default path; `off` (also `none`, `false`, `0`,
 * `no`, any case) → null (no store); anything else → that path, resolved against the working
 * directory (`~/` expands to the home directory).
 */
export function resolveStorePath(env: Env = process.env): string | null {
  const store = readEnv(env, ['TOKENMETER_STORE']).values.TOKENMETER_STORE;
  return store === undefined ? defaultStorePath(env) : store;
}
