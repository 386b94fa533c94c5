// `tokenmeter serve` as a process: prints where it listens, stops cleanly on SIGINT/SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BIN, makeStore, PACKAGE_ROOT, tempDir } from './helpers.js';

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /Dashboard\s+(\S+)/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  listening.catch(() => {}); // awaited by the tests that expect it
  return { child, listening, exited, out: () => ({ stdout, stderr }) };
}

describe('tokenmeter serve (process)', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`serves, then stops on ${signal} with exit code 0`, async (t) => {
      const file = makeStore(tempDir(t), []);
      const p = start(['serve', '--port', '0', '--store', file]);
      t.after(() => p.child.kill('SIGKILL'));
      const url = await p.listening;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.equal((await fetch(`${url}v1/telemetry/summary`)).status, 200);
      p.child.kill(signal);
      assert.equal(await p.exited, 0);
      assert.match(p.out().stderr, new RegExp(`${signal}: stopping`));
    });
  }

  it('creates an empty store when there is none, and prints the token URL when one is set', async (t) => {
    const file = path.join(tempDir(t), 'new', 'calls.db');
    const p = start(['serve', '--port', '0', '--store', file], {
      TOKENMETER_SERVE_TOKEN: 'a-long-enough-token-123',
    });
    t.after(() => p.child.kill('SIGKILL'));
    const url = await p.listening;
    assert.match(url, /\/\?token=a-long-enough-token-123$/);
    assert.match(p.out().stdout, /Auth {7}Authorization: Bearer <token> on every request/);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
  });

  it('says which port is taken', async (t) => {
    const file = makeStore(tempDir(t), []);
    const first = start(['serve', '--port', '0', '--store', file]);
    t.after(() => first.child.kill('SIGKILL'));
    const port = new URL(await first.listening).port;
    const second = start(['serve', '--port', port, '--store', file]);
    assert.equal(await second.exited, 1);
    assert.match(
      second.out().stderr,
      new RegExp(`error: port ${port} on 127\\.0\\.0\\.1 is in use\\n.*--port`),
    );
  });
});
