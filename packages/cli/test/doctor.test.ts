import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { freePort, makeStore, NOW, run, sampleCalls, tempDir } from './helpers.js';

/** A fake installed package (ESM-only exports without ./package.json, like openai's). */
function fakePackage(cwd: string, name: string, version: string): void {
  const dir = path.join(cwd, 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name, version, type: 'module', exports: { '.': { import: './index.js' } } }),
  );
  writeFileSync(path.join(dir, 'index.js'), 'export default 1;\n');
}

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

describe('tokenmeter doctor', () => {
  it('reports a healthy setup with exit 0', async (t) => {
    const dir = tempDir(t);
    fakePackage(dir, 'openai', '7.1.0');
    fakePackage(dir, '@anthropic-ai/sdk', '1.12.0');
    const store = makeStore(dir, sampleCalls(25, NOW - 86_400_000, NOW));
    const collector = createServer((s) => s.end());
    const otlpPort = await listen(collector);
    t.after(() => collector.close());
    const r = await run(['doctor', '--store', store], {
      cwd: dir,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort()),
      },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^node\n {2}✓ Node\.js \d+\.\d+\.\d+\n/);
    assert.match(r.stdout, /✓ openai 7\.1\.0 \(supported: client patch \+ fetch\)/);
    assert.match(r.stdout, /✓ @anthropic-ai\/sdk 1\.12\.0/);
    assert.match(
      r.stdout,
      /✓ environment settings valid \(OTEL_METRICS_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_PROMETHEUS_PORT\)|✓ environment settings valid/,
    );
    assert.match(
      r.stdout,
      new RegExp(
        `✓ ${store.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: [\\d.]+ KB, 25 calls, schema v\\d+, wal, SQLite 3\\.\\d+\\.\\d+ through (node:sqlite \\(Node \\d+\\.\\d+\\.\\d+\\)|better-sqlite3 12\\.\\d+\\.\\d+)`,
      ),
    );
    assert.match(r.stdout, /✓ OTLP traces endpoint http:\/\/127\.0\.0\.1:\d+\/v1\/traces is reachable/);
    assert.match(r.stdout, /✓ Prometheus port 127\.0\.0\.1:\d+ is free/);
    assert.match(r.stdout, /No problems found\./);
  });

  it('finds each problem, says how to fix it, and exits 1', async (t) => {
    const dir = tempDir(t);
    fakePackage(dir, 'openai', '3.3.0');
    const pricing = path.join(dir, 'prices.yaml');
    writeFileSync(
      pricing,
      'models:\n  - id: x\n    prices: { input_mtok: -1 }\n  - prices: { output_mtok: 1 }\n',
    );
    const busy = createHttpServer((_req, res) => res.end('not metrics'));
    const busyPort = await listen(busy);
    t.after(() => busy.close());
    const r = await run(['doctor', '--store', path.join(dir, 'calls.db')], {
      cwd: dir,
      env: {
        TOKENMETER_STOER: 'x.db',
        TOKENMETER_PRICING_FILE: pricing,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(busyPort),
        OTEL_TRACES_SAMPLER: 'sometimes',
      },
    });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /✗ openai 3\.3\.0 is outside the supported range >=4\.0\.0 <8\.0\.0/);
    assert.match(r.stdout, /fix: Install a supported version: npm install 'openai@>=4\.0\.0 <8\.0\.0'/);
    assert.match(r.stdout, /✗ TOKENMETER_STOER is not a tokenmeter setting[^\n]*\n(?: {4}fix: [^\n]*\n)?/);
    assert.match(r.stdout, /TOKENMETER_STOER[^\n]*\n?[^\n]*TOKENMETER_STORE\?/);
    assert.equal(r.stdout.match(/✗ TOKENMETER_STOER/g)?.length, 1, 'reported once');
    assert.match(r.stdout, /✗ OTEL_TRACES_SAMPLER="sometimes" is not one of/);
    assert.match(
      r.stdout,
      new RegExp(
        `✗ ${pricing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} at models\\[0\\]\\.prices\\.input_mtok: `,
      ),
    );
    assert.match(r.stdout, /at models\[1\]/);
    assert.match(
      r.stdout,
      /✗ OTLP traces endpoint http:\/\/127\.0\.0\.1:\d+\/v1\/traces is not reachable[^\n]*\n {4}fix: Start a collector there, point OTEL_EXPORTER_OTLP_ENDPOINT at yours, or set OTEL_TRACES_EXPORTER=none/,
    );
    assert.match(
      r.stdout,
      /✗ Prometheus port 127\.0\.0\.1:\d+ is taken by something that does not serve \/metrics/,
    );
    assert.match(r.stdout, /· .*calls\.db does not exist yet: the preload creates it on the first call/);
    assert.match(r.stdout, /\d+ problems found/);
    const j = JSON.parse(
      (
        await run(['doctor', '--json', '--store', path.join(dir, 'calls.db')], {
          cwd: dir,
          env: { TOKENMETER_STOER: 'x', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
        })
      ).stdout,
    );
    assert.equal(j.ok, false);
    const problem = j.checks.find((c: { state: string }) => c.state === 'problem');
    assert.deepEqual(Object.keys(problem).sort(), ['area', 'fix', 'message', 'state']);
  });

  it('reports a damaged store', async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'broken.db');
    writeFileSync(file, 'this is not a database'.repeat(200));
    const r = await run(['doctor', '--store', file], {
      cwd: dir,
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
    });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /store\n {2}✗ .*broken\.db/);
  });
});
