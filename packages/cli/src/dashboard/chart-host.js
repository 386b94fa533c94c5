// The charts on screen, kept to be redrawn when the theme changes (their colours are CSS variables).

const charts = new Map();

/** Draws (or redraws) the chart of element `id` with `draw(el)`, which returns { destroy }. */
export function drawChart(id, draw) {
  charts.get(id)?.chart.destroy();
  const el = document.getElementById(id);
  charts.set(id, { draw, chart: draw(el) });
}

export function redrawCharts() {
  for (const [id, c] of charts) {
    const el = document.getElementById(id);
    c.chart.destroy();
    if (!el) {
      charts.delete(id);
      continue;
    }
    c.chart = c.draw(el);
  }
}
