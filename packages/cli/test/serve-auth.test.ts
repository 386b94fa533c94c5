import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkServeOptions, startServer } from '../src/server/server.js';
import { makeStore, NOW, PACKAGE_ROOT, run, sampleCalls, tempDir } from './helpers.js';
import { get, serve } from './server-helpers.js';

const TOKEN = 'test-token-0123456789abcdef';

describe('tokenmeter serve: auth', () => {
  it('refuses to bind anything but loopback without a token', async (t) => {
    const file = makeStore(tempDir(t), []);
    assert.match(
      checkServeOptions('0.0.0.0', undefined)!,
      /a token is required: pass --token or set TOKENMETER_SERVE_TOKEN/,
    );
    assert.equal(checkServeOptions('127.0.0.1', undefined), undefined);
    assert.equal(checkServeOptions('::1', undefined), undefined);
    assert.equal(checkServeOptions('localhost', undefined), undefined);
    assert.equal(checkServeOptions('0.0.0.0', TOKEN), undefined);
    assert.match(checkServeOptions('127.0.0.1', 'short')!, /at least 16 characters/);
    await assert.rejects(
      startServer({ storePath: file, host: '0.0.0.0', port: 0, packageRoot: PACKAGE_ROOT }),
      /refusing to start/,
    );
    const cli = await run(['serve', '--host', '0.0.0.0', '--port', '0', '--store', file]);
    assert.equal(cli.code, 2);
    assert.match(
      cli.stderr,
      /refusing to start: binding 0\.0\.0\.0 exposes cost data to the network, so a token is required/,
    );
  });

  it('requires the bearer token on every endpoint but /healthz', async (t) => {
    const file = makeStore(tempDir(t), sampleCalls(10, NOW - 3_600_000, NOW));
    const s = await serve(t, file, { token: TOKEN });
    for (const path of [
      '/v1/telemetry/summary',
      '/v1/telemetry/sessions',
      '/v1/telemetry/export',
      '/v1/budgets',
      '/metrics',
      '/assets/app.js',
    ]) {
      const none = await get(`${s.url}${path}`);
      assert.equal(none.status, 401, path);
      assert.equal(none.headers['www-authenticate'], 'Bearer realm="tokenmeter"');
      const wrong = await get(`${s.url}${path}`, { Authorization: 'Bearer nope-nope-nope-nope' });
      assert.equal(wrong.status, 401, path);
      const ok = await get(`${s.url}${path}`, { Authorization: `Bearer ${TOKEN}` });
      assert.equal(ok.status, 200, path);
    }
    const health = await get(`${s.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(
      Object.keys(JSON.parse(health.body)).sort(),
      ['status', 'version'],
      'no store details without the token',
    );
    // With a token, any Host is fine (the token is what protects it).
    const host = await get(`${s.url}/v1/budgets`, {
      Host: 'tokenmeter.internal:8766',
      Authorization: `Bearer ${TOKEN}`,
    });
    assert.equal(host.status, 200);
  });

  it('lets the dashboard in with the printed ?token= URL through an HttpOnly cookie', async (t) => {
    const file = makeStore(tempDir(t), []);
    const s = await serve(t, file, { token: TOKEN });
    const page = await get(`${s.url}/`);
    assert.equal(page.status, 401);
    assert.match(page.body, /needs its token/);
    const wrong = await get(`${s.url}/?token=wrong`);
    assert.equal(wrong.status, 401);
    const login = await get(`${s.url}/?token=${TOKEN}&view=calls`);
    assert.equal(login.status, 303);
    assert.equal(login.headers.location, '/?view=calls');
    const cookie = String(login.headers['set-cookie']);
    assert.match(cookie, /^tokenmeter_token=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    const jar = cookie.split(';')[0]!;
    assert.equal((await get(`${s.url}/`, { Cookie: jar })).status, 200);
    assert.equal((await get(`${s.url}/v1/telemetry/summary`, { Cookie: jar })).status, 200);
  });
});
