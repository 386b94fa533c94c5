// `tokenmeter gateway` as a process: flags, one-line errors, and SIGTERM draining what was accepted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { startNextHop, until } from '../../gateway/test/helpers/next-hop.js';
import { CHAT_SPAN, jsonBody, post } from '../../gateway/test/helpers/otlp-json.js';
import { BIN, run } from './helpers.js';

test('gateway without --forward, or off loopback without a token, exits 2 with the fix', async () => {
  const missing = await run(['gateway']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--forward is required: the next OTLP\/HTTP hop/);
  const open = await run(['gateway', '--forward', 'http://127.0.0.1:1', '--host', '0.0.0.0', '--port', '0']);
  assert.equal(open.code, 2);
  assert.match(open.stderr, /needs a token: set --token or TOKENMETER_GATEWAY_TOKEN/);
  const full = await run(['gateway', '--forward', 'http://collector:4318/v1/traces']);
  assert.equal(full.code, 2);
  assert.match(full.stderr, /give the base URL without \/v1\/traces/);
});

test('SIGTERM: the gateway stops accepting, delivers every accepted span to a slow next hop, and exits 0', async () => {
  const hop = await startNextHop();
  hop.delayMs = 300;
  const child = spawn(process.execPath, [BIN, 'gateway', '--forward', hop.url, '--port', '0'], {
    env: { ...process.env, NO_COLOR: '1', OTEL_METRICS_EXPORTER: 'prometheus' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    await until(() => /on (http:\/\/[^ ]+),/.test(stdout), 30_000, 'the gateway printed its address');
    const url = /on (http:\/\/[^ ]+),/.exec(stdout)![1]!;
    for (let i = 0; i < 5; i++)
      assert.equal((await post(`${url}/v1/traces`, jsonBody([CHAT_SPAN]))).status, 200);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.equal(hop.spans.length, 5, 'nothing accepted was lost');
    assert.match(stderr, /SIGTERM: draining \d+ queued spans/);
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL');
    await hop.close();
  }
});
