// The targets page: /api/v1/targets grouped by scrape pool, refreshed every 5 seconds. A down
// target (or leaf) gets a red row, its pool's count turns red, and its last error is shown in full.

import { apiGet, esc, formatAgo, formatDurationMs } from "./api.js";
import { renderNav } from "./nav.js";

renderNav();

const REFRESH_MS = 5000;
const poolsEl = document.getElementById("pools");
const errorBox = document.getElementById("error");
const unhealthyOnly = document.getElementById("unhealthy");
let lastData = null;

async function refresh() {
  try {
    lastData = await apiGet("targets", { state: "active" });
    errorBox.hidden = true;
    render();
    document.getElementById("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    errorBox.textContent = String(e);
    errorBox.hidden = false;
  }
}

function render() {
  const pools = new Map();
  for (const t of lastData.activeTargets) {
    if (!pools.has(t.scrapePool)) pools.set(t.scrapePool, []);
    pools.get(t.scrapePool).push(t);
  }
  if (pools.size === 0) {
    poolsEl.innerHTML = '<p class="muted">No targets.</p>';
    return;
  }
  poolsEl.innerHTML = [...pools.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([pool, targets]) => renderPool(pool, targets))
    .join("");
}

function renderPool(pool, targets) {
  const up = targets.filter((t) => t.health === "up").length;
  const isLeafPool = targets.some((t) => new URL(t.scrapeUrl).pathname === "/federate");
  const shown = unhealthyOnly.checked ? targets.filter((t) => t.health !== "up") : targets;
  return `<section class="pool${up < targets.length ? " has-down" : ""}" data-pool="${esc(pool)}">
    <h2>${esc(pool)} <span class="count">(${up}/${targets.length} up)</span>${isLeafPool ? '<span class="badge">leaves</span>' : ""}</h2>
    <table class="data">
      <thead><tr><th>Endpoint</th><th>State</th><th>Labels</th><th>Last scrape</th><th>Duration</th><th>Error</th></tr></thead>
      <tbody>${shown.map(renderTarget).join("")}</tbody>
    </table></section>`;
}

function renderTarget(t) {
  const labels = Object.entries(t.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `<span class="label">${esc(k)}="${esc(v)}"</span>`)
    .join("");
  return `<tr class="target ${esc(t.health)}" data-health="${esc(t.health)}" data-instance="${esc(t.labels.instance ?? "")}">
    <td class="mono endpoint"><a href="${esc(t.scrapeUrl)}" title="${esc(t.scrapeUrl)}">${esc(endpoint(t.scrapeUrl))}</a></td>
    <td><span class="health ${esc(t.health)}">${esc(t.health.toUpperCase())}</span></td>
    <td><div class="labels">${labels}</div></td>
    <td class="num" title="${esc(t.lastScrape)}">${formatAgo(new Date(t.lastScrape))}</td>
    <td class="num">${formatDurationMs(t.lastScrapeDuration * 1000)}</td>
    <td class="last-error">${esc(t.lastError)}</td>
  </tr>`;
}

/** The URL without its query: a federate job's match[] parameters would fill the column. */
function endpoint(scrapeUrl) {
  const url = new URL(scrapeUrl);
  return url.origin + url.pathname + (url.search ? "?…" : "");
}

unhealthyOnly.addEventListener("change", () => lastData && render());
refresh();
setInterval(refresh, REFRESH_MS);
