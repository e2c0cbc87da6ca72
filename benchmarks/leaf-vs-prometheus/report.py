#!/usr/bin/env python3
"""Turns the raw figures run.sh collected (RESULTS/*.kv) into the markdown report.

  report.py RESULTS              print the results block
  report.py --into DOC RESULTS   put it into DOC's "## Leaf vs Prometheus vs vmagent (issue #3)"
                                 section: between the section's BEGIN/END markers when they exist
                                 (notes written around them stay), else as a new section at the end
  report.py --json RESULTS       the headline figures per scraper (figures()), as JSON

benchmarks/compare/report.py imports figures() from here.
"""
import json
import os
import re
import sys

SECTION = "## Leaf vs Prometheus vs vmagent (issue #3)"
BEGIN = "<!-- leaf-vs-prometheus results: BEGIN (written by benchmarks/leaf-vs-prometheus/run.sh --doc) -->"
END = "<!-- leaf-vs-prometheus results: END -->"
REPORT_SERIES_PER_TARGET = 5  # up, scrape_duration_seconds, scrape_samples_scraped, ..._post_metric_relabeling, scrape_series_added
NAMES = {"leaf": "leaf (ours)", "prometheus": "Prometheus", "vmagent": "vmagent",
         "victoria-metrics": "VictoriaMetrics"}
# What each scraper's own sample counter is, and whether it includes the 5 report samples per scrape.
OWN_COUNTER = {"prometheus": ("prometheus_tsdb_head_samples_appended_total (incl. 5 report samples per scrape)", True),
               "vmagent": ("vm_promscrape_scraped_samples_sum", False),
               "victoria-metrics": ("vm_promscrape_scraped_samples_sum", False),
               "leaf": ("promfed_scrape_samples_appended_total", False)}
# What "bytes per sample stored" divides, per scraper.
STORED_WHAT = {"leaf": "promfed_head_chunk_bytes / promfed_head_chunk_samples (encoded XOR chunks, in memory and in chunks_head/, as of the leaf's last head gc, once a minute)",
               "prometheus": "the head cut into a block by a TSDB snapshot: chunks/ bytes / meta.json numSamples",
               "victoria-metrics": "vm_data_size_bytes / vm_rows over storage/small and storage/big after /internal/force_flush (indexdb not counted)"}


def read_kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line:
                k, v = line.split("=", 1)
                out[k] = v
    return out


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def load(results):
    run = read_kv(os.path.join(results, "run.kv"))
    rows = {}
    for name in run["scrapers"].split():
        p = os.path.join(results, name + ".kv")
        if os.path.exists(p):
            rows[name] = read_kv(p)
    return run, rows


def figures(results):
    """The headline figures per scraper, None where there is none: cpu_s_per_1k_samples,
    rss_bytes, rss_per_series, heap_per_series, bytes_per_sample_stored, fed_plain_ms_per_10k,
    fed_gzip_ms_per_10k, loaded (the load was above MAX_LOAD when it started)."""
    run, rows = load(results)
    targets, series = int(run["targets"]), int(run["series"])
    active = targets * (series + REPORT_SERIES_PER_TARGET)
    clk = os.sysconf("SC_CLK_TCK")
    out = {"targets": targets, "series_per_target": series, "active_series": active,
           "date": run.get("date"), "scrapers": {}}
    for name, r in rows.items():
        samples = int(r["scrapes"]) * series
        heap = num(r.get("heap_live_kb"))
        f = {"cpu_s_per_1k_samples": int(r["cpu_ticks"]) / clk / (samples / 1000) if samples else None,
             "rss_bytes": int(r["rss_kb"]) * 1024,
             "rss_per_series": int(r["rss_kb"]) * 1024 / active,
             "heap_per_series": heap * 1024 / active if heap is not None else None,
             "bytes_per_sample_stored": stored_per_sample(r),
             "loaded": r.get("load_state") == "loaded"}
        n = int(r["series"]) if r.get("series", "NA").isdigit() else active
        for kind in ("plain", "gzip"):
            v = num(r.get(f"fed_{kind}_s"))
            f[f"fed_{kind}_ms_per_10k"] = v * 1000 / (n / 10000) if v is not None else None
        out["scrapers"][name] = f
    return out


def stored_per_sample(r):
    b, n = num(r.get("stored_bytes")), num(r.get("stored_samples"))
    return b / n if b is not None and n else None


def render(results):
    run, rows = load(results)
    params = run
    targets, series = int(run["targets"]), int(run["series"])
    active = targets * (series + REPORT_SERIES_PER_TARGET)
    clk = os.sysconf("SC_CLK_TCK")

    out = []
    w = out.append
    w(BEGIN)
    w("")
    secs = int(run.get("runtime_s", 0))
    waited = sum(int(r.get("load_wait_s", 0)) for r in rows.values())
    w(f"- **Run:** {run['date']}, {secs // 60} min {secs % 60} s in all"
      + (f", of which {waited // 60} min {waited % 60} s waiting for the load to drop" if waited else ""))
    w(f"- **Command:** `{run['command']}`")
    w(f"- **Machine:** {run['host']}; load average at start {run['load_at_start']}")
    w(f"- **Setup:** {targets} targets x {series:,} series, scrape_interval {params['interval']}s, "
      f"each scraper alone for {params['warmup']}s warm-up then a {params['measure']}s measured window; "
      f"/federate over all series, median of {params['fed_reps']} after 1 untimed request")
    for name, r in rows.items():
        w(f"- **{NAMES[name]}:** {r.get('version', '?')}")
    if "leaf" in rows and rows["leaf"].get("jvm_flags"):
        w(f"- **Leaf JVM flags (jcmd VM.flags):** `{rows['leaf']['jvm_flags'].strip()}`")
    w("")

    w("| scraper | 1-min load (before / window start / end) | scrapes in window | samples scraped | scraper's own count | CPU s / 1,000 samples | avg cores | other CPU on machine (cores) | RSS at end | RSS / active series | live heap after full GC | heap / series | bytes / sample stored |")
    w("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, r in rows.items():
        scrapes = int(r["scrapes"])
        samples = scrapes * series
        cpu_s = int(r["cpu_ticks"]) / clk
        window = float(r["window_s"])
        other = (int(r["machine_busy_ticks"]) - int(r["cpu_ticks"]) - int(r["targets_cpu_ticks"])) / clk / window
        own = r.get("own_samples", "NA")
        if own == "NA":
            own_txt = "not exported"
        else:
            what, with_report = OWN_COUNTER[name]
            expect = scrapes * (series + (REPORT_SERIES_PER_TARGET if with_report else 0))
            own_txt = f"{int(own):,} {what} ({int(own) / expect:.3f}x expected)" if expect else own
        rss = int(r["rss_kb"]) * 1024
        heap = num(r.get("heap_live_kb"))
        heap = heap * 1024 if heap is not None else None
        flag = " (!)" if r.get("load_state") == "loaded" else ""
        heap_txt = f"{heap / 2**20:,.0f} MiB | {heap / active:,.0f} B" if heap is not None else "n/a | n/a"
        bps = stored_per_sample(r)
        stored_txt = f"**{bps:.2f} B**" if bps is not None else "n/a"
        w(f"| {NAMES[name]} | {r['load_before']}{flag} / {r['load_window_start']} / {r['load_window_end']} "
          f"| {scrapes:,} | {samples:,} | {own_txt} "
          f"| **{cpu_s / (samples / 1000):.4f}** | {cpu_s / window:.3f} | {other:.2f} "
          f"| {rss / 2**20:,.0f} MiB | **{rss / active:,.0f} B** | {heap_txt} | {stored_txt} |")
    w("")
    stored = [(n, r) for n, r in rows.items() if stored_per_sample(r) is not None]
    if stored:
        w("Bytes per sample stored: " + "; ".join(
            f"{NAMES[n]}: {STORED_WHAT[n]}, {int(num(r['stored_bytes'])):,} B / {int(num(r['stored_samples'])):,} samples"
            + (f" (index {int(num(r['stored_index_bytes'])):,} B more)" if num(r.get("stored_index_bytes")) is not None else "")
            for n, r in stored) + ". vmagent stores nothing.")
        w("")

    fed = {n: r for n, r in rows.items() if "fed_plain_s" in r}
    if fed:
        w("| /federate, all series | series in body | 1-min load (start / end) | plain: ms per 10,000 series | plain: CPU ms per 10,000 series | plain body | gzip: ms per 10,000 series | gzip: CPU ms per 10,000 series | gzip body | RSS after the /federate requests |")
        w("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, r in fed.items():
            n = int(r["series"]) if r.get("series", "NA").isdigit() else active
            per = n / 10000
            reps = int(run["fed_reps"])
            # CPU of the process over the timed requests, less what its scraping used meanwhile
            # (the window's average rate), per request.
            scrape_rate = int(r["cpu_ticks"]) / clk / float(r["window_s"])
            def cpu_ms(kind):
                if f"fed_{kind}_cpu_ticks" not in r:
                    return "n/a"
                c = int(r[f"fed_{kind}_cpu_ticks"]) / clk - scrape_rate * float(r[f"fed_{kind}_elapsed_s"])
                return f"{c / reps * 1000 / per:.1f}"
            w(f"| {NAMES[name]} | {n:,} | {r.get('load_federate_start', '?')} / {r.get('load_federate_end', '?')} "
              f"| **{float(r['fed_plain_s']) * 1000 / per:.1f}** | {cpu_ms('plain')} "
              f"| {int(r['fed_plain_bytes']) / 1e6:.1f} MB | **{float(r['fed_gzip_s']) * 1000 / per:.1f}** | {cpu_ms('gzip')} "
              f"| {int(r['fed_gzip_bytes']) / 1e6:.2f} MB | {int(r['rss_after_federate_kb']) / 1024:,.0f} MiB |")
        w("")

    checks = []
    for name, r in rows.items():
        checks.append(f"{NAMES[name]}: {r.get('up_targets', '?')}/{targets} targets up"
                      + (f", {float(r['samples_per_scrape']):,.0f} samples per scrape" if num(r.get("samples_per_scrape")) else "")
                      + (f", {int(r['series']):,} series held" if r.get("series", "NA").isdigit() else "")
                      + (f", head ramBytesUsed() {int(r['head_memory_bytes']) / 2**20:,.0f} MiB"
                         if r.get("head_memory_bytes", "NA").isdigit() else ""))
    w("Checks: " + "; ".join(checks) + ".")
    w("")
    for name, r in rows.items():
        if r.get("cpu_by_thread") and "," in r["cpu_by_thread"]:
            w(f"CPU of {NAMES[name]} in the window by thread: {r['cpu_by_thread']}.")
            w("")
    w("")
    w(END)
    return "\n".join(out) + "\n"


def threads(before, after, total):
    """CPU ticks per thread group (numbers after # or - folded: "GC Thread#1" -> "GC Thread#"), as one line."""
    def load(path):
        out = {}
        for line in open(path):
            parts = line.rstrip("\n").split(" ", 2)
            if len(parts) == 3:
                out[parts[0]] = (int(parts[1]), re.sub(r"(?<=[#-])\d+", "", parts[2]))
        return out
    t0, t1 = load(before), load(after)
    groups = {}
    for tid, (ticks, name) in t1.items():
        groups[name] = groups.get(name, 0) + ticks - t0.get(tid, (0, name))[0]
    rest = int(total) - sum(groups.values())
    if rest:
        groups["(threads that exited in the window)"] = rest
    total = max(int(total), 1)
    top = sorted(groups.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{name} {100 * v / total:.0f}%" for name, v in top if 100 * v / total >= 1)


def into(doc, block):
    text = open(doc).read() if os.path.exists(doc) else ""
    if BEGIN in text and END in text:
        pre, rest = text.split(BEGIN, 1)
        _, post = rest.split(END, 1)
        text = pre + block.rstrip("\n") + post
    else:
        if text and not text.endswith("\n\n"):
            text += "\n" if text.endswith("\n") else "\n\n"
        text += SECTION + "\n\n" + block
    os.makedirs(os.path.dirname(doc) or ".", exist_ok=True)
    with open(doc, "w") as f:
        f.write(text)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--threads":
        print(threads(args[1], args[2], args[3]))
    elif args and args[0] == "--json":
        print(json.dumps(figures(args[1]), indent=1))
    elif args and args[0] == "--into":
        into(args[1], render(args[2]))
    else:
        sys.stdout.write(render(args[0]))
