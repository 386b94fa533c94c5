import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseDocument } from 'yaml';
import { REPO } from './helpers/run-app.js';

const dir = path.join(REPO, 'collector-config');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

type Obj = Record<string, unknown>;

test('collector-config has the Tempo, Honeycomb and Prometheus pipelines', () => {
  for (const f of [
    'tempo.yaml',
    'honeycomb.yaml',
    'prometheus-remote-write.yaml',
    'prometheus-scrape.yaml',
  ]) {
    assert.ok(files.includes(f), `${f} is missing`);
  }
});

for (const file of files) {
  test(`${file}: valid YAML, unique keys`, () => {
    const doc = parseDocument(readFileSync(path.join(dir, file), 'utf8'), { uniqueKeys: true });
    assert.deepEqual(
      doc.errors.map((e) => e.message),
      [],
    );
  });

  if (file === 'prometheus-scrape.yaml') {
    test(`${file}: scrapes the preload's default loopback endpoint`, () => {
      const doc = parseDocument(readFileSync(path.join(dir, file), 'utf8')).toJS() as {
        scrape_configs: { static_configs: { targets: string[] }[] }[];
      };
      assert.deepEqual(doc.scrape_configs[0]?.static_configs[0]?.targets, ['127.0.0.1:9464']);
    });
    continue;
  }

  test(`${file}: every pipeline component is defined, and tokenmeter can reach it over OTLP/HTTP`, () => {
    const doc = parseDocument(readFileSync(path.join(dir, file), 'utf8')).toJS() as Obj;
    const receivers = doc.receivers as Obj;
    const processors = (doc.processors ?? {}) as Obj;
    const exporters = doc.exporters as Obj;
    const pipelines = ((doc.service as Obj).pipelines ?? {}) as Record<string, Obj>;
    assert.ok(Object.keys(pipelines).length > 0, 'no pipeline');
    const otlp = receivers.otlp as { protocols: { http?: { endpoint?: string } } };
    assert.ok(otlp?.protocols?.http, 'an otlp receiver with the http protocol (tokenmeter sends OTLP/HTTP)');
    assert.match(String(otlp.protocols.http.endpoint), /:4318$/);
    const used = new Set<string>();
    for (const [name, p] of Object.entries(pipelines)) {
      assert.match(name, /^(traces|metrics|logs)(\/.+)?$/, `pipeline ${name}`);
      for (const [kind, defined] of [
        ['receivers', receivers],
        ['processors', processors],
        ['exporters', exporters],
      ] as const) {
        for (const c of (p[kind] ?? []) as string[]) {
          assert.ok(c in defined, `${name}: ${kind} ${c} is not defined`);
          used.add(`${kind}:${c}`);
        }
      }
      assert.ok(((p.receivers ?? []) as string[]).includes('otlp'), `${name} receives OTLP`);
      assert.ok(((p.exporters ?? []) as string[]).length > 0, `${name} exports somewhere`);
    }
    for (const e of Object.keys(exporters)) assert.ok(used.has(`exporters:${e}`), `exporter ${e} is unused`);
  });
}
