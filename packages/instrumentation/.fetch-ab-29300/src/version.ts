// The instrumentation scope of tokenmeter's spans and metrics. Keep PACKAGE_VERSION in step with
// package.json (the release script bumps both).
export const PACKAGE_NAME = '@tokenmeter/instrumentation';
export const PACKAGE_VERSION = '0.1.0';
