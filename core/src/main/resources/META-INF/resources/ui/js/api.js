// Prometheus's HTTP API as the pages use it: every call answers its "data" or throws an ApiError
// carrying the API's own errorType and message, which the pages show in place.

export class ApiError extends Error {
  constructor(errorType, message, status) {
    super(message);
    this.errorType = errorType;
    this.status = status;
  }

  /** "bad_data: 1:5: parse error: ..." as Prometheus's own UI prints it. */
  toString() {
    return this.errorType ? `${this.errorType}: ${this.message}` : this.message;
  }
}

/** GET /api/v1/<path> with the given parameters; resolves to the response's data. */
export async function apiGet(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null) query.append(name, String(v));
    }
  }
  const qs = query.toString();
  const url = `/api/v1/${path}` + (qs ? `?${qs}` : "");
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" } });
  } catch (e) {
    throw new ApiError("unavailable", `cannot reach the server: ${e.message}`, 0);
  }
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: a 404/503 from outside the API handler, answered as plain text.
    throw new ApiError("", `${response.status} ${text.trim() || response.statusText}`, response.status);
  }
  if (body.status !== "success") {
    throw new ApiError(body.errorType, body.error, response.status);
  }
  return body.data;
}

/** Our own /metrics in the text format, as a map from series (name{labels}) to value. */
export async function selfMetrics() {
  const response = await fetch("/metrics", { headers: { Accept: "text/plain" } });
  if (!response.ok) throw new ApiError("", `/metrics answered ${response.status}`, response.status);
  const samples = new Map();
  for (const line of (await response.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    // name{labels} value [timestamp]: the value follows the last '}' or the first space.
    const end = line.lastIndexOf("}");
    const split = end >= 0 ? end + 1 : line.indexOf(" ");
    samples.set(line.slice(0, split), Number(line.slice(split).trim().split(" ")[0]));
  }
  return samples;
}

/** Prometheus's series notation: name{a="b", c="d"}. */
export function formatSeries(metric) {
  const name = metric.__name__ ?? "";
  const labels = Object.keys(metric)
    .filter((k) => k !== "__name__")
    .sort()
    .map((k) => `${k}="${metric[k]}"`);
  return labels.length ? `${name}{${labels.join(", ")}}` : name || "{}";
}

/** "3.2s ago", "4m 10s ago" for a timestamp in the past. */
export function formatAgo(date, now = new Date()) {
  const ms = now - date;
  if (!Number.isFinite(ms) || date.getFullYear() < 1971) return "never";
  return `${formatDurationMs(Math.max(ms, 0))} ago`;
}

export function formatDurationMs(ms) {
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 0)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatBytes(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** A number as a person reads it: integers whole, others to 4 significant digits. */
export function formatValue(v) {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return Number(v.toPrecision(4)).toLocaleString("en-US", { maximumFractionDigits: 6 });
}

/** Escapes text for innerHTML. */
export function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
