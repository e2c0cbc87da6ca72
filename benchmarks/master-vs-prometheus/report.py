#!/usr/bin/env python3
"""Turns the raw figures run.sh collected (RESULTS/*.kv) into the federation step's report.

  report.py RESULTS          print the markdown report
  report.py --json RESULTS   the headline figures per master (figures()), as JSON

benchmarks/compare/report.py imports figures() from here.
"""
import importlib.util
import json
import os
import sys

NAMES = {"master": "master-aggregator (ours)", "prometheus": "Prometheus"}
OWN_COUNTER = {"master": "promfed_scrape_samples_appended_total",
               "prometheus": "prometheus_tsdb_head_samples_appended_total (incl. 5 report samples per scrape)"}
REPORT_SERIES = 5  # the federate job's own up, scrape_duration_seconds, ...


def _scrape_report():
    """The scrape step's report module, whose .kv reading and number parsing this one shares."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "leaf-vs-prometheus", "report.py")
    spec = importlib.util.spec_from_file_location("scrape_report", path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


_shared = _scrape_report()
read_kv = _shared.read_kv
num = _shared.num


def load(results):
    run = read_kv(os.path.join(results, "run.kv"))
    rows = {}
    for name in run["masters"].split():
        p = os.path.join(results, name + ".kv")
        if os.path.exists(p):
            rows[name] = read_kv(p)
    return run, rows


def per_scrape(rows):
    """Samples in one federate body: what the masters' scrape_samples_scraped says (the same leaf)."""
    vals = [num(r.get("samples_per_scrape")) for r in rows.values()]
    vals = [v for v in vals if v]
    return int(max(vals)) if vals else None


def figures(results):
    """Per master: cpu_s_per_1k_samples, rss_bytes, rss_per_series, heap_per_series,
    scrape_duration_avg_s, scrape_duration_max_s, scrape_duration_ms_per_10k, loaded."""
    run, rows = load(results)
    clk = os.sysconf("SC_CLK_TCK")
    body = per_scrape(rows)
    active = body + REPORT_SERIES if body else None
    out = {"targets": int(run["targets"]), "series_per_target": int(run["series"]),
           "samples_per_federate": body, "active_series": active, "date": run.get("date"), "masters": {}}
    for name, r in rows.items():
        samples = int(r["federates"]) * body if body else 0
        heap = num(r.get("heap_live_kb"))
        avg = num(r.get("scrape_duration_avg_s"))
        out["masters"][name] = {
            "cpu_s_per_1k_samples": int(r["cpu_ticks"]) / clk / (samples / 1000) if samples else None,
            "rss_bytes": int(r["rss_kb"]) * 1024,
            "rss_per_series": int(r["rss_kb"]) * 1024 / active if active else None,
            "heap_per_series": heap * 1024 / active if heap is not None and active else None,
            "scrape_duration_avg_s": avg,
            "scrape_duration_max_s": num(r.get("scrape_duration_max_s")),
            "scrape_duration_ms_per_10k": avg * 1000 / (body / 10000) if avg is not None and body else None,
            "loaded": r.get("load_state") == "loaded",
        }
    return out


def render(results):
    run, rows = load(results)
    fig = figures(results)
    clk = os.sysconf("SC_CLK_TCK")
    body = fig["samples_per_federate"]
    out = []
    w = out.append
    secs = int(run.get("runtime_s", 0))
    w(f"- **Run:** {run['date']}, {secs // 60} min {secs % 60} s in all")
    w(f"- **Command:** `{run['command']}`")
    w(f"- **Machine:** {run['host']}; load average at start {run['load_at_start']}")
    w(f"- **Setup:** one leaf (ours, memory only) scraping {int(run['targets'])} targets x {int(run['series']):,} series "
      f"every {run['interval']}s; each master alone federates it every {run['fed_interval']}s "
      f"(honor_labels, /federate, match[]={{__name__=~\".+\"}}), {run['warmup']}s warm-up then a "
      f"{run['measure']}s measured window; our master "
      + ("writes its WAL (--storage.path)" if run.get("master_storage") == "1" else "memory only")
      + ", Prometheus its TSDB as always")
    for name, r in rows.items():
        w(f"- **{NAMES[name]}:** {r.get('version', '?')}")
    if "master" in rows and rows["master"].get("jvm_flags"):
        w(f"- **Master JVM flags (jcmd VM.flags):** `{rows['master']['jvm_flags'].strip()}`")
    w("")
    w("| master | 1-min load (before / window start / end) | federate scrapes in window | samples ingested | master's own count | CPU s / 1,000 samples | avg cores | RSS at end | RSS / series | live heap after full GC | heap / series | scrape_duration_seconds avg / max | avg per 10,000 series |")
    w("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    for name, r in rows.items():
        f = fig["masters"][name]
        feds = int(r["federates"])
        samples = feds * body if body else 0
        cpu_s = int(r["cpu_ticks"]) / clk
        own = r.get("own_samples", "NA")
        own_txt = f"{int(own):,} {OWN_COUNTER[name]}" if own != "NA" else "n/a"
        flag = " (!)" if f["loaded"] else ""
        heap = num(r.get("heap_live_kb"))

        def fmt(v, spec, unit=""):
            return format(v, spec) + unit if v is not None else "n/a"
        w(f"| {NAMES[name]} | {r['load_before']}{flag} / {r['load_window_start']} / {r['load_window_end']} "
          f"| {feds} | {samples:,} | {own_txt} "
          f"| **{fmt(f['cpu_s_per_1k_samples'], '.4f')}** | {cpu_s / float(r['window_s']):.3f} "
          f"| {f['rss_bytes'] / 2**20:,.0f} MiB | **{fmt(f['rss_per_series'], ',.0f', ' B')}** "
          f"| {fmt(heap / 1024 if heap is not None else None, ',.0f', ' MiB')} | {fmt(f['heap_per_series'], ',.0f', ' B')} "
          f"| {fmt((f['scrape_duration_avg_s'] or 0) * 1000 if f['scrape_duration_avg_s'] is not None else None, ',.0f', ' ms')} / "
          f"{fmt(f['scrape_duration_max_s'] * 1000 if f['scrape_duration_max_s'] is not None else None, ',.0f', ' ms')} "
          f"| **{fmt(f['scrape_duration_ms_per_10k'], '.1f', ' ms')}** |")
    w("")
    checks = []
    for name, r in rows.items():
        checks.append(f"{NAMES[name]}: up {r.get('up', '?')}, {fmt_int(r.get('samples_per_scrape'))} samples per federate scrape, "
                      f"{fmt_int(r.get('series'))} series in its head, "
                      f"{fmt_int(r.get('scrape_duration_scrapes'))} federate scrapes in the window by its own count")
    w("Checks: " + "; ".join(checks) + ".")
    w("")
    w("Samples ingested = federate requests the leaf served in the window (its "
      "`http_server_requests_seconds_count{uri=\"/federate\"}`) x samples per federate scrape. "
      "RSS / series divides by the federated series plus the job's 5 report series. "
      "scrape_duration_seconds is each master's own report series for the federate job; in both it "
      "covers the request, reading the body, parsing and appending (Prometheus 2.42 reports it after "
      "the append, as ours does), so it includes the leaf's time to serve /federate.")
    return "\n".join(out) + "\n"


def fmt_int(v):
    x = num(v)
    return f"{x:,.0f}" if x is not None else "?"


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--json":
        print(json.dumps(figures(args[1]), indent=1))
    else:
        sys.stdout.write(render(args[0]))
