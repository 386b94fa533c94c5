// The dashboard's files, read once at start and served from memory: src/dashboard and its views/
// (plain ES modules and CSS, no build step) and uPlot's dist from node_modules.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
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

/** Dashboard files served: this directory and views/, by extension (nothing else, no walking). */
const DASHBOARD_DIRS = ['', 'views'];
const DASHBOARD_FILE = /^[a-z][a-z0-9-]*\.(js|css|svg)$/;

/** URL path → file: `/`, the dashboard's files under /assets/, and uPlot's two files. */
function files(packageRoot: string): Record<string, string> {
  const dash = path.join(packageRoot, 'src', 'dashboard');
  const uplot = path.dirname(createRequire(path.join(packageRoot, 'package.json')).resolve('uplot'));
  const out: Record<string, string> = { '/': path.join(dash, 'index.html') };
  for (const dir of DASHBOARD_DIRS) {
    for (const name of readdirSync(path.join(dash, dir))) {
      if (!DASHBOARD_FILE.test(name)) continue;
      const rel = dir ? `${dir}/${name}` : name;
      out[`/assets/${rel}`] = path.join(dash, dir, name);
    }
  }
  out['/assets/uPlot.esm.js'] = path.join(uplot, 'uPlot.esm.js');
  out['/assets/uPlot.min.css'] = path.join(uplot, 'uPlot.min.css');
  return out;
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
