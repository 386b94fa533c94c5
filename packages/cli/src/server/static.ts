// The dashboard's files, read once at start and served from memory: src/dashboard (plain ES modules
// and CSS, no build step) and uPlot's dist from node_modules.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** URL path → file. Only these are served (no directory walking). */
function files(packageRoot: string): Record<string, string> {
  const dash = path.join(packageRoot, 'src', 'dashboard');
  const uplot = path.dirname(createRequire(path.join(packageRoot, 'package.json')).resolve('uplot'));
  return {
    '/': path.join(dash, 'index.html'),
    '/assets/app.js': path.join(dash, 'app.js'),
    '/assets/format.js': path.join(dash, 'format.js'),
    '/assets/charts.js': path.join(dash, 'charts.js'),
    '/assets/style.css': path.join(dash, 'style.css'),
    '/assets/icon.svg': path.join(dash, 'icon.svg'),
    '/assets/uPlot.esm.js': path.join(uplot, 'uPlot.esm.js'),
    '/assets/uPlot.min.css': path.join(uplot, 'uPlot.min.css'),
  };
}

export function loadAssets(packageRoot: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const [url, file] of Object.entries(files(packageRoot))) {
    const body = readFileSync(file);
    out.set(url, {
      body,
      type: TYPES[path.extname(file)] ?? 'application/octet-stream',
      etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`,
    });
  }
  return out;
}
