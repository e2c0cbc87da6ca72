// The graph page: an expression box with metric-name completion, PromQL errors shown where the
// expression is, a range/end/step picker, a query_range chart and an instant-query table. The
// expression and the pickers live in the URL (?expr=&range=&end=&step=&tab=), so a link reruns it.

import { apiGet, esc, formatSeries, formatValue } from "./api.js";
import { drawMatrix } from "./chart.js";
import { renderNav } from "./nav.js";
import { attachAutocomplete } from "./autocomplete.js";

renderNav();

const form = document.getElementById("query-form");
const exprBox = document.getElementById("expr");
const errorBox = document.getElementById("error");
const rangeSelect = document.getElementById("range");
const endInput = document.getElementById("end");
const stepInput = document.getElementById("step");
const stats = document.getElementById("stats");
const tabs = { graph: document.getElementById("tab-graph"), table: document.getElementById("tab-table") };
const views = { graph: document.getElementById("graph-view"), table: document.getElementById("table-view") };
let tab = "graph";
let chart = null;

attachAutocomplete(exprBox, document.getElementById("autocomplete"), () => apiGet("label/__name__/values"));

/** Prometheus's step when none is given: about 250 points over the range, at least 1s. */
function stepSeconds(rangeSeconds) {
  const typed = stepInput.value.trim();
  if (typed === "") return Math.max(1, Math.round(rangeSeconds / 250));
  return typed; // the API parses "15", "15s", "1m" and answers a bad one with its own error
}

function endSeconds() {
  return endInput.value ? new Date(endInput.value).getTime() / 1000 : Date.now() / 1000;
}

function showError(e) {
  errorBox.textContent = String(e);
  errorBox.hidden = false;
}

async function execute() {
  const expr = exprBox.value.trim();
  errorBox.hidden = true;
  saveToUrl();
  if (expr === "") return;
  const started = performance.now();
  try {
    if (tab === "graph") {
      const range = Number(rangeSelect.value);
      const end = endSeconds();
      const data = await apiGet("query_range", { query: expr, start: end - range, end, step: stepSeconds(range) });
      if (chart) chart.destroy();
      chart = data.resultType === "matrix" ? drawMatrix(document.getElementById("chart"), data.result, { startSeconds: end - range, endSeconds: end }) : null;
      const points = data.result.reduce((n, s) => n + s.values.length, 0);
      stats.textContent = `${data.result.length} series, ${points} points, ${Math.round(performance.now() - started)} ms`;
    } else {
      const data = await apiGet("query", { query: expr, time: endInput.value ? endSeconds() : undefined });
      renderTable(data);
      stats.textContent = `${tableRows(data)} rows, ${Math.round(performance.now() - started)} ms`;
    }
  } catch (e) {
    showError(e);
    stats.textContent = "";
  }
}

function tableRows(data) {
  return Array.isArray(data.result) ? data.result.length : 1;
}

function renderTable(data) {
  const el = document.getElementById("table");
  switch (data.resultType) {
    case "vector":
      el.innerHTML = data.result.length === 0
        ? '<p class="muted">Empty query result.</p>'
        : table(["Series", "Value"], data.result.map((s) => [esc(formatSeries(s.metric)), esc(formatValue(Number(s.value[1])))]));
      break;
    case "matrix":
      el.innerHTML = table(["Series", "Values @ timestamps"], data.result.map((s) => [
        esc(formatSeries(s.metric)),
        s.values.map(([t, v]) => `${esc(v)} @${t}`).join("<br>"),
      ]));
      break;
    case "scalar":
      el.innerHTML = table(["Scalar", "Value"], [["scalar", esc(formatValue(Number(data.result[1])))]]);
      break;
    case "string":
      el.innerHTML = table(["String", "Value"], [["string", esc(data.result[1])]]);
      break;
    default:
      el.textContent = `unexpected result type ${data.resultType}`;
  }
  el.dataset.rows = String(tableRows(data));
}

function table(headers, rows) {
  return `<table class="data"><thead><tr>${headers.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>` +
    rows.map(([a, b]) => `<tr><td class="mono">${a}</td><td class="num">${b}</td></tr>`).join("") +
    "</tbody></table>";
}

function selectTab(name) {
  tab = name;
  for (const n of Object.keys(tabs)) {
    tabs[n].classList.toggle("active", n === name);
    views[n].hidden = n !== name;
  }
  execute();
}

function saveToUrl() {
  const p = new URLSearchParams();
  if (exprBox.value.trim()) p.set("expr", exprBox.value.trim());
  p.set("range", rangeSelect.value);
  if (endInput.value) p.set("end", endInput.value);
  if (stepInput.value.trim()) p.set("step", stepInput.value.trim());
  p.set("tab", tab);
  history.replaceState(null, "", `${location.pathname}?${p}`);
}

function loadFromUrl() {
  const p = new URLSearchParams(location.search);
  exprBox.value = p.get("expr") ?? "";
  if (p.has("range")) rangeSelect.value = p.get("range");
  endInput.value = p.get("end") ?? "";
  stepInput.value = p.get("step") ?? "";
  tab = p.get("tab") === "table" ? "table" : "graph";
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  execute();
});
exprBox.addEventListener("keydown", (e) => {
  // Enter runs the query (unless the completion list takes it); Shift+Enter adds a line.
  if (e.key === "Enter" && !e.shiftKey && !e.defaultPrevented) {
    e.preventDefault();
    execute();
  }
});
for (const input of [rangeSelect, endInput]) input.addEventListener("change", execute);
tabs.graph.addEventListener("click", () => selectTab("graph"));
tabs.table.addEventListener("click", () => selectTab("table"));

loadFromUrl();
selectTab(tab);
