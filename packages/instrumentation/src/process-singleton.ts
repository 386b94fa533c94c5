/**
 * One instance per process, kept on `globalThis` under a registered symbol, so the ESM and the
 * CommonJS builds of this package (both can be loaded in one process) share it.
 */
export function processSingleton<T>(key: symbol, make: () => T): T {
  const g = globalThis as Record<symbol, T | undefined>;
  let v = g[key];
  if (v === undefined) {
    v = make();
    g[key] = v;
  }
  return v;
}
