// End to end: `tokenmeter demo` runs the workload with the official SDKs under the real preload
// (node --import @tokenmeter/node/register), which records to the store; the table it prints is read
// back from that store.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
  GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
} from '@tokenmeter/semconv';
import { formatUsd } from '../src/format/money.js';
import { spawnCli, tempDir, withStore } from './helpers.js';

describe('tokenmeter demo', () => {
  it('records a realistic workload through the preload and prints a cost table equal to the store', {
    timeout: 180_000,
  }, async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'demo.db');
    const r = await spawnCli(['demo', '--calls', '60', '--store', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const s = withStore(file, (st) => ({
      total: st.summary({}),
      byModel: st.summary({ groupBy: 'model' }),
      byFeature: st.summary({ groupBy: 'feature' }),
      byProvider: st.summary({ groupBy: 'provider' }),
      byTenant: st.summary({ groupBy: 'tenant' }),
      calls: st.calls({ limit: 1000 }).calls,
    }));
    assert.equal(s.total.totals.calls, 60, 'every call was recorded');
    assert.match(
      r.stdout,
      new RegExp(
        `✓ 60 calls made \\(\\d+ failed on purpose: rate limits, overloads\\), 60 recorded, total \\${formatUsd(s.total.totals.costNanos)}`,
      ),
    );
    const [modelTable, featureTable] = r.stdout.split('Cost by feature');
    assert.match(
      modelTable!,
      new RegExp(`\\nTOTAL\\s+60\\s+.*\\${formatUsd(s.total.totals.costNanos)}\\s+100\\.0%\\n`),
    );
    assert.match(
      featureTable!,
      new RegExp(`\\nTOTAL\\s+60\\s+.*\\${formatUsd(s.total.totals.costNanos)}\\s+100\\.0%\\n`),
    );
    for (const g of s.byModel.groups.slice(0, 3))
      assert.match(
        modelTable!,
        new RegExp(
          `\\n${g.key!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${g.calls}\\s.*\\${formatUsd(g.costNanos)}`,
        ),
      );
    assert.match(
      r.stdout,
      new RegExp(`tokenmeter serve --store ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );

    // Several providers, through their official SDKs.
    assert.deepEqual(s.byProvider.groups.map((g) => g.key).sort(), [
      'anthropic',
      GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
      GEN_AI_PROVIDER_NAME_VALUE_GCP_GEMINI,
      'openai',
    ]);
    // Attribution (withAttribution and W3C baggage) on every call.
    assert.ok(
      s.calls.every((c) => c.feature && c.user && c.tenant),
      'every call attributed',
    );
    assert.ok(s.byTenant.groups.length >= 3);
    // Streaming, prompt caching, reasoning, errors and an unpriced model are all there.
    assert.ok(s.calls.some((c) => c.stream && c.provider === 'openai' && c.priced));
    assert.ok(s.calls.some((c) => c.stream && c.provider === 'anthropic'));
    assert.ok(
      s.calls.some((c) => c.provider === 'anthropic' && c.cacheReadTokens > 0 && c.cacheReadCostNanos > 0),
    );
    assert.ok(s.calls.some((c) => c.reasoningTokens > 0));
    assert.ok(s.calls.some((c) => c.httpStatus === 429 && c.errorType !== null));
    assert.ok(s.calls.some((c) => c.usageKnown && !c.priced));
    assert.ok(s.total.totals.costNanos > 0);
  });

  it('rejects bad flags', async () => {
    const r = await spawnCli(['demo', '--calls', 'lots']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--calls: "lots" is not a whole number from 1 to 10000/);
  });
});
