// Charts of the dashboard, drawn by uPlot (served from the package's node_modules, no CDN).
// Horizontal bars for categories (model, feature, ...), vertical bars over time for days.

import { formatUsd } from './format.js';
import uPlot from './uPlot.esm.js';

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function font(size = 12) {
  return `${size}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
}

/** Shortest USD text for an axis tick. */
function usdTick(v) {
  if (v === 0) return '$0';
  if (Math.abs(v) >= 1000) return `$${(v / 1000).toFixed(v >= 10000 ? 0 : 1)}k`;
  if (Math.abs(v) >= 1) return `$${v.toFixed(v >= 10 ? 0 : 2)}`;
  return formatUsd(Math.round(v * 1e9));
}

function truncate(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** A tooltip that follows the cursor: `text(idx)` gives its content. */
function tooltipPlugin(text) {
  let tip;
  return {
    hooks: {
      init(u) {
        tip = document.createElement('div');
        tip.className = 'chart-tip';
        tip.setAttribute('aria-hidden', 'true');
        u.over.appendChild(tip);
      },
      setCursor(u) {
        const i = u.cursor.idx;
        if (i == null || u.cursor.left < 0) {
          tip.style.display = 'none';
          return;
        }
        tip.textContent = text(i);
        tip.style.display = 'block';
        const x = Math.min(u.cursor.left + 12, u.over.clientWidth - tip.offsetWidth - 4);
        const y = Math.max(4, u.cursor.top - tip.offsetHeight - 8);
        tip.style.transform = `translate(${x}px, ${y}px)`;
      },
    },
  };
}

/** Keeps a chart sized to its container. */
function autosize(u, el, height) {
  const ro = new ResizeObserver(() => {
    const w = el.clientWidth;
    if (w > 0 && w !== u.width) u.setSize({ width: w, height });
  });
  ro.observe(el);
  return () => ro.disconnect();
}

function empty(el, message) {
  el.replaceChildren();
  const p = document.createElement('p');
  p.className = 'empty';
  p.textContent = message;
  el.appendChild(p);
  return { destroy() {} };
}

/**
 * Horizontal bars, one per category, most expensive on top.
 * @param {HTMLElement} el
 * @param {{ labels: string[], nanos: number[] }} data
 */
export function categoryBars(el, data) {
  el.replaceChildren();
  const n = data.labels.length;
  if (n === 0) return empty(el, 'No calls in this period.');
  const height = el.clientHeight || 260;
  const values = data.nanos.map((v) => v / 1e9);
  const xs = data.labels.map((_, i) => i);
  const text = cssVar('--muted');
  const grid = cssVar('--grid');
  const labelWidth = Math.min(220, Math.max(60, ...data.labels.map((l) => Math.min(28, l.length) * 7 + 14)));
  const opts = {
    width: el.clientWidth || 600,
    height,
    padding: [8, 16, 0, 0],
    legend: { show: false },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    scales: {
      x: { time: false, ori: 1, dir: -1, range: [-0.5, n - 0.5] },
      y: { ori: 0, range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
    },
    axes: [
      {
        scale: 'x',
        side: 3,
        size: labelWidth,
        gap: 6,
        stroke: text,
        font: font(12),
        grid: { show: false },
        ticks: { show: false },
        splits: () => xs,
        values: (_u, splits) => splits.map((i) => truncate(data.labels[i] ?? '', 28)),
      },
      {
        scale: 'y',
        side: 2,
        stroke: text,
        font: font(11),
        space: 70,
        size: 28,
        grid: { stroke: grid, width: 1 },
        ticks: { show: false },
        values: (_u, splits) => splits.map(usdTick),
      },
    ],
    series: [
      {},
      {
        label: 'Cost',
        fill: cssVar('--bar'),
        stroke: cssVar('--bar'),
        width: 0,
        paths: uPlot.paths.bars({ size: [0.7, 28], radius: 0.15 }),
        points: { show: false },
      },
    ],
    plugins: [tooltipPlugin((i) => `${data.labels[i]}: ${formatUsd(data.nanos[i])}`)],
  };
  const u = new uPlot(opts, [xs, values], el);
  const stop = autosize(u, el, height);
  return {
    destroy() {
      stop();
      u.destroy();
    },
  };
}

/**
 * Vertical bars over days.
 * @param {HTMLElement} el
 * @param {{ days: number[], nanos: number[] }} data  days = local midnight, epoch ms
 */
export function dayBars(el, data) {
  el.replaceChildren();
  if (data.days.length === 0) return empty(el, 'No calls in this period.');
  const height = el.clientHeight || 260;
  const xs = data.days.map((d) => d / 1000);
  const values = data.nanos.map((v) => v / 1e9);
  const text = cssVar('--muted');
  const grid = cssVar('--grid');
  const day = 86400;
  const opts = {
    width: el.clientWidth || 600,
    height,
    padding: [12, 12, 0, 4],
    legend: { show: false },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    scales: {
      x: { time: true, range: () => [xs[0] - day * 0.6, xs[xs.length - 1] + day * 0.6] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      {
        stroke: text,
        font: font(11),
        grid: { show: false },
        ticks: { show: false },
        space: 40,
        size: 28,
        incrs: [day, 2 * day, 7 * day, 14 * day, 30 * day, 91 * day, 365 * day],
        values: (_u, splits) =>
          splits.map((s) =>
            new Date(s * 1000).toLocaleDateString('en-US', { month: 'short', day: 'numeric' }),
          ),
      },
      {
        stroke: text,
        font: font(11),
        grid: { stroke: grid, width: 1 },
        ticks: { show: false },
        size: 64,
        values: (_u, splits) => splits.map(usdTick),
      },
    ],
    series: [
      {},
      {
        label: 'Cost',
        fill: cssVar('--bar'),
        stroke: cssVar('--bar'),
        width: 0,
        paths: uPlot.paths.bars({ size: [0.7, 40], radius: 0.15 }),
        points: { show: false },
      },
    ],
    plugins: [
      tooltipPlugin(
        (i) => `${new Date(data.days[i]).toLocaleDateString('en-CA')}: ${formatUsd(data.nanos[i])}`,
      ),
    ],
  };
  const u = new uPlot(opts, [xs, values], el);
  const stop = autosize(u, el, height);
  return {
    destroy() {
      stop();
      u.destroy();
    },
  };
}

/**
 * A budget's spend over its period: cumulative spend per day so far, then the forecast band (low and
 * high) from now to the period's end, and the limit.
 * @param {HTMLElement} el
 * @param {{ xs: number[], spent: (number|null)[], low: (number|null)[], high: (number|null)[], limitNanos: number }} data
 *   xs = epoch ms; amounts in nano-dollars
 */
export function budgetChart(el, data) {
  el.replaceChildren();
  if (data.xs.length === 0) return empty(el, 'No spend in this period yet.');
  const height = el.clientHeight || 260;
  const text = cssVar('--muted');
  const grid = cssVar('--grid');
  const usd = (xs) => xs.map((v) => (v === null ? null : v / 1e9));
  const limit = data.xs.map(() => data.limitNanos / 1e9);
  const opts = {
    width: el.clientWidth || 600,
    height,
    padding: [12, 12, 0, 4],
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true },
      y: { range: (_u, _min, max) => [0, Math.max(max, data.limitNanos / 1e9) * 1.1] },
    },
    axes: [
      { stroke: text, font: font(11), grid: { show: false }, ticks: { show: false }, size: 28 },
      {
        stroke: text,
        font: font(11),
        grid: { stroke: grid, width: 1 },
        ticks: { show: false },
        size: 64,
        values: (_u, splits) => splits.map(usdTick),
      },
    ],
    series: [
      {},
      { label: 'Spent', stroke: cssVar('--bar'), fill: `${cssVar('--bar')}33`, width: 2, spanGaps: false },
      {
        label: 'Forecast (low)',
        stroke: cssVar('--muted'),
        dash: [6, 4],
        width: 1.5,
        spanGaps: true,
        points: { show: false },
      },
      {
        label: 'Forecast (high)',
        stroke: cssVar('--warn'),
        dash: [6, 4],
        width: 1.5,
        spanGaps: true,
        points: { show: false },
      },
      { label: 'Limit', stroke: cssVar('--danger'), width: 1, points: { show: false } },
    ],
    plugins: [
      tooltipPlugin((i) => {
        const parts = [new Date(data.xs[i]).toLocaleDateString('en-CA')];
        if (data.spent[i] !== null) parts.push(`spent ${formatUsd(data.spent[i])}`);
        if (data.low[i] !== null)
          parts.push(`forecast ${formatUsd(data.low[i])} – ${formatUsd(data.high[i])}`);
        return parts.join(' · ');
      }),
    ],
  };
  const u = new uPlot(
    opts,
    [data.xs.map((x) => x / 1000), usd(data.spent), usd(data.low), usd(data.high), limit],
    el,
  );
  const stop = autosize(u, el, height);
  return {
    destroy() {
      stop();
      u.destroy();
    },
  };
}
