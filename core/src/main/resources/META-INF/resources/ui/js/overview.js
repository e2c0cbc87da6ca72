// The demo app's overview: request totals, success/fail ratio and request rate from the three
// counters, per pod and summed, refreshing by itself.
//
// Pods are told apart by (pod, instance): `pod` in Kubernetes, `instance` in a static config. Two
// HA leaf replicas scrape the same pod and federate it twice, differing only in their `replica`
// external label; max by (pod, instance) counts each pod once instead of once per replica.

import { apiGet, esc, formatValue } from "./api.js";
import { drawMatrix } from "./chart.js";
import { renderNav } from "./nav.js";

renderNav();

const perPod = (expr) => `max by (pod, instance) (${expr})`;
const COUNTERS = { total: "http_request_total", success: "http_request_success_total", fail: "http_request_fail_total" };
const RATE = perPod("rate(http_request_total[1m])");
const CHART_RANGE_SECONDS = 1800;

const errorBox = document.getElementById("error");
const refreshSelect = document.getElementById("refresh");
let timer = null;
let chart = null;

const podName = (metric) => metric.pod ?? metric.instance ?? "(no pod label)";

async function instant(expr) {
  return (await apiGet("query", { query: expr })).result;
}

function setTile(id, value, text = formatValue(value)) {
  const el = document.getElementById(id);
  el.textContent = Number.isFinite(value) ? text : "–";
  el.dataset.value = Number.isFinite(value) ? String(value) : "";
}

async function refresh() {
  try {
    const [total, success, fail, rate] = await Promise.all([
      instant(perPod(COUNTERS.total)),
      instant(perPod(COUNTERS.success)),
      instant(perPod(COUNTERS.fail)),
      instant(RATE),
    ]);
    const sum = (vector) => (vector.length ? vector.reduce((s, e) => s + Number(e.value[1]), 0) : NaN);
    const totals = { total: sum(total), success: sum(success), fail: sum(fail) };
    setTile("total", totals.total);
    setTile("success", totals.success);
    setTile("fail", totals.fail);
    const ratio = totals.total > 0 ? totals.success / totals.total : NaN;
    setTile("ratio", ratio, `${(ratio * 100).toFixed(1)}%`);
    setTile("rate", sum(rate), `${formatValue(sum(rate))}/s`);
    renderPods({ total, success, fail, rate });

    const end = Date.now() / 1000;
    const range = await apiGet("query_range", { query: RATE, start: end - CHART_RANGE_SECONDS, end, step: 15 });
    if (chart) chart.destroy();
    chart = drawMatrix(document.getElementById("rate-chart"), range.result, { startSeconds: end - CHART_RANGE_SECONDS, endSeconds: end, height: 240, label: podName });
    errorBox.hidden = true;
    document.getElementById("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    errorBox.textContent = String(e);
    errorBox.hidden = false;
  }
}

function renderPods(vectors) {
  const pods = new Map();
  for (const [column, vector] of Object.entries(vectors)) {
    for (const e of vector) {
      const name = podName(e.metric);
      if (!pods.has(name)) pods.set(name, {});
      pods.get(name)[column] = Number(e.value[1]);
    }
  }
  const el = document.getElementById("pods");
  if (pods.size === 0) {
    el.innerHTML = '<p class="muted">No demo-server pods seen yet.</p>';
    return;
  }
  const cell = (v) => `<td class="num">${v === undefined ? "–" : esc(formatValue(v))}</td>`;
  el.innerHTML =
    '<table class="data"><thead><tr><th>Pod</th><th>Requests</th><th>Succeeded</th><th>Failed</th><th>Success ratio</th><th>Rate (req/s)</th></tr></thead><tbody>' +
    [...pods.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, p]) => `<tr data-pod="${esc(name)}"><td class="mono">${esc(name)}</td>${cell(p.total)}${cell(p.success)}${cell(p.fail)}` +
        `<td class="num">${p.total > 0 && p.success !== undefined ? ((p.success / p.total) * 100).toFixed(1) + "%" : "–"}</td>${cell(p.rate)}</tr>`)
      .join("") +
    "</tbody></table>";
}

function schedule() {
  clearInterval(timer);
  const seconds = Number(refreshSelect.value);
  if (seconds > 0) timer = setInterval(refresh, seconds * 1000);
}

refreshSelect.addEventListener("change", () => {
  schedule();
  refresh();
});
refresh();
schedule();
