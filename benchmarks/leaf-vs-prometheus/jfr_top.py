#!/usr/bin/env python3
"""Top CPU and allocation sites of a JFR recording (JDK 17 has no `jfr view`).

  jfr_top.py RECORDING.jfr [--top N] [--threads REGEX]

Prints, from jdk.ExecutionSample, the hottest methods by self samples and by inclusive samples
(method anywhere on the stack), and, from jdk.ObjectAllocationSample, the allocation sites by
sampled weight: the allocating frame, and the first io.promfed frame on the stack (who to blame).
Samples are grouped by thread name too, with digits removed (scrape-12 -> scrape-).
"""
import argparse
import collections
import json
import re
import subprocess
import sys


def events(recording, name):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", name, recording],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def frame_name(f):
    m = f["method"]
    return f"{m['type']['name'].replace('/', '.')}.{m['name']}"


def thread_of(e):
    t = e["values"].get("sampledThread") or e["values"].get("eventThread") or {}
    return re.sub(r"\d+", "", (t or {}).get("javaName") or "?")


def frames(e):
    st = e["values"].get("stackTrace") or {}
    return [frame_name(f) for f in (st.get("frames") or [])]


def top(counter, total, n, unit):
    for k, v in counter.most_common(n):
        print(f"  {100 * v / total:5.1f}%  {v:>12,.0f} {unit}  {k}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recording")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--threads", default=".*", help="only threads whose name matches")
    a = ap.parse_args()
    want = re.compile(a.threads)

    cpu = [e for e in events(a.recording, "jdk.ExecutionSample") if want.search(thread_of(e))]
    by_thread = collections.Counter(thread_of(e) for e in cpu)
    self_c, incl_c, ours_c = collections.Counter(), collections.Counter(), collections.Counter()
    for e in cpu:
        fs = frames(e)
        if not fs:
            continue
        self_c[fs[0]] += 1
        for f in set(fs):
            incl_c[f] += 1
        ours = next((f for f in fs if f.startswith("io.promfed.")), None)
        ours_c[ours or "(no io.promfed frame)"] += 1
    n = len(cpu) or 1
    print(f"== CPU: {len(cpu)} execution samples, by thread")
    top(by_thread, n, a.top, "samples")
    print("== CPU: self (top frame)")
    top(self_c, n, a.top, "samples")
    print("== CPU: first io.promfed frame on the stack")
    top(ours_c, n, a.top, "samples")
    print("== CPU: inclusive (io.promfed methods)")
    top(collections.Counter({k: v for k, v in incl_c.items() if k.startswith("io.promfed.")}), n, a.top, "samples")

    alloc = [e for e in events(a.recording, "jdk.ObjectAllocationSample") if want.search(thread_of(e))]
    site_c, ours_a, class_c, thr_a = (collections.Counter() for _ in range(4))
    for e in alloc:
        w = e["values"].get("weight") or 0
        fs = frames(e)
        cls = (e["values"].get("objectClass") or {}).get("name", "?").replace("/", ".")
        class_c[cls] += w
        thr_a[thread_of(e)] += w
        if fs:
            site_c[fs[0] + "  [" + cls + "]"] += w
        ours = next((f for f in fs if f.startswith("io.promfed.")), None)
        ours_a[ours or "(no io.promfed frame)"] += w
    total = sum(class_c.values()) or 1
    print(f"== Allocation: {len(alloc)} samples, {total / 2**20:,.0f} MiB sampled weight, by thread")
    top(thr_a, total, a.top, "bytes")
    print("== Allocation: by class")
    top(class_c, total, a.top, "bytes")
    print("== Allocation: allocating frame")
    top(site_c, total, a.top, "bytes")
    print("== Allocation: first io.promfed frame on the stack")
    top(ours_a, total, a.top, "bytes")

    gcs = events(a.recording, "jdk.GarbageCollection")
    if gcs:
        kinds = collections.Counter(f'{e["values"]["name"]}/{e["values"]["cause"]}' for e in gcs)
        def dur_ms(v):
            m = re.match(r"PT([\d.]+)S", v or "")
            return float(m.group(1)) * 1000 if m else 0.0
        pauses = sum(dur_ms(e["values"].get("sumOfPauses")) for e in gcs)
        print(f"== GC: {len(gcs)} collections {dict(kinds)}, {pauses:,.0f} ms of pauses in total")


if __name__ == "__main__":
    sys.exit(main())
