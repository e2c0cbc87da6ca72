// Status: storage figures from our own /metrics (series in the head, its memory, the JVM's),
// build and runtime information, the rules with their health, the loaded config and the flags.

import { apiGet, esc, formatBytes, formatDurationMs, formatValue, selfMetrics } from "./api.js";
import { renderNav } from "./nav.js";

renderNav();

const errorBox = document.getElementById("error");

function showError(e) {
  errorBox.textContent = (errorBox.hidden ? "" : errorBox.textContent + "\n") + String(e);
  errorBox.hidden = false;
}

function kv(id, entries) {
  document.getElementById(id).innerHTML = entries
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd data-key="${esc(k)}">${esc(v === "" ? "–" : v)}</dd>`)
    .join("");
}

/** The sum of every series of a metric family (e.g. jvm_memory_used_bytes over its pools). */
function sumOf(metrics, name, labelFilter = "") {
  let sum = NaN;
  for (const [series, value] of metrics) {
    if ((series === name || series.startsWith(name + "{")) && series.includes(labelFilter)) {
      sum = (Number.isNaN(sum) ? 0 : sum) + value;
    }
  }
  return sum;
}

async function storage() {
  const m = await selfMetrics();
  const bytes = (v) => (Number.isFinite(v) ? formatBytes(v) : "–");
  const count = (v) => (Number.isFinite(v) ? formatValue(v) : "–");
  const series = sumOf(m, "promfed_head_series");
  const headBytes = sumOf(m, "promfed_head_memory_bytes");
  kv("storage", [
    ["Series in the head", count(series)],
    ["Head memory", bytes(headBytes)],
    ["Head memory per series", series > 0 ? bytes(headBytes / series) : "–"],
    ["Samples appended", count(sumOf(m, "promfed_head_samples_appended_total"))],
    ["Scrapes (failed)", `${count(sumOf(m, "promfed_scrapes_total"))} (${count(sumOf(m, "promfed_scrapes_failed_total"))})`],
    ["JVM heap used", bytes(sumOf(m, "jvm_memory_used_bytes", 'area="heap"'))],
    ["JVM non-heap used", bytes(sumOf(m, "jvm_memory_used_bytes", 'area="nonheap"'))],
    ["JVM heap max", bytes(sumOf(m, "jvm_memory_max_bytes", 'area="heap"'))],
  ]);
}

async function rules() {
  const data = await apiGet("rules");
  const el = document.getElementById("rules");
  if (data.groups.length === 0) {
    el.innerHTML = '<p class="muted">No rule groups loaded.</p>';
    return;
  }
  el.innerHTML = data.groups
    .map((g) => `<h3 class="mono">${esc(g.name)} <span class="muted">(${esc(g.file)}, every ${esc(g.interval)}s)</span></h3>
      <table class="data"><thead><tr><th>Rule</th><th>Health</th><th>Last evaluation</th><th>Duration</th><th>Error</th></tr></thead><tbody>` +
      g.rules
        .map((r) => `<tr class="${r.health === "err" ? "down" : ""}"><td class="mono">${esc(r.type === "alerting" ? "alert: " + r.name : "record: " + r.name)}<br>expr: ${esc(r.query)}</td>
          <td><span class="health ${r.health === "ok" ? "up" : r.health === "err" ? "down" : "unknown"}">${esc(r.health.toUpperCase())}</span></td>
          <td>${esc(r.lastEvaluation ?? "")}</td><td class="num">${formatDurationMs((r.evaluationTime ?? 0) * 1000)}</td>
          <td class="last-error">${esc(r.lastError ?? "")}</td></tr>`)
        .join("") +
      "</tbody></table>")
    .join("");
}

const sections = [
  storage(),
  apiGet("status/buildinfo").then((b) => kv("buildinfo", Object.entries(b))),
  apiGet("status/runtimeinfo").then((r) => kv("runtimeinfo", Object.entries(r).map(([k, v]) => [k, String(v)]))),
  rules(),
  apiGet("status/config").then((c) => (document.getElementById("config").textContent = c.yaml)),
  apiGet("status/flags").then((f) => kv("flags", Object.entries(f).sort(([a], [b]) => a.localeCompare(b)))),
];
for (const s of sections) s.catch(showError);
