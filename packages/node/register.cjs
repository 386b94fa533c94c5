// node --require @tokenmeter/node/register app.cjs   (loads the CommonJS build: no require(esm))
'use strict';
// Node also runs --require preloads in its module-hooks thread and in the app's worker threads:
// tokenmeter runs once, in the main thread. Checked before anything else loads, so that those
// threads do not load tokenmeter's whole module graph for nothing (the main thread waits for the
// hooks thread to start). Its start-up module graph comes from dist/cjs/preload-pack.txt when that
// was built (one file instead of ~140; src/preload-pack-loader.ts), else file by file.
if (require('node:worker_threads').isMainThread)
  require('./dist/cjs/preload-pack-loader.js').loadPreload(__filename).preload(__filename);
