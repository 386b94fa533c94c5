// node --require @tokenmeter/node/register app.cjs   (loads the CommonJS build: no require(esm))
'use strict';
require('./dist/cjs/register.js').preload(__filename);
