import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import {
  formatBudgetFileProblem,
  loadBudgetsFile,
  parseAlertAt,
  parseBudgetPeriod,
  parseBudgetsFile,
  parseRoute,
  parseUsdToNanos,
} from '../src/index.js';

const SCHEMA = JSON.parse(
  readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../budgets.schema.json'), 'utf8'),
);

const GOOD = `# yaml-language-server: $schema=./node_modules/@tokenmeter/budgets/budgets.schema.json
budgets:
  - name: daily-openai
    limit_usd: 50
    period: day
    tz: Europe/Paris
    provider: openai
    action: block
  - name: acme-gpt4o
    limit_usd: "12.5"
    period: rolling:24h
    model: gpt-4o
    tenant: acme
    action: route-cheap
    route: { gpt-4o: gpt-4o-mini, claude-opus-4-1: claude-sonnet-4-5 }
    alert_at: [100, 50, 80]
  - name: support
    limit_usd: 0.000000001
    period: month
    feature: support-chat
    user: u_1
    service: api
    warn_at: 0.5
`;

test('a budgets file: every field read, definitions keyed by period, zone and scope', () => {
  const { budgets, problems } = parseBudgetsFile(GOOD, 'budgets.yaml', 'UTC');
  assert.deepEqual(problems, []);
  assert.equal(budgets.length, 3);
  const [a, b, c] = budgets;
  assert.equal(a!.id, 'file:daily-openai');
  assert.equal(a!.label, 'daily-openai');
  assert.equal(a!.limitNanos, 50e9);
  assert.equal(a!.timeZone, 'Europe/Paris');
  assert.equal(a!.action, 'block');
  assert.equal(a!.provider, 'openai');
  assert.equal(a!.key, JSON.stringify(['day', 'Europe/Paris', 'openai', '', '', '', '', '']));
  assert.equal(b!.limitNanos, 12_500_000_000);
  assert.equal(b!.period, 'rolling:24h');
  assert.deepEqual(b!.route, { 'gpt-4o': 'gpt-4o-mini', 'claude-opus-4-1': 'claude-sonnet-4-5' });
  assert.deepEqual(b!.alertAt, [50, 80, 100]);
  assert.equal(
    b!.key,
    JSON.stringify(['rolling:24h', '', '', 'gpt-4o', '', '', 'acme', '']),
    'no zone for rolling',
  );
  assert.equal(c!.limitNanos, 1);
  assert.equal(c!.timeZone, 'UTC', 'the default zone');
  assert.deepEqual(c!.alertAt, [50, 100], 'default thresholds from warn_at');
  assert.deepEqual([c!.feature, c!.user, c!.service], ['support-chat', 'u_1', 'api']);
});

/** Each bad entry: the path of the field the one-line problem must name. */
const BAD: [string, string][] = [
  ['{ limit_usd: 5, period: day }', 'budgets[0].name'],
  ['{ name: a, period: day }', 'budgets[0].limit_usd'],
  ['{ name: a, limit_usd: -5, period: day }', 'budgets[0].limit_usd'],
  ['{ name: a, limit_usd: 0, period: day }', 'budgets[0].limit_usd'],
  ['{ name: a, limit_usd: 1.0000000001, period: day }', 'budgets[0].limit_usd'],
  ['{ name: a, limit_usd: 5 }', 'budgets[0].period'],
  ['{ name: a, limit_usd: 5, period: weekly }', 'budgets[0].period'],
  ['{ name: a, limit_usd: 5, period: "rolling:0h" }', 'budgets[0].period'],
  ['{ name: a, limit_usd: 5, period: "rolling:24" }', 'budgets[0].period'],
  ['{ name: a, limit_usd: 5, period: day, tz: Mars/Olympus }', 'budgets[0].tz'],
  ['{ name: a, limit_usd: 5, period: day, action: stop }', 'budgets[0].action'],
  ['{ name: a, limit_usd: 5, period: day, action: route-cheap }', 'budgets[0].route'],
  ['{ name: a, limit_usd: 5, period: day, route: [gpt-4o] }', 'budgets[0].route'],
  ['{ name: a, limit_usd: 5, period: day, route: { gpt-4o: gpt-4o } }', 'budgets[0].route'],
  ['{ name: a, limit_usd: 5, period: day, alert_at: [0] }', 'budgets[0].alert_at'],
  ['{ name: a, limit_usd: 5, period: day, alert_at: [50, 2000] }', 'budgets[0].alert_at'],
  ['{ name: a, limit_usd: 5, period: day, warn_at: 1.5 }', 'budgets[0].warn_at'],
  ['{ name: a, limit_usd: 5, period: day, tenant: "" }', 'budgets[0].tenant'],
  ['{ name: a, limit_usd: 5, period: day, teant: acme }', 'budgets[0].teant'],
  ['{ name: "has space", limit_usd: 5, period: day }', 'budgets[0].name'],
];

test('a bad entry is one line naming the field and the fix; the other budgets are still read', () => {
  for (const [entry, where] of BAD) {
    const text = `budgets:\n  - ${entry}\n  - { name: ok, limit_usd: 1, period: day }\n`;
    const { budgets, problems } = parseBudgetsFile(text, 'budgets.yaml', 'UTC');
    assert.equal(problems.length, 1, entry);
    assert.equal(problems[0]!.path, where, entry);
    const line = formatBudgetFileProblem(problems[0]!);
    assert.ok(line.startsWith(`budgets.yaml: ${where}: `), line);
    assert.ok(!line.includes('\n'), 'one line');
    assert.match(line, /left out$/);
    assert.deepEqual(
      budgets.map((b) => b.name),
      ['ok'],
      `${entry}: the good budget is kept`,
    );
  }
});

test('the JSON Schema shipped for editors accepts and rejects what the loader does', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(SCHEMA);
  assert.equal(validate(parseYaml(GOOD)), true, JSON.stringify(validate.errors));
  for (const [entry] of BAD) {
    // The schema does not know time zone names: that one is the loader's alone.
    if (entry.includes('Mars/')) continue;
    // A route to itself and more than 9 decimals of a YAML number are checked by the loader only.
    if (entry.includes('gpt-4o: gpt-4o }') || entry.includes('1.0000000001')) continue;
    const doc = parseYaml(`budgets:\n  - ${entry}\n`);
    assert.equal(validate(doc), false, `schema accepts ${entry}`);
  }
  assert.equal(validate({ budgets: [], sinks: [] }), true, 'the alerts keys are allowed');
  assert.equal(validate({ budget: [] }), false, 'a misspelt top-level key is not');
});

test('the file as a whole: unknown top-level key, duplicate name, invalid YAML, missing file', (t) => {
  const dup = parseBudgetsFile(
    'budget: []\nbudgets:\n  - { name: a, limit_usd: 1, period: day }\n  - { name: a, limit_usd: 2, period: week }\n',
    'f.yaml',
  );
  assert.deepEqual(
    dup.problems.map((p) => p.path),
    ['budget', 'budgets[1].name'],
  );
  assert.equal(dup.budgets.length, 1);
  const broken = parseBudgetsFile('budgets: [\n', 'f.yaml');
  assert.equal(broken.budgets.length, 0);
  assert.equal(broken.problems.length, 1);
  assert.match(
    formatBudgetFileProblem(broken.problems[0]!),
    /^f\.yaml: not valid YAML: .*no budget read from it$/,
  );
  assert.equal(
    parseBudgetsFile('', 'f.yaml').problems.length,
    0,
    'an empty file is no budget and no problem',
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'budgets-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(
    loadBudgetsFile(path.join(dir, 'nope.yaml')).problems[0]!.reason,
    'cannot read: no such file',
  );
  const json = path.join(dir, 'b.json');
  writeFileSync(json, JSON.stringify({ budgets: [{ name: 'j', limit_usd: 3, period: 'week' }] }));
  assert.equal(loadBudgetsFile(json).budgets[0]!.limitNanos, 3e9, 'JSON is YAML too');
});

test('flag parsers: period, route, thresholds, amounts', () => {
  assert.equal(parseBudgetPeriod('rolling:168h'), 'rolling:168h');
  assert.throws(() => parseBudgetPeriod('rolling:9000h'), /rolling:<N>h/);
  assert.deepEqual(parseRoute('gpt-4o=gpt-4o-mini, claude-opus-4-1=claude-sonnet-4-5'), {
    'gpt-4o': 'gpt-4o-mini',
    'claude-opus-4-1': 'claude-sonnet-4-5',
  });
  assert.throws(() => parseRoute('gpt-4o'), /model=cheaper-model/);
  assert.throws(() => parseRoute('a=b,a=c'), /routed twice/);
  assert.deepEqual(parseAlertAt('100,50,80%'), [50, 80, 100]);
  assert.throws(() => parseAlertAt('50,,80'), /percentage/);
  assert.equal(parseUsdToNanos('$1,234.56'), 1_234_560_000_000);
  assert.equal(parseUsdToNanos(0.1), 100_000_000, 'a YAML number keeps its decimal value');
  assert.throws(() => parseUsdToNanos('1e3'), /not an amount/);
});
