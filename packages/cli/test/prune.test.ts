import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { InStream } from '../src/io.js';
import { DAY, makeStore, NOW, run, sampleCalls, tempDir, withStore } from './helpers.js';

/** A terminal stdin that types `answer` when read. */
function typing(answer: string): InStream {
  const e = new EventEmitter() as EventEmitter & InStream;
  e.isTTY = true;
  e.pause = () => e;
  e.resume = () => {
    setImmediate(() => e.emit('data', answer));
    return e;
  };
  return e;
}

describe('tokenmeter prune', () => {
  it('--dry-run counts, --yes deletes, and totals of what is kept stay exact', async (t) => {
    const dir = tempDir(t);
    const file = makeStore(dir, [
      ...sampleCalls(100, NOW - 60 * DAY, NOW - 31 * DAY, 1),
      ...sampleCalls(50, NOW - 20 * DAY, NOW, 2),
    ]);
    const keptBefore = withStore(file, (s) => s.summary({ since: NOW - 30 * DAY }).totals);
    const dry = await run(['prune', '--older-than', '30d', '--dry-run', '--store', file]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      /^Would delete 100 calls \(\$[\d.,]+\) that started before 2026-10-24 12:00:00 \(\S+\)\./,
    );
    assert.equal(
      withStore(file, (s) => s.summary({}).totals.calls),
      150,
    );

    const yes = await run(['prune', '--older-than', '30d', '--yes', '--store', file]);
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, /✓ Deleted 100 calls that started before 2026-10-24/);
    const all = withStore(file, (s) => s.summary({}).totals);
    assert.equal(all.calls, 50);
    assert.equal(all.costNanos, keptBefore.costNanos);

    const again = await run(['prune', '--older-than', '30d', '--yes', '--store', file, '--json']);
    assert.equal(JSON.parse(again.stdout).wouldDelete, 0);
  });

  it('asks on a terminal, and refuses to delete without --yes in a script', async (t) => {
    const dir = tempDir(t);
    const file = makeStore(dir, sampleCalls(10, NOW - 100 * DAY, NOW - 95 * DAY));
    const script = await run(['prune', '--older-than', '3m', '--store', file]);
    assert.equal(script.code, 2);
    assert.match(script.stderr, /this deletes 10 calls: pass --yes to confirm when not on a terminal/);
    const no = await run(['prune', '--older-than', '3m', '--store', file], {
      tty: true,
      stdin: typing('n\n'),
    });
    assert.equal(no.code, 1);
    assert.match(no.stderr, /Delete 10 calls .* \[y\/N\] Nothing deleted\./);
    assert.equal(
      withStore(file, (s) => s.summary({}).totals.calls),
      10,
    );
    const ok = await run(['prune', '--older-than', '3m', '--store', file], {
      tty: true,
      stdin: typing('y\n'),
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(
      withStore(file, (s) => s.summary({}).totals.calls),
      0,
    );
  });

  it('explains a bad or missing duration', async (t) => {
    const file = makeStore(tempDir(t), []);
    const bad = await run(['prune', '--older-than', '30 days', '--store', file]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /--older-than: "30 days" is not a duration: use a number and h, d, w, m \(months\) or y, like 30d or 3m/,
    );
    const missing = await run(['prune', '--store', file]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--older-than is required/);
  });
});
