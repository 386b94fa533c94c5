// tokenmeter doctor: checks what tokenmeter needs, each problem with its fix. Exit 1 on a problem.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import path from 'node:path';
import { KNOWN_ENV_VARS, readEnv, unknownEnvVars } from '@tokenmeter/config';
import { SUPPORTED_SDKS, type SupportedSdk, versionRange } from '@tokenmeter/instrumentation';
import { openStore, resolveStorePath } from '@tokenmeter/store';
import semver from 'semver';
import { bool, type CommandContext, type CommandSpec, STORE_FLAG, str } from '../command.js';
import { EXIT_ERROR, EXIT_OK } from '../errors/cli-error.js';
import { formatBytes, formatInt } from '../format/numbers.js';

export type CheckState = 'ok' | 'info' | 'warn' | 'problem';

export interface Check {
  area: string;
  state: CheckState;
  message: string;
  /** What to do, for warn and problem. */
  fix?: string;
}

const MIN_NODE = '20.6.0';

/** True when `version` is in the SDK's supported range (pre-releases included, as the patches match). */
export function supports(sdk: SupportedSdk, version: string): boolean {
  return (
    semver.valid(version) !== null &&
    semver.satisfies(version, versionRange(sdk), { includePrerelease: true })
  );
}

/** The version of `name` as the project in `cwd` would load it, or undefined when not installed. */
export function installedVersion(cwd: string, name: string): { version: string; dir: string } | undefined {
  const req = createRequire(path.join(cwd, '__tokenmeter_doctor__.js'));
  const readAt = (file: string) => {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    return pkg.name === name && pkg.version ? { version: pkg.version, dir: path.dirname(file) } : undefined;
  };
  try {
    return readAt(req.resolve(`${name}/package.json`));
  } catch {
    // package.json not exported, or not installed: walk up from the entry point.
  }
  let entry: string;
  try {
    entry = req.resolve(name);
  } catch {
    // An ESM-only package without a require condition: look in node_modules folders directly.
    for (const dir of req.resolve.paths(name) ?? []) {
      const file = path.join(dir, name, 'package.json');
      if (existsSync(file)) return readAt(file);
    }
    return undefined;
  }
  let dir = path.dirname(entry);
  for (let i = 0; i < 8; i++) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const found = readAt(file);
      if (found) return found;
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

function servesMetrics(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/metrics', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 && /text\/plain|openmetrics/.test(String(res.headers['content-type'])));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function nodeCheck(): Check {
  const v = process.versions.node;
  const ok = semver.gte(v, MIN_NODE);
  return ok
    ? { area: 'node', state: 'ok', message: `Node.js ${v}` }
    : {
        area: 'node',
        state: 'problem',
        message: `Node.js ${v} is too old: the preload needs ${MIN_NODE} or later (module.register)`,
        fix: 'Install Node.js 20.6+ (22 or 24 recommended), e.g. `nvm install 22`.',
      };
}

function sdkChecks(cwd: string): Check[] {
  const out: Check[] = [];
  let found = 0;
  for (const sdk of SUPPORTED_SDKS) {
    const got = installedVersion(cwd, sdk.name);
    if (!got) continue;
    found++;
    if (supports(sdk, got.version))
      out.push({ area: 'sdk', state: 'ok', message: `${sdk.name} ${got.version} (supported: ${sdk.how})` });
    else
      out.push({
        area: 'sdk',
        state: 'problem',
        message: `${sdk.name} ${got.version} is outside the supported range >=${sdk.min} <${sdk.below}: its calls may not be recorded`,
        fix: `Install a supported version: npm install '${sdk.name}@>=${sdk.min} <${sdk.below}'`,
      });
  }
  if (found === 0)
    out.push({
      area: 'sdk',
      state: 'info',
      message: `no LLM SDK found from ${cwd} (${SUPPORTED_SDKS.map((s) => s.name).join(', ')}); raw fetch calls are still recorded`,
    });
  return out;
}

async function configChecks(
  env: Record<string, string | undefined>,
): Promise<{ checks: Check[]; config: import('@tokenmeter/node').TokenmeterNodeConfig }> {
  const node = await import('@tokenmeter/node');
  const { config, problems } = node.parseConfig({ ...env });
  const checks: Check[] = problems.map((p) => ({
    area: 'config',
    state: 'problem' as const,
    message: p,
    fix: `Fix or unset ${p.split(/[=:\s]/)[0]} in the app's environment.`,
  }));
  for (const u of unknownEnvVars(env)) {
    // parseConfig already reports a TOKENMETER_* typo with its suggestion: do not say it twice.
    if (problems.some((p) => p.startsWith(`${u.name} `))) continue;
    if (u.name.startsWith('TOKENMETER_'))
      checks.push({
        area: 'config',
        state: 'problem',
        message: `${u.name} is not a tokenmeter setting and is ignored`,
        fix: u.didYouMean
          ? `Did you mean ${u.didYouMean}?`
          : 'Remove it; the settings are listed in the @tokenmeter/node README.',
      });
    else
      checks.push({
        area: 'config',
        state: 'warn',
        message: `${u.name} is not read by tokenmeter`,
        fix: `Did you mean ${u.didYouMean}?`,
      });
  }
  if (checks.length === 0) {
    const set = Object.keys(env).filter((k) => (KNOWN_ENV_VARS as readonly string[]).includes(k));
    checks.push({
      area: 'config',
      state: 'ok',
      message: set.length
        ? `environment settings valid (${set.join(', ')})`
        : 'no TOKENMETER_* / OTEL_* settings: defaults apply',
    });
  }
  if (config.disabled)
    checks.push({
      area: 'config',
      state: 'warn',
      message: 'OTEL_SDK_DISABLED=true: the preload records nothing',
      fix: 'Unset OTEL_SDK_DISABLED.',
    });
  return { checks, config };
}

async function pricingChecks(env: Record<string, string | undefined>, cwd: string): Promise<Check[]> {
  const file = readEnv(env, ['TOKENMETER_PRICING_FILE']).values.TOKENMETER_PRICING_FILE;
  if (!file)
    return [
      {
        area: 'pricing',
        state: 'info',
        message: 'no pricing file (TOKENMETER_PRICING_FILE): bundled catalog prices only',
      },
    ];
  const full = path.resolve(cwd, file);
  const pricing = await import('@tokenmeter/pricing');
  const r = pricing.loadPricingFile(full);
  if (r.problems.length === 0) {
    const n = r.overrides.models?.length ?? 0;
    return [
      {
        area: 'pricing',
        state: 'ok',
        message: `${full}: ${n} model override${n === 1 ? '' : 's'}, valid (${pricing.catalogVersion})`,
      },
    ];
  }
  return r.problems.map((p) => ({
    area: 'pricing',
    state: 'problem' as const,
    message: `${p.file}${p.path ? ` at ${p.path}` : ''}: ${p.reason}`,
    fix: 'Fix this entry (format: the "Overrides file" section of the @tokenmeter/pricing README); it is ignored until then.',
  }));
}

function storeChecks(file: string | null): Check[] {
  if (file === null)
    return [
      {
        area: 'store',
        state: 'info',
        message: 'TOKENMETER_STORE=off: no local store (cost goes to OTLP / Prometheus only)',
      },
    ];
  if (!existsSync(file)) {
    const dir = path.dirname(file);
    let writable = false;
    let probe = dir;
    while (!existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
    try {
      accessSync(probe, constants.W_OK);
      writable = true;
    } catch {
      writable = false;
    }
    return writable
      ? [
          {
            area: 'store',
            state: 'info',
            message: `${file} does not exist yet: the preload creates it on the first call (or run \`tokenmeter demo\`)`,
          },
        ]
      : [
          {
            area: 'store',
            state: 'problem',
            message: `${file} cannot be created: ${probe} is not writable`,
            fix: 'Point TOKENMETER_STORE at a writable path, or set TOKENMETER_HOME.',
          },
        ];
  }
  const out: Check[] = [];
  try {
    const store = openStore(file, { readonly: true });
    try {
      const h = store.health({ quickCheck: true });
      if (h.ok)
        out.push({
          area: 'store',
          state: 'ok',
          message: `${file}: ${formatBytes(h.sizeBytes)}, ${formatInt(h.calls)} calls, schema v${h.schemaVersion}, ${h.journalMode}, SQLite ${h.sqliteVersion} through ${h.binding}`,
        });
      else
        out.push({
          area: 'store',
          state: 'problem',
          message: `${file}: ${h.problem ?? 'failed its integrity check'}`,
          fix: 'Move the file aside (the preload starts a new one), and keep the copy if you need its data.',
        });
    } finally {
      store.close();
    }
  } catch (e) {
    const kind = (e as { kind?: string }).kind;
    if (kind === 'needs_migration')
      out.push({
        area: 'store',
        state: 'ok',
        message: `${file}: an older schema, migrated on the next write`,
      });
    else
      out.push({
        area: 'store',
        state: 'problem',
        message: (e as Error).message,
        fix:
          kind === 'newer_schema'
            ? 'Upgrade tokenmeter to the version that wrote it.'
            : 'See the message; the preload logs the same and goes on without the store.',
      });
  }
  try {
    accessSync(file, constants.W_OK);
    accessSync(path.dirname(file), constants.W_OK);
  } catch {
    out.push({
      area: 'store',
      state: 'problem',
      message: `${file} is not writable by this user: the preload cannot record calls`,
      fix: `Fix the permissions (e.g. \`chmod u+w ${file}\`) or point TOKENMETER_STORE elsewhere.`,
    });
  }
  return out;
}

async function exporterChecks(
  config: import('@tokenmeter/node').TokenmeterNodeConfig,
  timeoutMs: number,
): Promise<Check[]> {
  const out: Check[] = [];
  const targets = new Map<string, string>();
  if (config.tracesExporters.includes('otlp')) targets.set(config.otlpTraces.url, 'traces');
  if (config.metricsExporters.includes('otlp'))
    targets.set(
      config.otlpMetrics.url,
      [targets.get(config.otlpMetrics.url), 'metrics'].filter(Boolean).join(' + '),
    );
  for (const [url, what] of targets) {
    const u = new URL(url);
    const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
    const ok = await tcpReachable(u.hostname, port, timeoutMs);
    out.push(
      ok
        ? { area: 'exporters', state: 'ok', message: `OTLP ${what} endpoint ${url} is reachable` }
        : {
            area: 'exporters',
            state: 'problem',
            message: `OTLP ${what} endpoint ${url} is not reachable (TCP connect to ${u.hostname}:${port} failed within ${timeoutMs} ms)`,
            fix:
              'Start a collector there, point OTEL_EXPORTER_OTLP_ENDPOINT at yours, or set ' +
              `${what.includes('traces') ? 'OTEL_TRACES_EXPORTER=none' : 'OTEL_METRICS_EXPORTER=prometheus'} if you use only the local store.`,
          },
    );
  }
  if (config.metricsExporters.includes('prometheus')) {
    const { host, port } = config.prometheus;
    if (await portFree(host, port))
      out.push({
        area: 'exporters',
        state: 'ok',
        message: `Prometheus port ${host}:${port} is free for the app's /metrics`,
      });
    else if (await servesMetrics(host, port, timeoutMs))
      out.push({
        area: 'exporters',
        state: 'ok',
        message: `Prometheus /metrics is being served on ${host}:${port} (an instrumented app is running)`,
      });
    else
      out.push({
        area: 'exporters',
        state: 'problem',
        message: `Prometheus port ${host}:${port} is taken by something that does not serve /metrics`,
        fix: 'Set OTEL_EXPORTER_PROMETHEUS_PORT to a free port.',
      });
  }
  if (targets.size === 0 && !config.metricsExporters.includes('prometheus'))
    out.push({ area: 'exporters', state: 'info', message: 'no OTLP or Prometheus exporter configured' });
  return out;
}

export async function runChecks(ctx: CommandContext): Promise<Check[]> {
  const env = ctx.io.env;
  const checks: Check[] = [nodeCheck(), ...sdkChecks(ctx.io.cwd)];
  const { checks: cfg, config } = await configChecks(env);
  checks.push(...cfg);
  checks.push(...(await pricingChecks(env, ctx.io.cwd)));
  const storeFlag = str(ctx, 'store');
  const file = storeFlag !== undefined ? path.resolve(ctx.io.cwd, storeFlag) : resolveStorePath({ ...env });
  checks.push(...storeChecks(file === null ? null : path.resolve(ctx.io.cwd, file)));
  checks.push(...(await exporterChecks(config, 1000)));
  return checks;
}

export const doctorCommand: CommandSpec = {
  name: 'doctor',
  summary: 'Check Node, SDK versions, configuration, pricing file, store and exporters',
  usage: 'doctor [--json] [--store PATH]',
  description:
    "Run it in your app's directory, with the app's environment: SDK versions are resolved from the\n" +
    'current directory and settings are read from TOKENMETER_* and OTEL_* variables. Exit code 1 when\n' +
    'a problem is found; each problem comes with its fix.',
  flags: {
    json: { type: 'boolean', description: 'print JSON: { ok, checks: [{ area, state, message, fix }] }' },
    store: STORE_FLAG,
  },
  examples: [
    'tokenmeter doctor',
    'OTEL_TRACES_EXPORTER=none tokenmeter doctor',
    'tokenmeter doctor --json | jq \'.checks[] | select(.state=="problem")\'',
  ],
  async run(ctx) {
    const checks = await runChecks(ctx);
    const problems = checks.filter((c) => c.state === 'problem');
    if (bool(ctx, 'json')) {
      ctx.io.stdout.write(`${JSON.stringify({ ok: problems.length === 0, checks }, null, 2)}\n`);
      return problems.length ? EXIT_ERROR : EXIT_OK;
    }
    const o = ctx.out;
    const mark: Record<CheckState, string> = {
      ok: o.green('✓'),
      info: o.dim('·'),
      warn: o.yellow('!'),
      problem: o.red('✗'),
    };
    let area = '';
    for (const c of checks) {
      if (c.area !== area) {
        area = c.area;
        ctx.io.stdout.write(`${area === checks[0]!.area ? '' : '\n'}${o.bold(area)}\n`);
      }
      ctx.io.stdout.write(`  ${mark[c.state]} ${c.message}\n`);
      if (c.fix && c.state !== 'ok') ctx.io.stdout.write(`    ${o.dim('fix:')} ${c.fix}\n`);
    }
    const warns = checks.filter((c) => c.state === 'warn').length;
    ctx.io.stdout.write(
      `\n${problems.length ? o.red(`${problems.length} problem${problems.length === 1 ? '' : 's'} found`) : o.green('No problems found')}${warns ? `, ${warns} warning${warns === 1 ? '' : 's'}` : ''}.\n`,
    );
    return problems.length ? EXIT_ERROR : EXIT_OK;
  },
};
