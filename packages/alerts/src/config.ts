// The alert parts of the budgets file (`TOKENMETER_BUDGETS=budgets.yaml`, shared with
// @tokenmeter/budgets, which reads its `budgets:` list):
//
//   sinks:
//     - name: ops-slack              # unique; notices to it are queued as file:ops-slack
//       type: slack                  # webhook | slack | pagerduty
//       url_env: SLACK_WEBHOOK_URL   # or url: https://hooks.slack.com/services/...
//       min_severity: warning        # or critical
//     - name: pager
//       type: pagerduty              # url defaults to the Events API v2 endpoint
//       secret_env: PD_ROUTING_KEY   # or secret: ... (webhook: the HMAC key)
//   alerts:
//     dashboard_url: https://tokenmeter.internal
//     cooldown: 1h
//     resolve_after: 10m
//
// A bad sink is one problem naming the field and is left out; the others are used. Never throws.
import { readFileSync } from 'node:fs';
import type { BudgetFileProblem } from '@tokenmeter/budgets';
import { parseDocument } from 'yaml';
import { checkSink, PAGERDUTY_EVENTS_URL, SINK_KINDS } from './sinks/index.js';
import type { AlertSeverity, SinkTarget } from './types.js';

export const SINK_KEYS = ['name', 'type', 'url', 'url_env', 'secret', 'secret_env', 'min_severity'] as const;
export const ALERT_SETTING_KEYS = ['dashboard_url', 'cooldown', 'resolve_after'] as const;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export interface AlertsFileSettings {
  dashboardUrl?: string;
  cooldownMs?: number;
  resolveAfterMs?: number;
}

export interface AlertsFileResult {
  sinks: SinkTarget[];
  settings: AlertsFileSettings;
  problems: BudgetFileProblem[];
}

class Problem extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** `90s`, `10m`, `1h`, `2d` → milliseconds. */
export function parseDurationText(text: unknown): number | undefined {
  const m = typeof text === 'string' ? /^\s*(\d+)\s*(s|m|h|d)\s*$/.exec(text) : null;
  if (!m) return undefined;
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

function str(entry: Record<string, unknown>, key: string, at: string): string | undefined {
  const v = entry[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.trim() === '')
    throw new Problem(`${at}.${key}`, 'must be a non-empty string');
  return v.trim();
}

/** A value given inline or through an environment variable (`url` / `url_env`). */
function inlineOrEnv(
  entry: Record<string, unknown>,
  key: string,
  at: string,
  env: Record<string, string | undefined>,
): string | undefined {
  const inline = str(entry, key, at);
  const name = str(entry, `${key}_env`, at);
  if (inline !== undefined && name !== undefined)
    throw new Problem(`${at}.${key}_env`, `give ${key} or ${key}_env, not both`);
  if (name === undefined) return inline;
  // A variable the budgets file names (secret_env, url_env): the user's, so not in the env table.
  const v = env[name];
  if (v === undefined || v === '')
    throw new Problem(`${at}.${key}_env`, `the environment variable ${name} is not set`);
  return v;
}

function readSink(entry: unknown, at: string, env: Record<string, string | undefined>): SinkTarget {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new Problem(at, 'must be a mapping with name, type and url');
  const e = entry as Record<string, unknown>;
  for (const key of Object.keys(e))
    if (!(SINK_KEYS as readonly string[]).includes(key))
      throw new Problem(`${at}.${key}`, `unknown field: use ${SINK_KEYS.join(', ')}`);
  const name = str(e, 'name', at);
  if (name === undefined) throw new Problem(`${at}.name`, 'is required: a unique name, like ops-slack');
  if (!NAME.test(name))
    throw new Problem(`${at}.name`, `"${name}": letters, digits and . _ : - only, like ops-slack`);
  const type = str(e, 'type', at);
  if (type === undefined || !(SINK_KINDS as readonly string[]).includes(type))
    throw new Problem(
      `${at}.type`,
      `${type === undefined ? 'is required' : `"${type}" is not a sink type`}: use webhook, slack or pagerduty`,
    );
  const kind = type as SinkTarget['kind'];
  const url = inlineOrEnv(e, 'url', at, env) ?? (kind === 'pagerduty' ? PAGERDUTY_EVENTS_URL : undefined);
  if (url === undefined) throw new Problem(`${at}.url`, `is required for a ${kind} sink (or url_env: NAME)`);
  const secret = inlineOrEnv(e, 'secret', at, env) ?? null;
  const severity = str(e, 'min_severity', at) ?? 'warning';
  if (severity !== 'warning' && severity !== 'critical')
    throw new Problem(`${at}.min_severity`, `"${severity}" is not a severity: use warning or critical`);
  const problem = checkSink({ kind, url, secret });
  if (problem) throw new Problem(at, problem.replace('--secret KEY', 'secret or secret_env'));
  return { name: `file:${name}`, kind, url, secret, minSeverity: severity as AlertSeverity };
}

/** Reads `sinks:` and `alerts:` of a parsed budgets document. */
export function validateAlertsSection(
  doc: unknown,
  file = 'budgets file',
  env: Record<string, string | undefined> = process.env,
): AlertsFileResult {
  const result: AlertsFileResult = { sinks: [], settings: {}, problems: [] };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return result;
  const top = doc as Record<string, unknown>;
  const problem = (path: string, reason: string) => result.problems.push({ file, path, reason });
  if (top.sinks !== undefined && top.sinks !== null) {
    if (!Array.isArray(top.sinks)) problem('sinks', 'must be a list of sinks (name, type, url)');
    else {
      const names = new Set<string>();
      top.sinks.forEach((entry, i) => {
        try {
          const sink = readSink(entry, `sinks[${i}]`, env);
          if (names.has(sink.name))
            throw new Problem(`sinks[${i}].name`, `"${sink.name.slice(5)}" is used by an earlier sink`);
          names.add(sink.name);
          result.sinks.push(sink);
        } catch (e) {
          if (!(e instanceof Problem)) throw e;
          problem(e.path, `${e.message}; sink left out`);
        }
      });
    }
  }
  const a = top.alerts;
  if (a !== undefined && a !== null) {
    if (typeof a !== 'object' || Array.isArray(a))
      problem('alerts', `must be a mapping of ${ALERT_SETTING_KEYS.join(', ')}`);
    else {
      const s = a as Record<string, unknown>;
      for (const key of Object.keys(s))
        if (!(ALERT_SETTING_KEYS as readonly string[]).includes(key))
          problem(`alerts.${key}`, `unknown setting: use ${ALERT_SETTING_KEYS.join(', ')}`);
      if (s.dashboard_url !== undefined) {
        const u = typeof s.dashboard_url === 'string' ? s.dashboard_url : '';
        if (/^https?:\/\/[^\s]+$/.test(u)) result.settings.dashboardUrl = u.replace(/\/+$/, '');
        else problem('alerts.dashboard_url', 'must be an http(s) URL, like https://tokenmeter.internal');
      }
      for (const [key, field] of [
        ['cooldown', 'cooldownMs'],
        ['resolve_after', 'resolveAfterMs'],
      ] as const) {
        if (s[key] === undefined) continue;
        const ms = parseDurationText(s[key]);
        if (ms === undefined)
          problem(`alerts.${key}`, `"${String(s[key])}" is not a duration: use 90s, 10m, 1h or 2d`);
        else result.settings[field] = ms;
      }
    }
  }
  return result;
}

/** Reads the alert parts of a budgets file. Never throws: an unreadable file is one problem. */
export function loadAlertsFile(
  path: string,
  env: Record<string, string | undefined> = process.env,
): AlertsFileResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    return {
      sinks: [],
      settings: {},
      problems: [{ file: path, path: '', reason: `cannot read: ${reason}` }],
    };
  }
  const d = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  // A YAML error is reported once, by the budgets reader of the same file.
  if (d.errors.length) return { sinks: [], settings: {}, problems: [] };
  return validateAlertsSection(d.toJS(), path, env);
}
