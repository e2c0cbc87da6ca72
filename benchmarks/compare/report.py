#!/usr/bin/env python3
"""The issue #10 table: every step's figures (OUT/<step>/...) as ours / theirs ratios with targets.

  report.py OUT              print the report
  report.py --into DOC OUT   put it into DOC's "## Ours vs Prometheus vs VictoriaMetrics (issue #10)"
                             section, between its BEGIN/END markers when they exist (notes around
                             them stay), else as a new section at the end
"""
import importlib.util
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SECTION = "## Ours vs Prometheus vs VictoriaMetrics (issue #10)"
BEGIN = "<!-- compare results: BEGIN (written by benchmarks/compare/run.sh --doc) -->"
END = "<!-- compare results: END -->"
STEP_NAMES = {"scrape100k": "scrape, 100k series", "scrape1m": "scrape, 1M series",
              "federation": "federation (master)", "dashboard": "dashboard queries", "hello": "/hello"}


def module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


scrape_report = module("scrape_report", os.path.join(HERE, "..", "leaf-vs-prometheus", "report.py"))
master_report = module("master_report", os.path.join(HERE, "..", "master-vs-prometheus", "report.py"))


def read_kv(path):
    return scrape_report.read_kv(path) if os.path.exists(path) else {}


def try_figures(fn, path):
    try:
        return fn(path) if os.path.exists(os.path.join(path, "run.kv")) else None
    except (KeyError, ValueError, ZeroDivisionError, OSError) as e:
        print(f"report.py: no figures from {path}: {e!r}", file=sys.stderr)
        return None


def dashboard(out):
    """Per query: (query, prometheus_ms, ours_ms, same answer) from PromqlDashboardBenchmarkIT's table."""
    p = os.path.join(out, "dashboard", "promql-benchmark.md")
    if not os.path.exists(p):
        return None, None
    text = open(p).read()
    rows = []
    for line in text.splitlines():
        m = re.match(r"\| `(.+)` \| ([\d.]+) \| ([\d.]+) \| [\d.]+ \| (.+) \|$", line)
        if m:
            rows.append((m.group(1), float(m.group(2)), float(m.group(3)), m.group(4).strip()))
    return rows, text


def to_ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)$", v)
    if not m:
        return None
    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]


def hello(out):
    """{go|java: (median req/s, median p99 ms, rounds)} from hello-vs-go/run.sh's result lines."""
    p = os.path.join(out, "hello.log")
    if not os.path.exists(p):
        return None, None
    text = open(p).read()
    runs = {}
    # Each round's line is printed as it is measured and again under "== results": read the latter.
    for line in text.split("== results", 1)[-1].splitlines():
        m = re.match(r"(go|java)\s+round (\d+)\s+([\d.]+) req/s\s+p99\s+(\S+)$", line.strip())
        if m:
            runs.setdefault(m.group(1), []).append((float(m.group(3)), to_ms(m.group(4))))
    if "go" not in runs or "java" not in runs:
        return None, text
    res = {k: (statistics.median(r for r, _ in v), statistics.median(p for _, p in v if p is not None), len(v))
           for k, v in runs.items()}
    return res, text


def size_label(fig):
    """"100k" for 20 x 5,000 target series, "1M" for 20 x 50,000, else the count."""
    n = fig["targets"] * fig["series_per_target"]
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return f"{n:,} series"


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, spec):
    return "—" if v is None else format(v, spec)


class Table:
    def __init__(self):
        self.rows = []

    def add(self, figure, ours, prom, vmagent, vm, spec, target="—", met="—"):
        self.rows.append((figure, fmt(ours, spec), fmt(prom, spec), fmt(vmagent, spec), fmt(vm, spec),
                          fmt(ratio(ours, prom), ".2f"), fmt(ratio(ours, vm), ".2f"), target, met))

    def render(self):
        out = ["| figure | ours | Prometheus (Go for /hello) | vmagent | VictoriaMetrics | ours / Prometheus (/ Go) | ours / VM | target | met? |",
               "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
        out += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(out)


def met_text(ok, loaded=False):
    if ok is None:
        return "n/a"
    return ("**yes**" if ok else "**no**") + (" (!)" if loaded else "")


def scrape_rows(t, fig, label):
    s = fig["scrapers"]
    leaf, prom, vma, vm = (s.get(n, {}) for n in ("leaf", "prometheus", "vmagent", "victoria-metrics"))
    loaded = any(x.get("loaded") for x in (leaf, prom, vm))

    def half_and_vm(key):
        o, p, v = leaf.get(key), prom.get(key), vm.get(key)
        if o is None or p is None:
            return None
        return o <= 0.5 * p and (v is None or o <= v)
    for key, name, spec in (("cpu_s_per_1k_samples", "CPU s per 1,000 samples scraped", ".4f"),
                            ("rss_per_series", "RSS bytes per active series", ",.0f")):
        t.add(f"{name}, {label}", leaf.get(key), prom.get(key), vma.get(key), vm.get(key), spec,
              "≤ 0.5× Prometheus and ≤ VM", met_text(half_and_vm(key), loaded))
    t.add(f"bytes per sample stored, {label}", leaf.get("bytes_per_sample_stored"), prom.get("bytes_per_sample_stored"),
          None, vm.get("bytes_per_sample_stored"), ".2f")


def federate_rows(t, fig, label, with_target):
    s = fig["scrapers"]
    leaf, prom, vm = (s.get(n, {}) for n in ("leaf", "prometheus", "victoria-metrics"))
    for kind in ("plain", "gzip"):
        key = f"fed_{kind}_ms_per_10k"
        o, p = leaf.get(key), prom.get(key)
        ok = o <= 0.5 * p if o is not None and p is not None else None
        t.add(f"/federate ms per 10,000 series, {kind}, {label}", o, p, None, vm.get(key), ".1f",
              "≤ 0.5× Prometheus" if with_target else "—",
              met_text(ok, leaf.get("loaded") or prom.get("loaded")) if with_target else "—")


def render(out):
    run = read_kv(os.path.join(out, "run.kv"))
    steps = read_kv(os.path.join(out, "steps.kv"))
    s100k = try_figures(scrape_report.figures, os.path.join(out, "scrape100k"))
    s1m = try_figures(scrape_report.figures, os.path.join(out, "scrape1m"))
    fed = try_figures(master_report.figures, os.path.join(out, "federation"))
    dash, dash_text = dashboard(out)
    hel, hello_text = hello(out)

    lines = []
    w = lines.append
    w(BEGIN)
    w("")
    secs = int(run.get("runtime_s", 0) or 0)
    w(f"- **Run:** {run.get('date', '?')}, {secs // 60} min {secs % 60} s in all, at commit {run.get('commit', '?')}")
    w(f"- **Command:** `{run.get('command', '?')}`")
    w(f"- **Machine:** {run.get('host', '?')}; load average at start {run.get('load_at_start', '?')}")
    st = []
    for name in run.get("steps", "").split():
        v = steps.get(name)
        if v is None:
            st.append(f"{name}: not run")
        else:
            status, _, t = v.rpartition(" ")
            st.append(f"{name}: {status}, {int(t) // 60} min {int(t) % 60} s")
    w("- **Steps:** " + "; ".join(st))
    if s100k or s1m:
        f = s100k or s1m
        sizes = ", ".join(f"{x['targets']} x {x['series_per_target']:,} = {x['active_series']:,} active series"
                          for x in (s100k, s1m) if x)
        w(f"- **Scrape steps:** {sizes}; each scraper alone on the machine, same targets, same config")
    w("")

    t = Table()
    l100k = size_label(s100k) if s100k else "100k"
    l1m = size_label(s1m) if s1m else "1M"
    if s100k:
        scrape_rows(t, s100k, l100k)
    if s1m:
        scrape_rows(t, s1m, l1m)
    if s100k and s1m:
        d = s1m["active_series"] - s100k["active_series"]
        growth = {}
        for n in ("leaf", "prometheus", "vmagent", "victoria-metrics"):
            a, b = s100k["scrapers"].get(n), s1m["scrapers"].get(n)
            growth[n] = (b["rss_bytes"] - a["rss_bytes"]) / d if a and b and d > 0 else None
        t.add(f"RSS growth per added series, {l100k} → {l1m}: (RSS {l1m} − RSS {l100k}) / {d:,}", growth["leaf"],
              growth["prometheus"], growth["vmagent"], growth["victoria-metrics"], ",.0f")
    if s100k:
        federate_rows(t, s100k, l100k, True)
    if s1m:
        federate_rows(t, s1m, l1m, False)
    if fed:
        m = fed["masters"]
        ours, prom = m.get("master", {}), m.get("prometheus", {})
        for key, name, spec in (("cpu_s_per_1k_samples", "master: CPU s per 1,000 samples federated", ".4f"),
                                ("rss_per_series", "master: RSS bytes per series", ",.0f"),
                                ("scrape_duration_ms_per_10k", "master: federate scrape_duration_seconds, ms per 10,000 series", ".1f")):
            t.add(f"{name} ({fed['active_series']:,} series)", ours.get(key), prom.get(key), None, None, spec)
    if dash:
        prom_ms = sum(p for _, p, _, _ in dash)
        ours_ms = sum(o for _, _, o, _ in dash)
        worst = max(dash, key=lambda r: r[2] / max(r[1], 0.001))
        worst_ratio = worst[2] / max(worst[1], 0.001)
        differ = [q for q, _, _, same in dash if same != "yes"]
        t.add(f"dashboard: sum of the {len(dash)} queries' median latency, ms", ours_ms, prom_ms, None, None, ",.1f",
              "each query ≤ Prometheus",
              met_text(worst_ratio <= 1.0) + f" (worst {worst_ratio:.2f}×: `{worst[0]}`)"
              + (f"; {len(differ)} answers differ" if differ else ""))
    if hel:
        (go_rps, go_p99, n), (j_rps, j_p99, _) = hel["go"], hel["java"]
        t.add(f"/hello throughput, req/s (median of {n} round{'s' if n > 1 else ''})", j_rps, go_rps, None, None, ",.0f",
              "≥ Go", met_text(j_rps >= go_rps))
        t.add(f"/hello p99 latency, ms (median of {n} round{'s' if n > 1 else ''})", j_p99, go_p99, None, None, ".2f",
              "≤ Go", met_text(j_p99 <= go_p99 if j_p99 is not None and go_p99 is not None else None))
    w(t.render())
    w("")
    w("Ours: the leaf-agent for the scrape, /federate, bytes-per-sample and dashboard rows; "
      "master-aggregator for the master rows; demo-server for /hello (theirs: the seed's Go server). "
      "Ratios are ours / theirs, so below 1 is better for every row but /hello throughput. "
      "(!) marks a figure measured while the 1-minute load was above MAX_LOAD before the run. "
      "Bytes per sample stored: the leaf's encoded XOR chunks (in memory and in chunks_head/) "
      "(promfed_head_chunk_bytes / promfed_head_chunk_samples); Prometheus's head cut into a block by a TSDB "
      "snapshot (chunks/ bytes / numSamples); VictoriaMetrics' data parts after a flush "
      "(vm_data_size_bytes / vm_rows, storage/small + storage/big; indexdb not counted); all after a few "
      "minutes of data, so chunks and parts are far from their long-run size. vmagent stores nothing and "
      "serves no /federate. The master rows have no target in the issue.")
    w("")

    def details(title, body):
        if body:
            body = "\n".join(l for l in body.splitlines() if "leaf-vs-prometheus results:" not in l).strip()
            w(f"<details><summary>{title}</summary>")
            w("")
            w(body)
            w("")
            w("</details>")
            w("")
    for name in ("scrape100k", "scrape1m", "federation"):
        p = os.path.join(out, name, "report.md")
        if os.path.exists(p):
            details(f"{STEP_NAMES[name]}: the step's own report", open(p).read())
    details("dashboard queries: PromqlDashboardBenchmarkIT's table", dash_text)
    if hello_text:
        body = hello_text.split("== results", 1)
        head = [l for l in hello_text.splitlines() if l.startswith("== ") and ("cores" in l or "java:" in l or "go:" in l or "measured:" in l or "load after" in l)]
        details("/hello: hello-vs-go/run.sh", "```\n" + "\n".join(head) + "\n" + (body[1].strip() if len(body) > 1 else "") + "\n```")
    w(END)
    return "\n".join(lines) + "\n"


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
    with open(doc, "w") as f:
        f.write(text)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--into":
        into(args[1], render(args[2]))
    else:
        sys.stdout.write(render(args[0]))
