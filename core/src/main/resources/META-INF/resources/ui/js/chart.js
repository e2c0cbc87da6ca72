// Line charts of query_range results, drawn by uPlot (loaded as the global `uPlot` from its WebJar).
// Its legend lists every series and, while the cursor is over the plot, the value under it.

import { formatSeries, formatValue } from "./api.js";

/** The observer keeping each chart as wide as its element, by element. */
const resizeObservers = new WeakMap();

const PALETTE = [
  "#e6522c", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b",
  "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728",
];

/**
 * Draws a matrix (query_range's data.result) into the element and returns the uPlot instance, or
 * null when there is nothing to draw. Series are aligned on the union of their timestamps; a gap
 * (no sample at a step) stays a gap rather than a line across it. The x axis spans the queried
 * range [startSeconds, endSeconds], so series that began recently sit where they began.
 */
export function drawMatrix(element, result, { startSeconds, endSeconds, height = 320, label = formatSeries } = {}) {
  resizeObservers.get(element)?.disconnect(); // it would resize the chart being replaced
  element.replaceChildren();
  element.dataset.series = String(result.length);
  if (result.length === 0) {
    element.innerHTML = '<p class="muted">Empty query result.</p>';
    return null;
  }
  const timestamps = [...new Set(result.flatMap((s) => s.values.map(([t]) => t)))].sort((a, b) => a - b);
  const index = new Map(timestamps.map((t, i) => [t, i]));
  const data = [timestamps];
  let points = 0;
  for (const s of result) {
    const ys = new Array(timestamps.length).fill(null);
    for (const [t, v] of s.values) {
      ys[index.get(t)] = Number(v);
      points++;
    }
    data.push(ys);
  }
  element.dataset.points = String(points);
  const series = [
    { value: (u, t) => (t == null ? "" : new Date(t * 1000).toLocaleString()) },
    ...result.map((s, i) => ({
      label: label(s.metric),
      stroke: PALETTE[i % PALETTE.length],
      width: 1.5,
      spanGaps: false,
      points: { show: timestamps.length < 2 },
      value: (u, v) => (v == null ? "–" : formatValue(v)),
    })),
  ];
  const chart = new uPlot(
    {
      width: Math.max(element.clientWidth, 300),
      height,
      series,
      scales: { x: { time: true, range: (u, min, max) => [startSeconds ?? min, endSeconds ?? max] } },
      axes: [{ space: 70 }, { size: 70, values: (u, ticks) => ticks.map(formatValue) }],
      legend: { live: true },
      // Away from the plot, the legend shows each series' latest value instead of blanks.
      hooks: { setCursor: [(u) => u.cursor.idx == null && u.setLegend({ idx: timestamps.length - 1 })] },
      cursor: { focus: { prox: 16 } },
      focus: { alpha: 0.3 },
    },
    data,
    element,
  );
  chart.setLegend({ idx: timestamps.length - 1 });
  const observer = new ResizeObserver(() => {
    const width = Math.max(element.clientWidth, 300);
    if (width !== chart.width) chart.setSize({ width, height });
  });
  observer.observe(element);
  resizeObservers.set(element, observer);
  return chart;
}
