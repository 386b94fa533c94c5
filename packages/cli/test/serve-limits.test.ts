// `tokenmeter serve` under slow or odd clients (issue 13): silent and half-sent connections are
// closed by the server's own timeouts (configured small here), idle keep-alive connections end, and
// the Host header is parsed strictly for the DNS-rebinding guard. Real sockets against the real server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, it } from 'node:test';
import { BIN, makeStore, PACKAGE_ROOT, tempDir } from './helpers.js';
import { get, serve } from './server-helpers.js';

interface Ended {
  /** What the server sent before it closed the connection. */
  received: string;
}

/** Opens a connection, sends `first` (maybe nothing), and resolves when the server closes it. */
function connectAndWait(port: number, first: string): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      if (first) socket.write(first);
    });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    socket.on('error', reject);
    socket.on('close', () => resolve({ received }));
  });
}

// The server's bounds, small for the test. Each test's own timeout is a hang guard far above them
// (Node's default check of these timeouts runs only every 30 s: without our setting a test fails).
const SMALL = { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 200 };

describe('tokenmeter serve: slow connections and the Host header', () => {
  it('closes a connection that never sends a request (headers timeout)', { timeout: 20_000 }, async (t) => {
    const s = await serve(t, makeStore(tempDir(t), []), SMALL);
    const { received } = await connectAndWait(s.port, '');
    // Node answers 408 before it closes, or closes without a word when nothing at all was sent.
    assert.ok(received === '' || received.startsWith('HTTP/1.1 408'), received);
  });

  it('closes 300 connections that sent half a request, answering 408; the server still serves', {
    timeout: 20_000,
  }, async (t) => {
    const s = await serve(t, makeStore(tempDir(t), []), SMALL);
    const half = `GET /v1/telemetry/summary HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nX-Slow: `;
    const ended = await Promise.all(Array.from({ length: 300 }, () => connectAndWait(s.port, half)));
    for (const { received } of ended) assert.match(received, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.equal((await get(`${s.url}/v1/telemetry/summary`)).status, 200);
  });

  it('closes a keep-alive connection left idle after its response', { timeout: 20_000 }, async (t) => {
    const s = await serve(t, makeStore(tempDir(t), []), SMALL);
    const { received } = await connectAndWait(
      s.port,
      `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: keep-alive\r\n\r\n`,
    );
    assert.match(received, /^HTTP\/1\.1 200 OK\r\n/);
    assert.doesNotMatch(
      received,
      /\r\nConnection: close\r\n/i,
      'kept alive, then closed by the server when idle',
    );
  });

  it('answers 421 to a Host that only starts like a loopback one (127.0.0.1:port@evil.com)', async (t) => {
    const s = await serve(t, makeStore(tempDir(t), []));
    const url = `${s.url}/v1/telemetry/summary`;
    for (const host of [
      `127.0.0.1:${s.port}@evil.com`,
      `evil.com@127.0.0.1:${s.port}`,
      `127.0.0.1.evil.com:${s.port}`,
      `localhost:${s.port}/evil`,
      `127.0.0.1:${s.port}:1`,
      '127.0.0.1:99999',
      '[::1].evil.com',
      'localhost.',
    ]) {
      const r = await get(url, { Host: host });
      assert.equal(r.status, 421, host);
      assert.equal(JSON.parse(r.body).error.code, 'misdirected_request', host);
    }
    for (const host of [
      'localhost',
      `localhost:${s.port}`,
      `127.0.0.1:${s.port}`,
      '127.1.2.3',
      `[::1]:${s.port}`,
    ])
      assert.equal((await get(url, { Host: host })).status, 200, host);
  });
});

describe('tokenmeter serve (process): the Host header', () => {
  it('the served process answers 421 to Host: 127.0.0.1:port@evil.com and 200 to its own address', {
    timeout: 60_000,
  }, async (t) => {
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--port', '0', '--store', makeStore(tempDir(t), [])],
      {
        cwd: PACKAGE_ROOT,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    t.after(() => child.kill('SIGKILL'));
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /Dashboard\s+(http:\/\/\S+)\//.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const port = new URL(url).port;
    const evil = await get(`${url}/v1/telemetry/summary`, { Host: `127.0.0.1:${port}@evil.com` });
    assert.equal(evil.status, 421);
    assert.equal((await get(`${url}/v1/telemetry/summary`)).status, 200);
  });
});
