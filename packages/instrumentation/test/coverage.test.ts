// The registry of calls tokenmeter's spans cover (so the CostSpanProcessor never prices a call
// twice) stays bounded in a long-running process without forgetting recent calls, and adding to it
// once full does not scan the set (it used to evict the oldest entry of one Set on every add).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedSet } from '../src/coverage.js';

test('a full coverage set still remembers the most recent response ids and forgets old ones', () => {
  const set = new BoundedSet(100);
  for (let i = 0; i < 1_000; i++) set.add(`id-${i}`);
  for (let i = 900; i < 1_000; i++) assert.ok(set.has(`id-${i}`), `id-${i} (one of the last 100) forgotten`);
  assert.equal(set.has('id-0'), false, 'the set is not bounded');
  let held = 0;
  for (let i = 0; i < 1_000; i++) if (set.has(`id-${i}`)) held++;
  assert.ok(held >= 100 && held <= 200, `holds ${held} ids, not between the bound and twice it`);
});

test('a covered parent span deleted from a full coverage set is gone from both generations', () => {
  const set = new BoundedSet(10);
  for (let i = 0; i < 15; i++) set.add(`span-${i}`);
  assert.ok(set.has('span-5'));
  assert.equal(set.delete('span-5'), true);
  assert.equal(set.has('span-5'), false);
  assert.equal(set.delete('span-5'), false);
  set.clear();
  assert.equal(set.has('span-14'), false);
});
