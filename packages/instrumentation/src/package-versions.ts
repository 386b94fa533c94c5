// @opentelemetry/instrumentation reads a hooked package's package.json (a `require` through the
// patched loader) each time a file of that package is required: 234 times for `require('openai')`
// (openai 6), a large part of what instrumenting adds to loading the SDK (bench/RESULTS.md,
// start-up). Once per package directory is enough: a loaded package's version does not change.

interface VersionReader {
  _extractPackageVersion(baseDir: string): string | undefined;
}

/** Makes `instrumentation` read each package's version once. */
export function readPackageVersionsOnce(instrumentation: object): void {
  const target = instrumentation as VersionReader;
  const read = target._extractPackageVersion;
  // Another @opentelemetry/instrumentation than the one this was written against: leave it alone.
  if (typeof read !== 'function') return;
  const versions = new Map<string, string | undefined>();
  target._extractPackageVersion = function (this: VersionReader, baseDir: string) {
    if (versions.has(baseDir)) return versions.get(baseDir);
    const version = read.call(this, baseDir);
    versions.set(baseDir, version);
    return version;
  };
}
