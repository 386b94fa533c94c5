// Fault suite: calls an app could not write at exit (the store was locked) wait next to the store in
// a spill file; the CLI imports them before it reads, says so in one line, and counts them.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { pendingSpills } from '@tokenmeter/store';
import { DAY, makeStore, NOW, run, sampleCalls, tempDir } from '../helpers.js';

test('tokenmeter cost imports the calls apps spilled at exit before it reads, with one line on stderr', async (t) => {
  const dir = tempDir(t);
  const file = makeStore(dir, sampleCalls(20, NOW - DAY, NOW));
  const spilled = sampleCalls(7, NOW - DAY, NOW, 99).map((c) =>
    JSON.stringify({ ...c, serviceName: 'spilled-app' }),
  );
  writeFileSync(`${file}.spill-4242-${NOW}.ndjson`, `${spilled.join('\n')}\n`);

  const r = await run(['cost', '--store', file, '--service', 'spilled-app', '--json', '--tz', 'UTC']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stderr,
    'tokenmeter: imported 7 calls that apps could not write at exit (1 spill file next to the store)\n',
  );
  assert.equal((JSON.parse(r.stdout) as { totals: { calls: number } }).totals.calls, 7);
  assert.deepEqual(pendingSpills(file), []);

  const again = await run(['cost', '--store', file, '--json', '--tz', 'UTC']);
  assert.equal(again.stderr, '', 'nothing left to import');
  assert.equal((JSON.parse(again.stdout) as { totals: { calls: number } }).totals.calls, 27);
});
