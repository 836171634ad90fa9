#!/usr/bin/env python3
"""A/B of two ward binaries on one synthgen load, run at the same time.

Both servers scrape the same synthgen targets (so both see the same noise from
the rest of the machine); after a warm-up, the CPU time (user + system, all
threads, from /proc) and the samples each appended
(prometheus_tsdb_head_samples_appended_total) are read over a window, and the
script prints CPU seconds per million samples for A and B, the B/A ratio, and
RSS per head series. This is how a single change to the ingest path is
measured; side-by-side figures against Prometheus and VictoriaMetrics come
from bench/run.py. Not part of `make test`.

  python3 bench/ab_ingest.py --a OLD_WARD --b NEW_WARD --synthgen build-bench/synthgen \
      [--targets 20 --series 5000 --interval 5 --warmup 30 --window 60 --rounds 3]
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request


def metric(port, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
    return float("nan")


def cpu_secs(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def wait_ready(port, proc, timeout=120):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            sys.exit(f"server on port {port} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.1)
    sys.exit(f"server on port {port} not ready after {timeout}s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True, help="ward binary A (baseline)")
    ap.add_argument("--b", required=True, help="ward binary B (candidate)")
    ap.add_argument("--synthgen", required=True, help="synthgen binary (../shared/bench/build.sh)")
    ap.add_argument("--targets", type=int, default=20)
    ap.add_argument("--series", type=int, default=5000)
    ap.add_argument("--interval", type=int, default=5, help="scrape interval, seconds")
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--window", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--base-port", type=int, default=19700)
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="ward-ab-")
    procs = []
    try:
        gen = subprocess.Popen([a.synthgen, "--targets", str(a.targets), "--series", str(a.series),
                                "--base-port", str(a.base_port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(gen)
        targets = ", ".join(f"'127.0.0.1:{a.base_port + i}'" for i in range(a.targets))
        cfg = os.path.join(work, "ab.yml")
        with open(cfg, "w") as f:
            f.write(f"global:\n  scrape_interval: {a.interval}s\nscrape_configs:\n"
                    f"- job_name: ab\n  static_configs:\n  - targets: [{targets}]\n")
        servers = {}
        for name, binary, port in (("A", a.a, a.base_port - 2), ("B", a.b, a.base_port - 1)):
            data = os.path.join(work, name)
            p = subprocess.Popen([binary, f"--config.file={cfg}", f"--storage.tsdb.path={data}",
                                  f"--web.listen-address=127.0.0.1:{port}"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(p)
            servers[name] = (p, port)
        for p, port in servers.values():
            wait_ready(port, p)
        time.sleep(a.warmup)
        ratios = []
        for r in range(a.rounds):
            c0 = {n: cpu_secs(p.pid) for n, (p, _) in servers.items()}
            s0 = {n: metric(port, "prometheus_tsdb_head_samples_appended_total")
                  for n, (_, port) in servers.items()}
            time.sleep(a.window)
            res = {}
            for n, (p, port) in servers.items():
                cpu = cpu_secs(p.pid) - c0[n]
                smp = metric(port, "prometheus_tsdb_head_samples_appended_total") - s0[n]
                series = metric(port, "prometheus_tsdb_head_series")
                res[n] = (cpu / smp * 1e6 if smp > 0 else float("nan"), rss_bytes(p.pid) / series)
            ratio = res["B"][0] / res["A"][0]
            ratios.append(ratio)
            print(f"round {r + 1}: CPU-s per 1M samples A {res['A'][0]:.3f}  B {res['B'][0]:.3f}  "
                  f"B/A {ratio:.3f}   RSS bytes/series A {res['A'][1]:,.0f}  B {res['B'][1]:,.0f}",
                  flush=True)
        ratios.sort()
        print(f"median B/A CPU per sample: {ratios[len(ratios) // 2]:.3f}")
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
