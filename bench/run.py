#!/usr/bin/env python3
"""One command for ward's side-by-side benchmark (issue 8): Prometheus, VictoriaMetrics and ward.

Steps (each can be skipped, see --help):
  1. build ../shared/bench's synthgen and bench/daygen.cc into the build dir when missing;
  2. per scale (100k and 1M active series): run ../shared/bench/run.py for prometheus,
     victoriametrics and bench/ward.json, then write bench/results/<date>-<scale>.md
     (run.py's table + ingest checks + ward/Prometheus and ward/VM ratios) and .json;
  3. the day-of-data disk figure: the same 24 h of samples for N series loaded into all three
     systems (promtool / wardtool `tsdb create-blocks-from openmetrics`, VictoriaMetrics'
     /api/v1/import/prometheus + forced merge), bytes per sample with and without the index,
     every system's sample count checked by a query -> bench/results/<date>-day-disk.md/.json;
  4. bench/results/<date>-summary.md: how each figure grows from 100k to 1M, and the ratios.

Never part of `make test`. Python 3 standard library only; the helpers (HTTP, /proc, dir
sizes) come from ../shared/bench/run.py.
"""

import argparse
import datetime
import http.client
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "bench"))
sys.path.insert(0, SHARED)
import run as shared  # noqa: E402  (../shared/bench/run.py)

HOST = "127.0.0.1"
log = shared.log

# Scale presets: targets x series per target at one scrape interval. The 15 s interval keeps
# 1M series (66.7k samples/s) within what the 2-core machine ingests for all three systems.
SCALES = {
    "100k": dict(targets=20, series=5000, interval=15, duration=240, warmup=60, reps=3),
    "1m": dict(targets=100, series=10000, interval=15, duration=300, warmup=120, reps=3),
}
SMOKE = dict(duration=60, warmup=20, reps=1)


def rel(path):
    """Path as shown in reports: relative to the project root, never a machine path."""
    try:
        return os.path.relpath(path, ROOT)
    except ValueError:
        return os.path.basename(path)


def which(name, extra_dir=None):
    if extra_dir:
        p = os.path.join(extra_dir, name)
        if os.access(p, os.X_OK):
            return os.path.abspath(p)
    return shutil.which(name)


# --------------------------------------------------------------------------
# Build

def ensure_tools(args):
    os.makedirs(args.build_dir, exist_ok=True)
    synthgen = os.path.join(args.build_dir, "synthgen")
    if not os.path.exists(synthgen):
        log("building synthgen")
        subprocess.run([os.path.join(SHARED, "build.sh"), synthgen], check=True)
    daygen = os.path.join(args.build_dir, "daygen")
    src = os.path.join(BENCH, "daygen.cc")
    if not os.path.exists(daygen) or os.path.getmtime(daygen) < os.path.getmtime(src):
        log("building daygen")
        subprocess.run([os.environ.get("CXX", "g++"), "-std=c++17", "-O2", "-Wall", "-Wextra",
                        "-o", daygen, src], check=True)
    tools = {"synthgen": synthgen, "daygen": daygen}
    for name in ("ward", "wardtool"):
        tools[name] = which(name, args.ward_bin_dir)
    for name in ("prometheus", "promtool", "victoria-metrics"):
        tools[name] = which(name)
    missing = [k for k, v in tools.items() if not v]
    if missing:
        sys.exit(f"missing tools: {', '.join(missing)} (ward/wardtool: --ward-bin-dir or PATH; "
                 "prometheus/promtool/victoria-metrics: apt-get install prometheus victoria-metrics)")
    return tools


# --------------------------------------------------------------------------
# Scale runs

def scale_params(args, scale):
    p = dict(SCALES[scale])
    if args.smoke:
        p.update(SMOKE)
    for k in ("duration", "warmup", "reps"):
        v = getattr(args, k)
        if v is not None:
            p[k] = v
    return p


def scale_command(args, tools, scale, date="DATE"):
    p = scale_params(args, scale)
    raw = os.path.join(args.build_dir, "runs", f"{date}-{scale}")
    work = os.path.join(args.build_dir, "work", scale)
    cmd = [sys.executable, os.path.join(SHARED, "run.py"),
           "--systems", f"prometheus,victoriametrics,{os.path.join(BENCH, 'ward.json')}",
           "--synthgen-bin", tools["synthgen"], "--out", raw, "--work-dir", work,
           "--targets", str(p["targets"]), "--series", str(p["series"]),
           "--scrape-interval", str(p["interval"]), "--duration", str(p["duration"]),
           "--warmup", str(p["warmup"]), "--reps", str(p["reps"]),
           "--sut-port", str(args.sut_port), "--base-port", str(args.base_port)]
    return cmd, raw, work


def run_scale(args, tools, scale, date):
    cmd, raw, work = scale_command(args, tools, scale, date)
    shutil.rmtree(work, ignore_errors=True)
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(tools["ward"]) + os.pathsep + env.get("PATH", "")
    log(f"=== scale {scale}: {' '.join(rel(c) if os.path.isabs(c) else c for c in cmd[1:])}")
    subprocess.run(cmd, env=env, check=True)
    shutil.rmtree(work, ignore_errors=True)
    return write_scale_results(args, scale, date, raw, cmd)


TITLE = "# ward vs Prometheus vs VictoriaMetrics"


def result_stem(args, date, scale):
    """<date>-<scale>, or <date>-<scale>-3sys when that name holds a file not written here."""
    stem = os.path.join(args.results_dir, f"{date}-{scale}")
    if os.path.exists(stem + ".md"):
        with open(stem + ".md") as f:
            if not f.readline().startswith(TITLE):
                return stem + "-3sys"
    return stem


def write_scale_results(args, scale, date, raw, cmd):
    """bench/results/<date>-<scale>.{md,json} from a ../shared/bench/run.py results dir."""
    with open(os.path.join(raw, "results.json")) as f:
        report = json.load(f)
    with open(os.path.join(raw, "results.md")) as f:
        table = f.read()
    os.makedirs(args.results_dir, exist_ok=True)
    stem = result_stem(args, date, scale)
    with open(stem + ".json", "w") as f:
        json.dump(report, f, indent=1)
    shown = ["python3 bench/run.py --scales " + scale + " --skip-disk" + (" --smoke" if args.smoke else "")]
    md = [f"{TITLE}, {scale} active series", "",
          f"- date: {date} (UTC)", f"- machine: {machine_line(report)}",
          f"- command: `{shown[0]}` (runs `../shared/bench/run.py "
          + " ".join(rel(c) if os.path.isabs(c) else c for c in cmd[2:]).replace(
              rel(args.build_dir), "BUILD").replace(ROOT + os.sep, "")
          + "`)", ""]
    md += ingest_checks(report) + [""] + ratio_table(report) + ["", "## Full table (../shared/bench/run.py)", ""]
    md.append(table.split("\n", 1)[1].lstrip("\n") if table.startswith("# ") else table)
    path = stem + ".md"
    with open(path, "w") as f:
        f.write("\n".join(md))
    log(f"wrote {rel(path)}")
    return report


def machine_line(report):
    m = report.get("machine", {})
    return f"{m.get('cpus')} CPUs ({m.get('cpu_model', '?')}), {m.get('mem_gib')} GiB, kernel {m.get('kernel', '?')}"


def systems_by_name(report):
    return {s["system"]: s for s in report["systems"] if "error" not in s}


def ingest_checks(report):
    out = ["## Ingest check", "",
           "| system | samples/s served by generator | samples/s ingested | ingested / served | ok |",
           "|---|---|---|---|---|"]
    for s in report["systems"]:
        if "error" in s:
            out.append(f"| {s['system']} | failed: {s['error'][:120]} | | | NO |")
            continue
        ing = s["ingest"]
        served, got = ing.get("generator_samples_per_s"), ing.get("samples_per_s")
        ratio = got / served if served and got else None
        ok = "yes" if ratio is not None and 0.98 <= ratio <= 1.05 else "NO"
        out.append(f"| {s['system']} | {shared.fmt(served, 0)} | {shared.fmt(got, 0)} | "
                   f"{shared.fmt(ratio, 3)} | {ok} |")
    return out


def figures(s):
    """Comparable figures of one system in one scale run (None where missing)."""
    def get(fn):
        try:
            return fn()
        except (KeyError, TypeError, ZeroDivisionError, StopIteration):
            return None
    ing, disk = s.get("ingest", {}), s.get("disk", {})
    f = {
        "CPU-s per 1M samples (steady)": get(lambda: ing["cpu_s_per_million_samples"]),
        "CPU-s per 1M samples (whole run)": get(lambda: ing["cpu_s_per_million_samples_whole_run"]),
        "RSS bytes / active series": get(lambda: ing["rss_bytes_per_series"]),
        "anon RSS bytes / active series": get(lambda: ing["rss_anon_bytes_per_series"]),
        "peak RSS MiB (ingest)": get(lambda: ing["rss_peak_bytes"] / 2**20),
        "peak RSS MiB (after queries)": get(lambda: s["rss_peak_after_queries_bytes"] / 2**20),
        "disk bytes/sample, live": get(lambda: disk["live_bytes"] / shared.live_den(disk)),
        "noise cores (ingest)": get(lambda: ing["other_processes_cpu_cores"]),
    }
    for q in s.get("queries", []):
        f[f"query {q['name']} ms"] = q.get("median_ms") if "error" not in q else None
    return f


def ratio_table(report):
    by = systems_by_name(report)
    w, p, v = by.get("ward"), by.get("prometheus"), by.get("victoriametrics")
    if not w:
        return ["(no ward figures: ratios not computed)"]
    fw = figures(w)
    fp, fv = figures(p) if p else {}, figures(v) if v else {}
    out = ["## Ratios (lower is better for ward)", "",
           "| figure | prometheus | victoriametrics | ward | ward / prometheus | ward / VM |",
           "|---|---|---|---|---|---|"]
    for k, wv in fw.items():
        pv, vv = fp.get(k), fv.get(k)
        ratio_ok = not k.startswith("noise")  # noise is the machine's, not the system's
        rp = wv / pv if ratio_ok and wv is not None and pv else None
        rv = wv / vv if ratio_ok and wv is not None and vv else None
        out.append(f"| {k} | {shared.fmt(pv)} | {shared.fmt(vv)} | {shared.fmt(wv)} | "
                   f"{shared.fmt(rp)} | {shared.fmt(rv)} |")
    return out


# --------------------------------------------------------------------------
# Day-of-data disk figure

def write_empty_config(path):
    with open(path, "w") as f:
        f.write("global:\n  scrape_interval: 15s\nscrape_configs: []\n")


def start_server(cmd, cwd, ready_url, timeout=600):
    """Starts cmd; returns (proc, seconds until ready_url answered 200) or raises."""
    logf = open(os.path.join(cwd, "server.log"), "wb")
    t0 = time.time()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
    if not shared.wait_http(ready_url, timeout, proc):
        shared.stop_proc(proc, 60)
        with open(os.path.join(cwd, "server.log"), "rb") as f:
            tail = f.read()[-600:].decode(errors="replace")
        raise RuntimeError(f"{os.path.basename(cmd[0])} did not become ready: {tail}")
    return proc, time.time() - t0


def count_samples(base, last_ts, extra=None):
    """Samples over the day via count_over_time, summed; one query per metric name (series of
    different names share their other labels, and this keeps each query under Prometheus's
    default --query.max-samples). Returns (count, seconds, error)."""
    total, t0 = 0, time.time()
    q = urllib.parse.urlencode({"start": str(last_ts - 86400 - 3600), "end": str(last_ts), **(extra or {})})
    st, body = shared.http(base + "/api/v1/label/__name__/values?" + q, timeout=600)
    if st != 200:
        return None, time.time() - t0, f"label values HTTP {st}: {body[:300].decode(errors='replace')}"
    names = [n for n in json.loads(body)["data"] if n not in ("up",) and not n.startswith("scrape_")]
    if not names:
        return 0, time.time() - t0, "no metric names found"
    for name in names:
        params = {"query": f'sum(count_over_time({name}{{job="node"}}[25h]))', "time": str(last_ts)}
        params.update(extra or {})
        st, body = shared.http(base + "/api/v1/query?" + urllib.parse.urlencode(params), timeout=600)
        if st != 200:
            return None, time.time() - t0, f"HTTP {st}: {body[:300].decode(errors='replace')}"
        res = json.loads(body)["data"]["result"]
        total += int(float(res[0]["value"][1])) if res else 0
    return total, time.time() - t0, None


def wait_dir_stable(path, timeout=600):
    """Waits until the apparent size of path stays the same for 3 s; returns the size."""
    last, same, t0 = None, 0, time.time()
    while time.time() - t0 < timeout:
        size = shared.dir_bytes(path)[0]
        same = same + 1 if size == last else 0
        if same >= 3:
            break
        last = size
        time.sleep(1)
    return last


def tsdb_blocks(path):
    """Figures of the TSDB blocks under path: bytes, index bytes, samples, series, blocks."""
    out = dict(bytes=0, index_bytes=0, chunks_bytes=0, samples=0, series=0, chunks=0, blocks=[])
    for b in sorted(os.listdir(path)):
        meta = os.path.join(path, b, "meta.json")
        if not os.path.exists(meta):
            continue
        with open(meta) as f:
            m = json.load(f)
        size = shared.dir_bytes(os.path.join(path, b))[0]
        out["bytes"] += size
        out["index_bytes"] += os.path.getsize(os.path.join(path, b, "index"))
        out["chunks_bytes"] += shared.dir_bytes(os.path.join(path, b, "chunks"))[0]
        st = m.get("stats", {})
        out["samples"] += st.get("numSamples", 0)
        out["series"] = max(out["series"], st.get("numSeries", 0))
        out["chunks"] += st.get("numChunks", 0)
        out["blocks"].append({"hours": round((m["maxTime"] - m["minTime"]) / 3.6e6, 2), "bytes": size,
                              "samples": st.get("numSamples", 0)})
    return out


def day_disk(args, tools, date):
    series, hours, interval = args.day_series, args.day_hours, args.day_interval
    if args.smoke:
        series, hours = min(series, 600), min(hours, 2)
    work = os.path.join(args.build_dir, "day")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    # The span ends at the last UTC midnight at least 2 h ago: a whole past day, blocks aligned.
    end = (int(time.time()) - 7200) // 86400 * 86400
    start = end - hours * 3600
    gen = [tools["daygen"], "--series", str(series), "--instances", "10", "--start", str(start),
           "--hours", str(hours), "--interval", str(interval)]
    res = {"date": date, "series_requested": series, "hours": hours, "interval_s": interval,
           "start": start, "generator": "bench/daygen.cc (counters and gauges like synthgen's)",
           "block_flags": "--max-block-duration=24h", "systems": {}}

    om = os.path.join(work, "day.om")
    t = time.time()
    with open(om, "wb") as f:
        r = subprocess.run(gen + ["--format", "om"], stdout=f, stderr=subprocess.PIPE, check=True)
    info = json.loads(r.stderr.decode().strip().splitlines()[-1])
    res.update(series=info["series"], samples_expected=info["samples"], last_ts=info["last_ts"],
               openmetrics_bytes=os.path.getsize(om))
    log(f"day: {info['series']} series x {info['samples'] // info['series']} samples "
        f"({os.path.getsize(om) / 2**30:.1f} GiB OpenMetrics) in {time.time() - t:.0f}s")
    cfg = os.path.join(work, "empty.yml")
    write_empty_config(cfg)
    port = args.sut_port
    base = f"http://{HOST}:{port}"

    # Prometheus and ward: blocks as the backfill tools write them (same input, same flags);
    # ward-dense: ward with its opt-in dense chunk encoding (tsdb/docs/format/dense_chunks.md).
    for name, tool, server in (("prometheus", tools["promtool"], tools["prometheus"]),
                               ("ward", tools["wardtool"], tools["ward"]),
                               ("ward-dense", tools["wardtool"], tools["ward"])):
        out = os.path.join(work, name)
        cmd = [tool, "tsdb", "create-blocks-from", "--max-block-duration=24h", "openmetrics", "-q", om, out]
        if name == "ward-dense":
            cmd = [tool, "tsdb", "create-blocks-from", "--max-block-duration=24h", "--chunk-encoding=dense",
                   "openmetrics", "-q", om, out]
        if name == "prometheus":  # kingpin: flags after the subcommand
            cmd = [tool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h", "-q", om, out]
        t = time.time()
        cpu0 = os.times()
        r = subprocess.run(cmd, capture_output=True)
        cpu1 = os.times()
        s = {"backfill_command": " ".join([os.path.basename(cmd[0])] + cmd[1:-2] + ["day.om", "OUT"]),
             "backfill_seconds": round(time.time() - t, 1),
             "backfill_cpu_seconds": round((cpu1.children_user - cpu0.children_user)
                                           + (cpu1.children_system - cpu0.children_system), 1)}
        if r.returncode != 0:
            s["error"] = r.stderr.decode(errors="replace")[-400:]
            res["systems"][name] = s
            log(f"day: {name} backfill FAILED: {s['error']}")
            continue
        b = tsdb_blocks(out)
        s.update(bytes=b["bytes"], index_bytes=b["index_bytes"], chunks_bytes=b["chunks_bytes"],
                 samples_stored=b["samples"], series_stored=b["series"], chunks=b["chunks"], blocks=b["blocks"],
                 note="blocks as written by the backfill tool (before any server opens the dir)")
        log(f"day: {name} {b['bytes'] / 2**20:.1f} MiB, {b['samples']} samples in {len(b['blocks'])} blocks")
        # Open the dir with the server: startup time and a query count of the samples.
        srv = [server, f"--config.file={cfg}", f"--storage.tsdb.path={out}",
               f"--web.listen-address={HOST}:{port}", "--storage.tsdb.retention.time=100y"]
        if name == "ward-dense":
            srv.append("--storage.tsdb.compacted-chunk-encoding=dense")
        proc = None
        try:
            proc, ready = start_server(srv, work, base + "/-/ready")
            s["startup_seconds"] = round(ready, 2)
            n, qs, err = count_samples(base, info["last_ts"])
            s.update(samples_queried=n, count_query_seconds=round(qs, 2))
            if err:
                s["query_error"] = err
        except RuntimeError as e:
            s["query_error"] = str(e)[:400]
        finally:
            if proc is not None:
                shared.stop_proc(proc, 120)
        res["systems"][name] = s
        log(f"day: {name} count query -> {s.get('samples_queried')} {s.get('query_error', '')}")

    # VictoriaMetrics: import the same samples (Prometheus text, ms timestamps), merge, measure.
    vm_dir = os.path.join(work, "vm")
    srv = [tools["victoria-metrics"], f"-storageDataPath={vm_dir}", f"-httpListenAddr={HOST}:{port}",
           "-retentionPeriod=100y", "-search.disableCache", "-search.maxUniqueTimeseries=100000000",
           "-search.maxQueryDuration=600s"]
    s = {}
    proc = None
    try:
        proc, _ = start_server(srv, work, base + "/health")
        pid = proc.pid
        cpu0 = shared.proc_cpu_seconds(pid)
        t = time.time()
        g = subprocess.Popen(gen + ["--format", "prom"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

        def chunks():
            while True:
                b = g.stdout.read(1 << 20)
                if not b:
                    return
                yield b
        conn = http.client.HTTPConnection(HOST, port, timeout=3600)
        conn.request("POST", "/api/v1/import/prometheus", body=chunks(), encode_chunked=True,
                     headers={"Content-Type": "text/plain"})
        resp = conn.getresponse()
        body = resp.read()
        g.wait()
        if resp.status not in (200, 204):
            raise RuntimeError(f"import HTTP {resp.status}: {body[:300]!r}")
        shared.http(base + "/internal/force_flush", timeout=600)
        s["import_seconds"] = round(time.time() - t, 1)
        vm = shared.VictoriaMetricsAdapter.__new__(shared.VictoriaMetricsAdapter)
        vm.base = base
        _, text = vm._wait_merges()
        s["import_cpu_seconds"] = round(shared.proc_cpu_seconds(pid) - cpu0, 1)
        live = wait_dir_stable(vm_dir)
        s["live_bytes"] = live
        s["live_indexdb_bytes"] = shared.dir_bytes(os.path.join(vm_dir, "indexdb"))[0]
        n, qs, err = count_samples(base, info["last_ts"], {"nocache": "1"})
        s.update(samples_queried=n, count_query_seconds=round(qs, 2))
        if err:
            s["query_error"] = err
        t = time.time()
        small = os.path.join(vm_dir, "data", "small")
        for part in sorted(os.listdir(small)) if os.path.isdir(small) else []:
            if len(part) == 7 and part[4] == "_":
                shared.http(base + "/internal/force_merge?partition_prefix=" + part, timeout=1800)
        _, text = vm._wait_merges(timeout=1800)
        s["bytes"] = wait_dir_stable(vm_dir)
        s["merge_seconds"] = round(time.time() - t, 1)
        s["index_bytes"] = shared.dir_bytes(os.path.join(vm_dir, "indexdb"))[0]
        s["samples_stored"] = int((shared.metric_value(text, 'vm_rows{type="storage/small"}') or 0)
                                  + (shared.metric_value(text, 'vm_rows{type="storage/big"}') or 0))
        s["note"] = "whole data dir after import, force_flush and force_merge of every partition"
        log(f"day: victoriametrics {s['bytes'] / 2**20:.1f} MiB (live {live / 2**20:.1f}), "
            f"{s['samples_stored']} rows, query {n}")
    except (RuntimeError, OSError, http.client.HTTPException) as e:
        s["error"] = str(e)[:400]
        log(f"day: victoriametrics FAILED: {e}")
    finally:
        if proc is not None:
            shared.stop_proc(proc, 120)
    res["systems"]["victoriametrics"] = s
    if proc is not None:  # restart on the merged data: startup time on the same data
        try:
            proc, ready = start_server(srv, work, base + "/health")
            s["startup_seconds"] = round(ready, 2)
        except RuntimeError as e:
            s["startup_error"] = str(e)[:200]
        finally:
            shared.stop_proc(proc, 120)

    res["versions"] = {
        "prometheus": shared.tool_version([tools["prometheus"], "--version"], "prometheus"),
        "victoriametrics": shared.tool_version([tools["victoria-metrics"], "-version"], "victoria-metrics"),
        "ward": shared.tool_version([tools["ward"], "--version"])}
    res["versions"]["ward-dense"] = res["versions"]["ward"]
    res["machine"] = shared.machine_info()
    if not args.keep_data:
        shutil.rmtree(work, ignore_errors=True)
    os.makedirs(args.results_dir, exist_ok=True)
    with open(os.path.join(args.results_dir, f"{date}-day-disk.json"), "w") as f:
        json.dump(res, f, indent=1)
    path = os.path.join(args.results_dir, f"{date}-day-disk.md")
    with open(path, "w") as f:
        f.write("\n".join(day_markdown(res, args)) + "\n")
    log(f"wrote {rel(path)}")
    return res


# Systems of the day-of-data table (ward-dense: ward with --chunk-encoding=dense).
DAY_NAMES = ("prometheus", "victoriametrics", "ward", "ward-dense")


def day_rows(res):
    """(label, {system: value}) rows of the day-of-data figures."""
    names = DAY_NAMES
    sy = res["systems"]

    def val(n, fn):
        try:
            return fn(sy[n])
        except (KeyError, TypeError, ZeroDivisionError):
            return None
    rows = [
        ("samples generated", lambda s: res["samples_expected"]),
        ("samples stored (system's own count)", lambda s: s["samples_stored"]),
        ("samples counted by query (count_over_time)", lambda s: s["samples_queried"]),
        ("disk bytes", lambda s: s["bytes"]),
        ("disk bytes/sample", lambda s: s["bytes"] / res["samples_expected"]),
        ("disk bytes/sample without index", lambda s: (s["bytes"] - s["index_bytes"]) / res["samples_expected"]),
        ("index bytes/series", lambda s: s["index_bytes"] / res["series"]),
        ("VM: live dir bytes/sample before forced merge", lambda s: s["live_bytes"] / res["samples_expected"]),
        ("load time s (backfill tool / VM import+flush)",
         lambda s: s.get("backfill_seconds", s.get("import_seconds"))),
        ("load CPU s", lambda s: s.get("backfill_cpu_seconds", s.get("import_cpu_seconds"))),
        ("startup on this data, s (to ready)", lambda s: s["startup_seconds"]),
    ]
    return [(label, {n: val(n, fn) for n in names}) for label, fn in rows]


def day_markdown(res, args):
    names = DAY_NAMES
    hdr = (f"{res['series']:,} series x {res['samples_expected'] // res['series']:,} samples "
           f"({res['hours']} h at {res['interval_s']} s) = {res['samples_expected']:,} samples")
    out = [f"# Disk on a day of data: {hdr}", "",
           f"- date: {res['date']} (UTC); machine: {machine_line(res)}",
           "- command: `python3 bench/run.py --disk-only" + (" --smoke" if args.smoke else "")
           + (f" --day-series {args.day_series}" if args.day_series != 10000 else "") + "`",
           f"- data: {res['generator']}; one OpenMetrics file "
           f"({res['openmetrics_bytes'] / 2**30:.1f} GiB) for promtool and wardtool, the same samples "
           "streamed as Prometheus text (ms timestamps) into VictoriaMetrics' /api/v1/import/prometheus",
           "- Prometheus and ward: `tsdb create-blocks-from openmetrics --max-block-duration=24h`; the "
           "blocks are measured as the tools write them, before any server opens the dir (both tools "
           "cut blocks at multiples of 18h since the epoch, the largest compaction range <= 24h, as "
           "Prometheus's own compaction does with default retention; see the block list below). "
           "Index = the blocks' `index` files. ward-dense: the same with `--chunk-encoding=dense` "
           "(ward's opt-in dense chunks, tsdb/docs/format/dense_chunks.md; not readable by Prometheus "
           "until `wardtool tsdb convert --chunk-encoding=xor`).",
           "- VictoriaMetrics: whole data dir after import, `/internal/force_flush`, "
           "`/internal/force_merge` of every partition and no merges running. Index = `indexdb/`.",
           "- Versions: " + "; ".join(f"{n} {res['versions'].get(n)}" for n in names[:3]), "",
           "| figure | " + " | ".join(names) + " | ward / prometheus | ward / VM "
           "| ward-dense / prometheus | ward-dense / VM |",
           "|---|" + "---|" * (len(names) + 4)]

    def ratio(a, b):
        return shared.fmt(a / b if isinstance(a, (int, float)) and b else None)
    for label, v in day_rows(res):
        w, d, p, m = v["ward"], v["ward-dense"], v["prometheus"], v["victoriametrics"]
        nd = 3 if "sample" in label and "/" in label else 1
        out.append(f"| {label} | " + " | ".join(shared.fmt(v[n], nd) for n in names)
                   + f" | {ratio(w, p)} | {ratio(w, m)} | {ratio(d, p)} | {ratio(d, m)} |")
    errs = [f"{n}: {s.get('error') or s.get('query_error')}" for n, s in res["systems"].items()
            if s.get("error") or s.get("query_error")]
    if errs:
        out += ["", "Errors: " + "; ".join(errs)]
    blocks = {n: res["systems"].get(n, {}).get("blocks") for n in ("prometheus", "ward", "ward-dense")}
    out += ["", "Blocks (hours, bytes, samples): " + "; ".join(
        f"{n}: " + ", ".join(f"{b['hours']}h {b['bytes']:,} B {b['samples']:,}" for b in (bl or []))
        for n, bl in blocks.items())]
    return out


# --------------------------------------------------------------------------
# Combined table

def summary(args, date, reports, day):
    out = [f"# Benchmark summary {date}", ""]
    if reports:
        any_rep = next(iter(reports.values()))
        out += [f"Machine: {machine_line(any_rep)}. Command: `python3 bench/run.py` "
                "(scales " + ", ".join(reports) + "). Per-scale tables: "
                + ", ".join(f"`{os.path.basename(result_stem(args, date, sc))}.md`" for sc in reports) + ".", ""]
    scales = [sc for sc in ("100k", "1m") if sc in reports]
    names = ("prometheus", "victoriametrics", "ward")
    if scales:
        figs = {sc: {n: figures(s) for n, s in systems_by_name(reports[sc]).items()} for sc in scales}
        keys = list(next(iter(next(iter(figs.values())).values())).keys())
        cols = [f"{n} {sc}" for n in names for sc in scales]
        grow = len(scales) == 2
        out += ["## Figures per scale" + (" and growth 100k -> 1M (x = 1M / 100k)" if grow else ""), "",
                "| figure | " + " | ".join(cols) + (" | " + " | ".join(f"{n} growth" for n in names) if grow else "")
                + " |", "|---|" + "---|" * (len(cols) + (len(names) if grow else 0))]
        for k in keys:
            cells = [shared.fmt(figs[sc].get(n, {}).get(k)) for n in names for sc in scales]
            if grow:
                for n in names:
                    a, b = figs["100k"].get(n, {}).get(k), figs["1m"].get(n, {}).get(k)
                    cells.append(f"x{b / a:.2f}" if a and b is not None else "n/a")
            out.append(f"| {k} | " + " | ".join(cells) + " |")
        out += ["", "## ward ratios (ward / prometheus, ward / VM) per scale", "",
                "| figure | " + " | ".join(f"w/P {sc} | w/VM {sc}" for sc in scales) + " |",
                "|---|" + "---|" * (2 * len(scales))]
        for k in keys:
            if k.startswith("noise"):
                continue
            cells = []
            for sc in scales:
                w = figs[sc].get("ward", {}).get(k)
                for n in ("prometheus", "victoriametrics"):
                    o = figs[sc].get(n, {}).get(k)
                    cells.append(shared.fmt(w / o) if w is not None and o else "n/a")
            out.append(f"| {k} | " + " | ".join(cells) + " |")
        out.append("")
    if day:
        out += [f"## Day of data ({day['series']:,} series x {day['hours']} h at {day['interval_s']} s; "
                f"`{date}-day-disk.md`)", "", "| figure | " + " | ".join(DAY_NAMES)
                + " | w/P | w/VM | dense/P | dense/VM |", "|---|" + "---|" * (len(DAY_NAMES) + 4)]
        for label, v in day_rows(day):
            if "bytes" in label or "samples" in label or "startup" in label:
                nd = 3 if "/" in label else (2 if "startup" in label else 0)
                w, d, p, m = v["ward"], v["ward-dense"], v["prometheus"], v["victoriametrics"]
                cells = [shared.fmt(a / b) if a is not None and b else "n/a"
                         for a, b in ((w, p), (w, m), (d, p), (d, m))]
                out.append(f"| {label} | " + " | ".join(shared.fmt(v[n], nd) for n in DAY_NAMES)
                           + " | " + " | ".join(cells) + " |")
    path = os.path.join(args.results_dir, f"{date}-summary.md")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    log(f"wrote {rel(path)}")
    print("\n".join(out))


def load_existing(args, date, scale):
    p = result_stem(args, date, scale) + ".json"
    if os.path.exists(p):
        with open(p) as f:
            return json.load(f)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", default="100k,1m", help="comma list of 100k, 1m (default both)")
    ap.add_argument("--skip-disk", action="store_true", help="no day-of-data disk step")
    ap.add_argument("--disk-only", action="store_true", help="only the day-of-data disk step")
    ap.add_argument("--smoke", action="store_true",
                    help="short run: 60 s ingestion, 1 query rep, day step with <=600 series x 2 h")
    ap.add_argument("--duration", type=int, default=None, help="override ingestion seconds")
    ap.add_argument("--warmup", type=int, default=None, help="override warm-up seconds")
    ap.add_argument("--reps", type=int, default=None, help="override query repetitions")
    ap.add_argument("--day-series", type=int, default=10000)
    ap.add_argument("--day-hours", type=int, default=24)
    ap.add_argument("--day-interval", type=int, default=15)
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"),
                    help="where synthgen, daygen, raw results and data go (default build-bench)")
    ap.add_argument("--ward-bin-dir", default=None,
                    help="dir holding ward and wardtool (default: build dir of `make build`, then PATH)")
    ap.add_argument("--results-dir", default=os.path.join(BENCH, "results"))
    ap.add_argument("--date", default=None, help="date tag of result files (default today, UTC)")
    ap.add_argument("--summary-only", action="store_true",
                    help="only rebuild <date>-summary.md from the result files of --date")
    ap.add_argument("--from-raw", default=None, metavar="SCALE=DIR",
                    help="only write the <date>-SCALE result files from an earlier run.py results dir")
    ap.add_argument("--keep-data", action="store_true")
    ap.add_argument("--sut-port", type=int, default=19590)
    ap.add_argument("--base-port", type=int, default=19600)
    args = ap.parse_args()
    args.build_dir = os.path.abspath(args.build_dir)
    args.results_dir = os.path.abspath(args.results_dir)
    if args.ward_bin_dir is None:
        for d in (os.path.join(ROOT, "build"), os.path.join(ROOT, "build", "cmd", "ward")):
            if os.path.exists(os.path.join(d, "ward")) and os.path.exists(os.path.join(d, "wardtool")):
                args.ward_bin_dir = d
                break
    date = args.date or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    scales = [s.strip().lower() for s in args.scales.split(",") if s.strip()]
    bad = [s for s in scales if s not in SCALES]
    if bad:
        sys.exit(f"unknown scale(s) {bad}: choose from {list(SCALES)}")

    reports, day = {}, None
    if args.from_raw:
        sc, _, raw = args.from_raw.partition("=")
        tools = {"synthgen": os.path.join(args.build_dir, "synthgen")}
        reports[sc] = write_scale_results(args, sc, date, os.path.abspath(raw), scale_command(args, tools, sc)[0])
    elif not args.summary_only:
        tools = ensure_tools(args)
        if not args.disk_only:
            for sc in scales:
                reports[sc] = run_scale(args, tools, sc, date)
        if not args.skip_disk:
            day = day_disk(args, tools, date)
    # Fill in what this invocation did not run from earlier result files of the same date.
    for sc in SCALES:
        if sc not in reports:
            r = load_existing(args, date, sc)
            if r:
                reports[sc] = r
    if day is None:
        p = os.path.join(args.results_dir, f"{date}-day-disk.json")
        if os.path.exists(p):
            with open(p) as f:
                day = json.load(f)
            if args.summary_only:  # re-render the day table too
                with open(p[:-5] + ".md", "w") as f:
                    f.write("\n".join(day_markdown(day, args)) + "\n")
    summary(args, date, reports, day)


if __name__ == "__main__":
    main()
