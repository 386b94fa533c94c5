// GET /v1/telemetry/export streams: a server whose heap is far smaller than the export still sends
// all of it. (A server that built the body in memory would die of "heap out of memory".)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { openStore } from '@tokenmeter/store';
import { BIN, DAY, NOW, PACKAGE_ROOT, sampleCalls, tempDir } from './helpers.js';

const ROWS = 250_000;
const HEAP_MB = 32;

describe('tokenmeter serve: export memory', () => {
  it(`exports ${ROWS.toLocaleString('en-US')} calls through a ${HEAP_MB} MB heap`, {
    timeout: 300_000,
  }, async (t) => {
    const dir = tempDir(t);
    const file = `${dir}/big.db`;
    const store = openStore(file);
    const batch = sampleCalls(10_000, NOW - 30 * DAY, NOW);
    for (let i = 0; i < ROWS / batch.length; i++)
      store.insertMany(batch.map((c) => ({ ...c, startTimeMs: c.startTimeMs - i * 1000 })));
    const totals = store.summary({}).totals;
    store.close();
    assert.equal(totals.calls, ROWS);

    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, BIN, 'serve', '--port', '0', '--store', file],
      {
        cwd: PACKAGE_ROOT,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    t.after(() => child.kill());
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /Dashboard\s+(http:\/\/\S+)\//.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });

    const res = await fetch(`${url}/v1/telemetry/export?format=csv`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), null, 'streamed, not buffered');
    const reader = res.body!.getReader();
    let bytes = 0;
    let lines = 0;
    let costNanos = 0;
    let costCol = -1;
    let rest = '';
    const decoder = new TextDecoder();
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      bytes += r.value.byteLength;
      const text = rest + decoder.decode(r.value, { stream: true });
      const parts = text.split('\r\n');
      rest = parts.pop()!;
      for (const line of parts) {
        if (costCol < 0) costCol = line.split(',').indexOf('cost_nanos');
        else {
          lines++;
          costNanos += Number(line.split(',')[costCol]);
        }
      }
    }
    assert.equal(lines, ROWS, stderr);
    assert.equal(costNanos, totals.costNanos);
    assert.ok(bytes > 2 * HEAP_MB * 1024 * 1024, `the export (${bytes} bytes) is larger than twice the heap`);
  });
});
