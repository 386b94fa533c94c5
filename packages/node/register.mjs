// node --import @tokenmeter/node/register app.mjs   (ES module and CommonJS apps alike)
//
// Loads the CommonJS build, as `--require` does: Node's CommonJS loader reads this module graph in
// about four fifths of the time its ES module loader takes (bench/RESULTS.md, start-up), and the
// two builds share their state (OpenTelemetry's globals, attribution keys made with Symbol.for), so
// an ES module app importing `@tokenmeter/node` meets the same tokenmeter. Node also runs preloads
// in the app's worker threads: tokenmeter runs once, in the main thread, checked before anything
// else loads.
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';

// Its start-up module graph comes from dist/cjs/preload-pack.txt when that was built (one file
// instead of ~140; src/preload-pack-loader.ts), else file by file.
if (isMainThread)
  createRequire(import.meta.url)('./dist/cjs/preload-pack-loader.js')
    .loadPreload(import.meta.url)
    .preload(import.meta.url);
