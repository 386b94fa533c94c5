export { createBatchWriter } from './batch-writer.js';
export { StoreError, type StoreErrorKind } from './errors/store-error.js';
export { StoreQueryError } from './errors/store-query-error.js';
export { SQLITE_BINDING } from './open.js';
export { defaultStorePath, resolveStorePath, STORE_FILE_NAME } from './paths.js';
export { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
export { openStore, SqliteCostStore } from './store.js';
export { parseDuration, periodBounds } from './time.js';
export type * from './types.js';
