// The alert parts of the budgets file: sinks and settings read, each bad entry one problem naming
// its field, secrets and URLs taken from the environment when asked.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { parseBudgetsFile } from '@tokenmeter/budgets';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { loadAlertsFile, validateAlertsSection } from '../src/config.js';
import { tempDir } from './helpers.js';

const FILE = `
budgets:
  - { name: daily, limit_usd: 50, period: day }
sinks:
  - name: ops-slack
    type: slack
    url_env: SLACK_URL
  - name: hook
    type: webhook
    url: https://ops.example.com/hook
    secret_env: HOOK_SECRET
    min_severity: critical
  - name: pager
    type: pagerduty
    secret: R0UT1NG
alerts:
  dashboard_url: https://tm.example/
  cooldown: 2h
  resolve_after: 5m
`;

test('sinks and settings of the budgets file, with secrets from the environment; the budgets reader accepts the file too', (t) => {
  const file = path.join(tempDir(t), 'budgets.yaml');
  writeFileSync(file, FILE);
  const r = loadAlertsFile(file, { SLACK_URL: 'https://hooks.slack.com/services/T/B/x', HOOK_SECRET: 'h' });
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.sinks, [
    {
      name: 'file:ops-slack',
      kind: 'slack',
      url: 'https://hooks.slack.com/services/T/B/x',
      secret: null,
      minSeverity: 'warning',
    },
    {
      name: 'file:hook',
      kind: 'webhook',
      url: 'https://ops.example.com/hook',
      secret: 'h',
      minSeverity: 'critical',
    },
    {
      name: 'file:pager',
      kind: 'pagerduty',
      url: 'https://events.pagerduty.com/v2/enqueue',
      secret: 'R0UT1NG',
      minSeverity: 'warning',
    },
  ]);
  assert.deepEqual(r.settings, {
    dashboardUrl: 'https://tm.example',
    cooldownMs: 7_200_000,
    resolveAfterMs: 300_000,
  });
  const budgets = parseBudgetsFile(FILE, file);
  assert.deepEqual(budgets.problems, []);
  assert.equal(budgets.budgets.length, 1);
});

test('each bad sink is left out with one problem naming the field; the good ones are kept', () => {
  const r = validateAlertsSection(
    {
      sinks: [
        { name: 'a', type: 'email', url: 'https://x' },
        { name: 'b', type: 'slack' },
        { name: 'c', type: 'pagerduty' },
        { name: 'd', type: 'webhook', url: 'https://x', colour: 'red' },
        { name: 'e', type: 'slack', url_env: 'NOPE' },
        { name: 'ok', type: 'webhook', url: 'https://x' },
        { name: 'ok', type: 'webhook', url: 'https://y' },
      ],
      alerts: { cooldown: 'soon', snooze: 1, dashboard_url: 'ftp://x' },
    },
    'b.yaml',
    {},
  );
  assert.deepEqual(
    r.problems.map((p) => `${p.path}: ${p.reason}`),
    [
      'sinks[0].type: "email" is not a sink type: use webhook, slack or pagerduty; sink left out',
      'sinks[1].url: is required for a slack sink (or url_env: NAME); sink left out',
      'sinks[2]: a PagerDuty sink needs its integration (routing) key: secret or secret_env; sink left out',
      'sinks[3].colour: unknown field: use name, type, url, url_env, secret, secret_env, min_severity; sink left out',
      'sinks[4].url_env: the environment variable NOPE is not set; sink left out',
      'sinks[6].name: "ok" is used by an earlier sink; sink left out',
      'alerts.snooze: unknown setting: use dashboard_url, cooldown, resolve_after',
      'alerts.dashboard_url: must be an http(s) URL, like https://tokenmeter.internal',
      'alerts.cooldown: "soon" is not a duration: use 90s, 10m, 1h or 2d',
    ],
  );
  assert.deepEqual(
    r.sinks.map((s) => s.name),
    ['file:ok'],
  );
});

test('the JSON Schema of the budgets file (for editors) knows the sinks and alerts sections', () => {
  const schemaPath = createRequire(import.meta.url).resolve('@tokenmeter/budgets/budgets.schema.json');
  const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
  assert.ok(validate(parseYaml(FILE)), JSON.stringify(validate.errors));
  for (const bad of [
    { sinks: [{ name: 'x', type: 'email', url: 'https://x' }] },
    { sinks: [{ name: 'x', type: 'slack', url: 'https://x', colour: 'red' }] },
    { sinks: [{ type: 'slack', url: 'https://x' }] },
    { alerts: { cooldown: 'soon' } },
    { alerts: { snooze: '1h' } },
  ])
    assert.equal(validate(bad), false, `schema accepts ${JSON.stringify(bad)}`);
});
