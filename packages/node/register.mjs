// node --import @tokenmeter/node/register app.mjs   (ES module and CommonJS apps alike)
import { preload } from './dist/esm/register.js';

preload(import.meta.url);
