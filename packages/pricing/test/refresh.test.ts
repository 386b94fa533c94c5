// Background catalog refresh against a real local HTTP server: valid, invalid and unreachable data.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitForUpdate } from '@pydantic/genai-prices';
import { CatalogDataError, catalogVersion, createPricer, startCatalogRefresh } from '../src/index.js';

const USAGE = { inputTokens: 1_000_000, outputTokens: 1_000_000 };

/** genai-prices data as its data.json would carry it, with gpt-4o-mini re-priced to $1/$2. */
async function remoteData(): Promise<string> {
  const providers = structuredClone(await waitForUpdate()) as unknown as Record<string, unknown>[];
  for (const p of providers) {
    for (const m of p.models as Record<string, unknown>[]) {
      if (p.id === 'openai' && m.id === 'gpt-4o-mini') m.prices = { input_mtok: 1, output_mtok: 2 };
      // data.json writes constraints without the `type` the bundled copy adds.
      if (Array.isArray(m.prices)) for (const c of m.prices) if (c.constraint) delete c.constraint.type;
    }
  }
  return JSON.stringify(providers);
}

let server: Server;
let base: string;
let body = '';
let status = 200;
let hits = 0;

before(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

describe('startCatalogRefresh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenmeter-refresh-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('applies valid data, prices from it as refreshed_catalog, and caches it on disk', async () => {
    body = await remoteData();
    status = 200;
    const pricer = createPricer();
    const errors: Error[] = [];
    const versions: string[] = [];
    const h = startCatalogRefresh({
      url: `${base}/data.json`,
      pricer,
      cacheDir: dir,
      onError: (e) => errors.push(e),
      onUpdate: (v) => versions.push(v),
    });
    await h.ready;
    h.stop();
    assert.deepEqual(errors, []);
    const c = pricer.calculateCost({ provider: 'openai', model: 'gpt-4o-mini', usage: USAGE });
    assert.equal(c?.totalUsd, 3);
    assert.equal(c?.source, 'refreshed_catalog');
    assert.match(c?.version ?? '', /^genai-prices@remote-[0-9a-f]{12}$/);
    assert.equal(versions[0], c?.version);
    assert.equal(pricer.catalogVersion, c?.version);
    // Tier supplements still apply to refreshed data.
    assert.equal(
      pricer.calculateCost({ provider: 'openai', model: 'gpt-4o-mini', usage: USAGE, batch: true })?.totalUsd,
      1.5,
    );
    assert.ok(existsSync(join(dir, 'genai-prices-data.json')));
    assert.equal(readFileSync(join(dir, 'genai-prices-data.json'), 'utf8'), body);
  });

  it('rejects invalid data and keeps the prices it had', async () => {
    const pricer = createPricer();
    const errors: Error[] = [];
    for (const bad of [
      'not json',
      '{"providers": []}',
      '[]',
      JSON.stringify([
        { id: 'openai', models: [{ id: 'x', match: { equals: 'x' }, prices: { input_mtok: -1 } }] },
      ]),
    ]) {
      body = bad;
      const h = startCatalogRefresh({ url: `${base}/bad.json`, pricer, onError: (e) => errors.push(e) });
      await h.ready;
      h.stop();
    }
    assert.equal(errors.length, 4);
    for (const e of errors) assert.ok(e instanceof CatalogDataError, e.message);
    assert.match(errors[3]!.message, /openai\/x\.input_mtok/);
    const c = pricer.calculateCost({ provider: 'openai', model: 'gpt-4o-mini', usage: USAGE });
    assert.equal(c?.source, 'catalog');
    assert.equal(c?.version, catalogVersion);
    assert.equal(c?.totalUsd, 0.75);
  });

  it('an HTTP error is reported and changes nothing', async () => {
    status = 503;
    body = 'down';
    const pricer = createPricer();
    const errors: Error[] = [];
    const h = startCatalogRefresh({ url: `${base}/data.json`, pricer, onError: (e) => errors.push(e) });
    await h.ready;
    h.stop();
    status = 200;
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /HTTP 503/);
    assert.equal(pricer.catalogVersion, catalogVersion);
  });

  it('an unreachable server is reported; the disk cache from an earlier run still applies', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const pricer = createPricer();
    const errors: Error[] = [];
    const h = startCatalogRefresh({
      url: `http://127.0.0.1:${port}/data.json`,
      pricer,
      cacheDir: dir,
      onError: (e) => errors.push(e),
      timeoutMs: 2000,
    });
    await h.ready;
    h.stop();
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /catalog refresh from http:\/\/127\.0\.0\.1/);
    const c = pricer.calculateCost({ provider: 'openai', model: 'gpt-4o-mini', usage: USAGE });
    assert.equal(c?.source, 'refreshed_catalog'); // from the cache written by the first test
    assert.equal(c?.totalUsd, 3);
  });

  it('a corrupt disk cache is ignored and reported', async () => {
    const d2 = mkdtempSync(join(tmpdir(), 'tokenmeter-refresh-'));
    writeFileSync(join(d2, 'genai-prices-data.json'), '{broken');
    status = 503;
    const pricer = createPricer();
    const errors: Error[] = [];
    const h = startCatalogRefresh({
      url: `${base}/data.json`,
      pricer,
      cacheDir: d2,
      onError: (e) => errors.push(e),
    });
    await h.ready;
    h.stop();
    status = 200;
    rmSync(d2, { recursive: true, force: true });
    assert.equal(errors.length, 2);
    assert.match(errors[0]!.message, /cached catalog .* ignored/);
    assert.equal(pricer.catalogVersion, catalogVersion);
  });

  it('does not block: starting returns at once, and refreshNow shares one fetch', async () => {
    body = await remoteData();
    const pricer = createPricer();
    const before = hits;
    const h = startCatalogRefresh({ url: `${base}/data.json`, pricer, onError: () => {} });
    // Nothing fetched yet when start returns; the catalog in use is the bundled one.
    assert.equal(pricer.catalogVersion, catalogVersion);
    const [a, b] = await Promise.all([h.refreshNow(), h.refreshNow()]);
    await h.ready;
    h.stop();
    assert.equal(a, b);
    assert.equal(hits - before, 1);
  });
});
