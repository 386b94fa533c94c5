import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  defaultStorePath,
  formatDateTime,
  isTimeZone,
  localDateTime,
  localToEpoch,
  parseDuration,
  periodBounds,
  resolveStorePath,
} from '../src/index.js';
import { daySegments, localDate, startOfLocalDate } from '../src/time.js';

test('parseDuration: hours, days, weeks fixed; months and years on the calendar', () => {
  const now = Date.UTC(2026, 4, 31, 12, 0, 0); // 2026-05-31T12:00Z
  assert.equal(parseDuration('12h', now), 12 * 3_600_000);
  assert.equal(parseDuration('30d', now), 30 * 86_400_000);
  assert.equal(parseDuration('2w', now), 14 * 86_400_000);
  assert.equal(now - parseDuration('3m', now), Date.UTC(2026, 1, 28, 12), 'May 31 minus 3 months is Feb 28');
  assert.equal(now - parseDuration('1m', now), Date.UTC(2026, 3, 30, 12), 'clamped to April 30');
  const leap = Date.UTC(2024, 1, 29);
  assert.equal(leap - parseDuration('1y', leap), Date.UTC(2023, 1, 28));
  assert.equal(parseDuration(' 7D ', now), 7 * 86_400_000);
  for (const bad of ['', '30', 'd', '1.5d', '-3d', '3 months', '10s']) {
    assert.throws(() => parseDuration(bad, now), { name: 'StoreQueryError' }, bad);
  }
});

test('local midnight is found across DST, including a zone whose midnight does not exist', () => {
  // New York: 2026-03-08 has 23 hours, 2026-11-01 has 25.
  const spring = periodBounds('day', Date.UTC(2026, 2, 8, 12), 'America/New_York');
  assert.equal(spring.startMs, Date.UTC(2026, 2, 8, 5));
  assert.equal(spring.endMs - spring.startMs, 23 * 3_600_000);
  const fall = periodBounds('day', Date.UTC(2026, 10, 1, 12), 'America/New_York');
  assert.equal(fall.endMs - fall.startMs, 25 * 3_600_000);
  // Chile springs forward at local midnight: 2026-09-06 begins at 01:00 (04:00Z).
  const start = startOfLocalDate({ year: 2026, month: 9, day: 6 }, 'America/Santiago');
  assert.equal(start, Date.UTC(2026, 8, 6, 4));
  assert.deepEqual(localDate(start - 1000, 'America/Santiago'), { year: 2026, month: 9, day: 5 });
  const segs = daySegments(Date.UTC(2026, 8, 5, 4), Date.UTC(2026, 8, 7, 3), 'America/Santiago');
  assert.deepEqual(
    segs.map((s) => [s.key, (s.endMs - s.startMs) / 3_600_000]),
    [
      ['2026-09-05', 24],
      ['2026-09-06', 23],
    ],
  );
  // Kathmandu is UTC+5:45.
  assert.equal(
    startOfLocalDate({ year: 2026, month: 11, day: 23 }, 'Asia/Kathmandu'),
    Date.UTC(2026, 10, 22, 18, 15),
  );
});

test('periodBounds: ISO weeks start on Monday, months on the 1st, in the given zone', () => {
  // Sunday 2026-11-22 23:30 in Tokyo is Sunday 14:30 UTC.
  const w = periodBounds('week', Date.UTC(2026, 10, 22, 14, 30), 'Asia/Tokyo');
  assert.equal(w.startMs, Date.UTC(2026, 10, 15, 15)); // Monday 2026-11-16 00:00 JST
  assert.equal(w.endMs, Date.UTC(2026, 10, 22, 15));
  const m = periodBounds('month', Date.UTC(2026, 11, 31, 23), 'UTC');
  assert.deepEqual(m, { startMs: Date.UTC(2026, 11, 1), endMs: Date.UTC(2027, 0, 1) });
});

test('store paths: TOKENMETER_HOME, home default, TOKENMETER_STORE path or off', () => {
  assert.equal(defaultStorePath({}), path.join(os.homedir(), '.tokenmeter', 'tokenmeter.db'));
  assert.equal(defaultStorePath({ TOKENMETER_HOME: '/srv/tm' }), '/srv/tm/tokenmeter.db');
  assert.equal(resolveStorePath({}), defaultStorePath({}));
  assert.equal(resolveStorePath({ TOKENMETER_STORE: '', TOKENMETER_HOME: '/x' }), '/x/tokenmeter.db');
  assert.equal(resolveStorePath({ TOKENMETER_STORE: 'off' }), null);
  assert.equal(resolveStorePath({ TOKENMETER_STORE: 'OFF' }), null);
  assert.equal(resolveStorePath({ TOKENMETER_STORE: '/data/cost.db' }), '/data/cost.db');
  assert.equal(resolveStorePath({ TOKENMETER_STORE: 'rel/c.db' }), path.resolve('rel/c.db'));
  assert.equal(resolveStorePath({ TOKENMETER_STORE: '~/c.db' }), path.join(os.homedir(), 'c.db'));
});

test('wall-clock helpers (the one set the CLI and the REST API use): DST gap and fold, formatting', () => {
  // Europe/Paris springs forward at 02:00 on 2026-03-29: 02:30 does not exist, the instant after the gap is 03:00 CEST.
  assert.equal(
    new Date(localToEpoch(2026, 3, 29, 2, 30, 0, 0, 'Europe/Paris')).toISOString(),
    '2026-03-29T01:30:00.000Z',
  );
  assert.equal(formatDateTime(Date.UTC(2026, 2, 29, 1, 0, 0), 'Europe/Paris'), '2026-03-29 03:00:00');
  const t = localToEpoch(2026, 11, 23, 14, 5, 9, 0, 'America/New_York');
  assert.equal(formatDateTime(t, 'America/New_York'), '2026-11-23 14:05:09');
  assert.deepEqual(localDateTime(t, 'UTC'), {
    year: 2026,
    month: 11,
    day: 23,
    hour: 19,
    minute: 5,
    second: 9,
  });
  assert.equal(isTimeZone('Europe/Paris'), true);
  assert.equal(isTimeZone('Mars/Olympus'), false);
  assert.equal(isTimeZone(''), false);
});
