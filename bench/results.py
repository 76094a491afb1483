#!/usr/bin/env python3
"""Helpers of bench/run.sh: timing the start-up, reading wrk's output and JSON answers, and
writing bench/RESULTS.md from the key=value files the run leaves. Standard library only.

  results.py startup RUNS URL LOG CMD...   start CMD RUNS times, poll URL until 200, stop it;
                                           prints the median and each time in seconds
  results.py wrk FILE                      prints "rps p50_ms p99_ms non2xx socket_errors"
  results.py median                        the median of the numbers on stdin
  results.py json PATH                     a value of the JSON on stdin (a.b.0.c)
  results.py pick-filter BASE TOKEN        the application-list filter (state, level) with the
                                           most rows the token sees, as "QUERY TOTAL"
  results.py render OUT META SQLITE [PG]   writes RESULTS.md
"""

import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def cmd_startup(args):
    runs, url, log = int(args[0]), args[1], args[2]
    cmd = args[3:]
    times = []
    with open(log, "ab") as out:
        for _ in range(runs):
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=out, stderr=out)
            try:
                while True:
                    if p.poll() is not None:
                        sys.exit(f"startup: the server exited ({p.returncode}); see {log}")
                    try:
                        with urllib.request.urlopen(url, timeout=1) as r:
                            if r.status == 200:
                                break
                    except (urllib.error.URLError, ConnectionError, OSError):
                        pass
                    if time.perf_counter() - t0 > 120:
                        sys.exit(f"startup: no 200 from {url} within 120 s; see {log}")
                    time.sleep(0.002)
                times.append(time.perf_counter() - t0)
            finally:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
    print(f"{median(times):.4f}", " ".join(f"{t:.4f}" for t in times))


def to_ms(s):
    s = s.strip()
    for unit, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
        if s.endswith(unit):
            return float(s[: -len(unit)]) * f
    return float(s)


def cmd_wrk(args):
    rps = p50 = p99 = None
    non2xx = errors = 0
    in_dist = False
    for line in open(args[0], encoding="utf-8", errors="replace"):
        t = line.split()
        if line.startswith("Requests/sec:"):
            rps = float(t[1])
        elif "Latency Distribution" in line:
            in_dist = True
        elif in_dist and len(t) == 2 and t[0].endswith("%"):
            if t[0] == "50%":
                p50 = to_ms(t[1])
            elif t[0] == "99%":
                p99 = to_ms(t[1])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            non2xx = int(t[-1])
        elif line.strip().startswith("Socket errors:"):
            # Socket errors: connect 0, read 0, write 0, timeout 0
            errors = sum(int(x.strip(",")) for x in t[2:] if x.strip(",").isdigit())
    if rps is None or p50 is None or p99 is None:
        sys.exit(f"wrk: cannot read {args[0]}")
    print(f"{rps:.1f} {p50:.3f} {p99:.3f} {non2xx} {errors}")


def cmd_median(_args):
    xs = [float(x) for x in sys.stdin.read().split()]
    print(f"{median(xs):.4f}")


def cmd_json(args):
    v = json.load(sys.stdin)
    for k in args[0].split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    print(v)


def cmd_pick_filter(args):
    base, token = args[0], args[1]
    states = ["awarded", "approved", "notice", "city_review", "county_review",
              "county_talent_review", "approval", "returned", "rejected", "draft"]
    levels = ["municipal", "provincial", "national"]
    best = ("", -1)
    for s in states:
        for lv in levels:
            q = f"state={s}&level={lv}"
            req = urllib.request.Request(f"{base}/api/v1/applications?{q}&per_page=1",
                                         headers={"Authorization": f"Bearer {token}"})
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    total = json.load(r)["total"]
            except (urllib.error.URLError, KeyError, ValueError):
                continue
            if total > best[1]:
                best = (q, total)
    print(best[0], best[1])


# ---------------------------------------------------------------------------------------------
# RESULTS.md


def read_kv(path):
    d = {}
    if path and os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            line = line.rstrip("\n")
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                d[k] = v
    return d


def num(d, k):
    try:
        return float(d[k])
    except (KeyError, ValueError):
        return None


def fmt_rps(x):
    return "—" if x is None else f"{x:,.0f}"


def fmt_ms(x):
    if x is None:
        return "—"
    return f"{x:,.0f} ms" if x >= 100 else (f"{x:.1f} ms" if x >= 10 else f"{x:.2f} ms")


def fmt_s_as_ms(x):
    return "—" if x is None else fmt_ms(x * 1000)


def fmt_mb(kb):
    return "—" if kb is None else f"{kb / 1024:.0f} MB"


def cmd_render(args):
    out, meta = args[0], read_kv(args[1])
    runs = [("SQLite", read_kv(args[2]))]
    if len(args) > 3 and args[3]:
        runs.append(("PostgreSQL", read_kv(args[3])))
    while len(runs) < 2:
        runs.append(("PostgreSQL", None))
    ref = read_kv(args[1])  # the constant handler's figures live in META
    ref_rps = num(ref, "constant.rps")

    rows = []  # (figure, [value per backend], reference, target, [met per backend or None])

    def both(fn):
        return [fn(d) if d else "not run" for _, d in runs]

    def mets(fn):
        return [fn(d) if d else None for _, d in runs]

    def share(d, k):
        x = num(d, k)
        if x is None or not ref_rps:
            return fmt_rps(x)
        return f"{fmt_rps(x)} ({100 * x / ref_rps:.0f} %)"

    def errs(d, k):
        n = int(num(d, f"{k}.non2xx") or 0) + int(num(d, f"{k}.errors") or 0)
        return f" ⚠ {n} non-2xx/socket errors" if n else ""

    endpoints = [
        ("healthz", "(a) `GET /healthz`", False),
        ("apps", "(b) application list, filtered and paged", True),
        ("station", "(c) one station's indicators", True),
        ("stations", "(d) public station list", True),
    ]
    for key, label, targeted in endpoints:
        rows.append((f"{label}: requests/s",
                     both(lambda d, k=key: share(d, f"{k}.rps") + errs(d, k)),
                     f"{fmt_rps(ref_rps)} (constant handler)",
                     "≥ 15 % of the constant handler" if targeted else "—",
                     mets(lambda d, k=key: (num(d, f"{k}.rps") or 0) >= 0.15 * (ref_rps or 0)
                          and (num(d, f"{k}.non2xx") or 0) == 0) if targeted else None))
        rows.append((f"{label}: p50",
                     both(lambda d, k=key: fmt_ms(num(d, f"{k}.p50"))),
                     fmt_ms(num(ref, "constant.p50")), "—", None))
        rows.append((f"{label}: p99",
                     both(lambda d, k=key: fmt_ms(num(d, f"{k}.p99"))),
                     fmt_ms(num(ref, "constant.p99")),
                     "≤ 25 ms" if targeted else "—",
                     mets(lambda d, k=key: (num(d, f"{k}.p99") or 1e9) <= 25) if targeted else None))

    for key, label in [("apps_nomemo", "(b)"), ("station_nomemo", "(c)"), ("stations_nomemo", "(d)")]:
        if not any(d and d.get(f"{key}.rps") for _, d in runs):
            continue
        rows.append((f"{label} without the memo (`STATIONHUB_MEMO_MB=0`): requests/s · p50 · p99",
                     both(lambda d, k=key: f"{share(d, f'{k}.rps')} · {fmt_ms(num(d, f'{k}.p50'))}"
                                           f" · {fmt_ms(num(d, f'{k}.p99'))}" + errs(d, k)),
                     f"{fmt_rps(ref_rps)} (constant handler)", "— (reported, not a target)", None))

    def table_met(d):
        t, r = num(d, "table.s"), num(d, "table_ref.s")
        return t is not None and r is not None and t <= 2 * r and t < 1

    def table_ref(d):
        return "—" if d is None else f"{d.get('table_ref.tool', '?')} {fmt_s_as_ms(num(d, 'table_ref.s'))}"

    rows.append(("all-stations indicator table `GET /api/v1/indicators` (median of 3)",
                 both(lambda d: f"{fmt_s_as_ms(num(d, 'table.s'))} ({d.get('table.rows', '?')} stations;"
                                f" {num(d, 'table.s') / num(d, 'table_ref.s'):.1f} × raw)"
                      if num(d, "table.s") and num(d, "table_ref.s") else fmt_s_as_ms(num(d, "table.s"))),
                 " · ".join(table_ref(d) for _, d in runs if d) + " (same aggregate, shell)",
                 "≤ 2 × raw query and < 1 s", mets(table_met)))
    rows.append(("applications .xlsx export `GET /api/v1/applications.xlsx` (median of 3)",
                 both(lambda d: f"{fmt_s_as_ms(num(d, 'xlsx.s'))} ({d.get('xlsx.rows', '?')} rows,"
                                f" {float(d.get('xlsx.bytes', 0)) / 1e6:.1f} MB)"
                      + ("" if d.get("xlsx.status", "200") == "200" else f" ⚠ HTTP {d.get('xlsx.status')}")),
                 "—", "20,000 rows < 2 s",
                 mets(lambda d: (num(d, "xlsx.s") or 1e9) < 2 and d.get("xlsx.status") == "200")))
    rows.append(("one application PDF `GET /api/v1/applications/{id}/form.pdf`, warm (median of 10)",
                 both(lambda d: fmt_s_as_ms(num(d, "pdf.s"))
                      + (f" (first {fmt_s_as_ms(num(d, 'pdf_cold.s'))})" if num(d, "pdf_cold.s") else "")
                      + ("" if d.get("pdf.status", "200") == "200" else f" ⚠ HTTP {d.get('pdf.status')}")),
                 "—", "< 30 ms",
                 mets(lambda d: (num(d, "pdf.s") or 1e9) < 0.030 and d.get("pdf.status") == "200")))
    rows.append(("server start-up, launch → `/healthz` 200 (median of 3)",
                 both(lambda d: fmt_s_as_ms(num(d, "startup.s"))), "—", "< 1 s",
                 mets(lambda d: (num(d, "startup.s") or 1e9) < 1)))
    rows.append(("peak memory (VmHWM) of the server after all of the above",
                 both(lambda d: fmt_mb(num(d, "rss.kb"))),
                 fmt_mb(num(ref, "constant.rss.kb")) + " (constant handler)", "< 150 MB",
                 mets(lambda d: (num(d, "rss.kb") or 1e12) < 150 * 1024)))

    def met_cell(m):
        if m is None:
            return ""
        return " · ".join(
            f"{name}: {'yes' if x else 'NO'}" for (name, _), x in zip(runs, m) if x is not None)

    L = []
    L.append("# Benchmark results")
    L.append("")
    L.append(f"Written by `{meta.get('command', 'bash bench/run.sh')}` (see `bench/README.md`). "
             "Every figure stands beside its reference measured in the same run.")
    L.append("")
    L.append("| | |")
    L.append("|---|---|")
    L.append(f"| date | {meta.get('date', '?')} |")
    L.append(f"| commit | `{meta.get('commit', '?')}`{' (working tree dirty: uncommitted changes were measured)' if meta.get('dirty') == '1' else ''} |")
    L.append(f"| machine | {meta.get('cpu', '?')}, {meta.get('cores', '?')} cores, {meta.get('mem', '?')} memory; {meta.get('kernel', '?')} |")
    L.append(f"| tools | {meta.get('tools', '?')} |")
    L.append(f"| data | {meta.get('scale_note', '?')} |")
    for name, d in runs:
        if d:
            L.append(f"| {name} rows | {d.get('rows', '?')} |")
    L.append(f"| load | wrk, {meta.get('threads', '?')} threads, {meta.get('connections', '?')} connections, "
             f"{meta.get('duration', '?')} per endpoint after a {meta.get('warmup', '?')} warm-up; "
             "load generator and server share the machine's cores |")
    L.append(f"| today | `STATIONHUB_TODAY={meta.get('today', '?')}` |")
    L.append("")
    if meta.get("scale") != "100":
        L.append(f"**The targets are set for scale 100; this run is at {meta.get('scale_note', 'another scale')}, "
                 "so the met? column is only indicative.**")
        L.append("")
    L.append("| figure | SQLite | PostgreSQL | reference | target | met? |")
    L.append("|---|---|---|---|---|---|")
    for fig, vals, refv, tgt, m in rows:
        L.append(f"| {fig} | {vals[0]} | {vals[1]} | {refv} | {tgt} | {met_cell(m)} |")
    L.append("")
    L.append("Requests per second are followed by their share of the constant handler's. "
             "The targets for requests per second and p99 apply to (b)–(d).")
    L.append("")
    L.append("(b)–(d) are served as deployed: a repeated read at the same audit-chain head is answered "
             "from the server's memo (`crates/storage/src/memo.rs`; each request still learns the audit "
             "chain's head from the database, by a read that began after it asked, shared with the "
             "requests that asked meanwhile; a session is taken from the memo for at most a minute "
             "after it was read). The rows \"without the memo\" are the same requests with "
             "`STATIONHUB_MEMO_MB=0`: every request reads and serialises its answer, as the first "
             "request after any change does.")
    L.append("")
    L.append("## What was requested")
    L.append("")
    for name, d in runs:
        if not d:
            continue
        L.append(f"{name} (`{d.get('database', '?')}`):")
        L.append("")
        for k in ("healthz", "apps", "station", "stations", "table", "xlsx", "pdf"):
            if d.get(f"{k}.url"):
                who = d.get(f"{k}.as", "")
                L.append(f"- `{d.get(f'{k}.url')}`" + (f" as `{who}`" if who else "")
                         + (f" — {d.get(f'{k}.note')}" if d.get(f"{k}.note") else ""))
        L.append("")
    L.append(f"Constant handler: `{meta.get('constant.url', '?')}` (`crates/bench`, `constant-server`: "
             "plain axum, multi-thread tokio, no middleware). Raw logs of this run: "
             f"`{meta.get('logs', '?')}`.")
    L.append("")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(L))


COMMANDS = {
    "startup": cmd_startup,
    "wrk": cmd_wrk,
    "median": cmd_median,
    "json": cmd_json,
    "pick-filter": cmd_pick_filter,
    "render": cmd_render,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])
