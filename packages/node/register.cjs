// node --require @tokenmeter/node/register app.cjs   (loads the CommonJS build: no require(esm))
'use strict';
// Node also runs --require preloads in its module-hooks thread and in the app's worker threads:
// tokenmeter runs once, in the main thread. Checked before anything else loads, so that those
// threads do not load tokenmeter's whole module graph for nothing (the main thread waits for the
// hooks thread to start).
if (require('node:worker_threads').isMainThread) require('./dist/cjs/register.js').preload(__filename);
