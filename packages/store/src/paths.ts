// Where the store lives by default. The distro and the CLI resolve the path the same way.
import os from 'node:os';
import path from 'node:path';

/** File name of the store inside the tokenmeter home directory. */
export const STORE_FILE_NAME = 'tokenmeter.db';

type Env = Record<string, string | undefined>;

/**
 * The default store path: `$TOKENMETER_HOME/tokenmeter.db` when TOKENMETER_HOME is set, else
 * `~/.tokenmeter/tokenmeter.db`. (XDG_DATA_HOME is deliberately not used: one well-known place
 * that `tokenmeter doctor` can print is easier to find on a laptop and a server alike.)
 */
export function defaultStorePath(env: Env = process.env): string {
  const home = env.TOKENMETER_HOME?.trim();
  if (home) return path.resolve(home, STORE_FILE_NAME);
  return path.join(os.homedir(), '.tokenmeter', STORE_FILE_NAME);
}

/**
 * Resolves TOKENMETER_STORE: unset or empty → the default path; `off` (any case), `false`, `0`,
 * `none` → null (no store); anything else → that path, resolved against the working directory
 * (`~/` expands to the home directory).
 */
export function resolveStorePath(env: Env = process.env): string | null {
  const raw = env.TOKENMETER_STORE?.trim();
  if (!raw) return defaultStorePath(env);
  if (/^(off|false|0|none)$/i.test(raw)) return null;
  if (raw === '~') return os.homedir();
  if (raw.startsWith('~/')) return path.join(os.homedir(), raw.slice(2));
  return path.resolve(raw);
}
