import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { csvRow } from '../src/format/csv.js';
import { formatUsd, nanosToDecimal, parseUsdToNanos } from '../src/format/money.js';
import { renderTable } from '../src/format/table.js';
import { colorEnabled, styles } from '../src/io.js';
import { parseInstant } from '../src/query/time.js';

describe('money', () => {
  it('shows small amounts with three significant digits and large ones with cents', () => {
    assert.equal(formatUsd(0), '$0.00');
    assert.equal(formatUsd(28_300_000), '$0.0283');
    assert.equal(formatUsd(283_200), '$0.000283');
    assert.equal(formatUsd(500_000_000), '$0.50');
    assert.equal(formatUsd(1), '$0.000000001');
    assert.equal(formatUsd(1_234_560_000_000), '$1,234.56');
    assert.equal(formatUsd(1_000_000_000), '$1.00');
    assert.equal(formatUsd(-28_300_000), '-$0.0283');
  });

  it('never shows a non-zero cost as $0.00', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999 }), (n) => {
        assert.notEqual(formatUsd(n), '$0.00');
      }),
    );
  });

  it('keeps every nano-dollar in the decimal text, and parses it back exactly', () => {
    assert.equal(nanosToDecimal(283_200), '0.000283200');
    assert.equal(nanosToDecimal(1_234_567_890_123), '1234.567890123');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        assert.equal(parseUsdToNanos(nanosToDecimal(n)), n);
      }),
    );
  });

  it('parses amounts people type and refuses the rest', () => {
    assert.equal(parseUsdToNanos('50'), 50_000_000_000);
    assert.equal(parseUsdToNanos('$1,234.5'), 1_234_500_000_000);
    assert.equal(parseUsdToNanos('0.01'), 10_000_000);
    for (const bad of ['-1', 'abc', '1e3', '0.0000000001', '', '1.2.3'])
      assert.equal(parseUsdToNanos(bad), undefined, bad);
  });
});

describe('csv', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas', () => {
    assert.equal(csvRow(['a', 'b,c', 'say "hi"', 1, null, true]), 'a,"b,c","say ""hi""",1,,true\r\n');
    assert.equal(csvRow(['=HYPERLINK("x")', '+1', '@a', '-x']), `"'=HYPERLINK(""x"")",'+1,'@a,'-x\r\n`);
    // A negative amount is a number, not a formula: written as it is.
    assert.equal(
      csvRow(['-0.096000000', '-49.2308', '-1+2', '-1e3']),
      "-0.096000000,-49.2308,'-1+2,'-1e3\r\n",
    );
  });
});

describe('table', () => {
  it('aligns columns, upper-cases headers and cuts the widest text column to the width', () => {
    const text = renderTable(
      [{ header: 'model' }, { header: 'cost', align: 'right' }],
      [
        ['gpt-4o-mini-2024-07-18', '$0.0283'],
        ['claude', '$12.00'],
      ],
      { styles: styles(false), footer: ['TOTAL', '$12.03'], maxWidth: 20 },
    );
    assert.deepEqual(text.split('\n'), [
      'MODEL           COST',
      'gpt-4o-min…  $0.0283',
      'claude        $12.00',
      'TOTAL         $12.03',
      '',
    ]);
  });
});

describe('colours', () => {
  it('follow FORCE_COLOR, then NO_COLOR, then the terminal', () => {
    assert.equal(colorEnabled({ write() {}, isTTY: true }, {}), true);
    assert.equal(colorEnabled({ write() {}, isTTY: false }, {}), false);
    assert.equal(colorEnabled({ write() {}, isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(colorEnabled({ write() {}, isTTY: false }, { FORCE_COLOR: '1' }), true);
    assert.equal(colorEnabled({ write() {}, isTTY: true }, { FORCE_COLOR: '0' }), false);
    assert.equal(colorEnabled({ write() {}, isTTY: true }, { TERM: 'dumb' }), false);
  });
});

describe('times', () => {
  const now = Date.UTC(2026, 10, 23, 12);
  it('reads dates in the time zone, durations back from now, and offsets as given', () => {
    assert.equal(parseInstant('2026-11-01', { now, timeZone: 'UTC' }), Date.UTC(2026, 10, 1));
    assert.equal(parseInstant('2026-11-01', { now, timeZone: 'Europe/Paris' }), Date.UTC(2026, 9, 31, 23));
    assert.equal(parseInstant('2026-11-30', { now, timeZone: 'UTC', end: true }), Date.UTC(2026, 11, 1));
    assert.equal(
      parseInstant('2026-07-01T14:30', { now, timeZone: 'America/New_York' }),
      Date.UTC(2026, 6, 1, 18, 30),
    );
    assert.equal(
      parseInstant('2026-11-01T10:00:00Z', { now, timeZone: 'Asia/Tokyo' }),
      Date.UTC(2026, 10, 1, 10),
    );
    assert.equal(parseInstant('2026-11-01T10:00+02:00', { now, timeZone: 'UTC' }), Date.UTC(2026, 10, 1, 8));
    assert.equal(parseInstant('7d', { now, timeZone: 'UTC' }), now - 7 * 86_400_000);
    assert.equal(parseInstant('12h', { now, timeZone: 'UTC' }), now - 12 * 3_600_000);
    assert.equal(parseInstant('now', { now, timeZone: 'UTC' }), now);
  });

  it('refuses what is not a time', () => {
    for (const bad of ['yesterday', '2026-13-01', '2026-02-30', '7x', '2026-11-01T25:00', '', 'd7'])
      assert.equal(parseInstant(bad, { now, timeZone: 'UTC' }), undefined, bad);
  });
});
