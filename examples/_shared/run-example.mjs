// Runs an example app against the mock provider (no API key, no network) under the tokenmeter
// preload, then prints what tokenmeter recorded in its local store: every call with its price.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMockProvider } from '@tokenmeter/mock-provider';
import { openStore } from '@tokenmeter/store';

/**
 * @param {object} o
 * @param {string} o.dir the example's directory
 * @param {string} o.app the app file, relative to dir
 * @param {'import'|'require'} [o.preload]
 * @param {string[]} [o.nodeArgs] node flags before the preload (an app's own OTel setup)
 * @param {(mock: import('@tokenmeter/mock-provider').MockProvider) => Record<string, string>} o.env
 */
export async function runExample({ dir, app, preload = 'import', nodeArgs = [], env }) {
  const mock = await startMockProvider();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tokenmeter-example-'));
  const store = path.join(tmp, 'tokenmeter.db');
  const args = [...nodeArgs, `--${preload}`, '@tokenmeter/node/register', app];
  const childEnv = {
    ...process.env,
    // No collector in a demo: spans are not exported unless asked (OTEL_TRACES_EXPORTER=console|otlp).
    OTEL_TRACES_EXPORTER: process.env.OTEL_TRACES_EXPORTER ?? 'none',
    OTEL_METRICS_EXPORTER: process.env.OTEL_METRICS_EXPORTER ?? 'none',
    TOKENMETER_STORE: store,
    ...env(mock),
  };
  console.log(`$ node ${args.join(' ')}    (against the mock provider at ${mock.url})\n`);
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: dir, env: childEnv, stdio: 'inherit' });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  await mock.close();
  try {
    printStore(store);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return code;
}

const usd = (nanos) => `$${(nanos / 1e9).toFixed(9)}`;

export function printStore(file) {
  const s = openStore(file, { readonly: true });
  try {
    const { calls } = s.calls({ limit: 100 });
    console.log('\npriced by tokenmeter (local store):');
    for (const c of calls.reverse()) {
      const model = c.responseModel ?? c.requestModel ?? '?';
      const cost = c.priced ? usd(c.costNanos) : `unpriced (${c.pricingMatch})`;
      const cache =
        c.cacheReadTokens || c.cacheWriteTokens
          ? `  cache read ${c.cacheReadTokens} write ${c.cacheWriteTokens}`
          : '';
      const who = [c.feature, c.tenant].filter(Boolean).join('/');
      console.log(
        `  ${c.operation} ${model}  ${c.provider}  in ${c.inputTokens}  out ${c.outputTokens}${cache}  ${cost}${c.stream ? '  (stream)' : ''}${who ? `  [${who}]` : ''}`,
      );
    }
    const t = s.summary().totals;
    console.log(`  total: ${t.calls} call${t.calls === 1 ? '' : 's'}, ${usd(t.costNanos)}`);
  } finally {
    s.close();
  }
}
