#!/usr/bin/env python3
"""Startup time at N active series: ward vs Prometheus 2.42, on the same data.

gen_head (built beside ward) fills a data directory through ward's TSDB
(N series x S samples, 15 s apart, ending now: one full chunk per series in
chunks_head plus an open chunk) and closes it cleanly, leaving the WAL,
chunks_head and ward's chunk snapshot. Each case then starts a server on a
fresh copy and measures process start -> /-/ready answering 200, and the
RSS and CPU time (user + system, all threads) at that moment:
  ward-wal          ward, snapshot removed: chunks_head + full WAL replay
  ward-snapshot     ward, from its snapshot
  prom-wal          Prometheus, snapshot removed: full replay of ward's WAL
  prom-snapshot     Prometheus --enable-feature=memory-snapshot-on-shutdown
                    from its OWN snapshot (a first run replays the WAL and
                    writes one on shutdown; the second run is measured)
  prom-ward-snap    Prometheus with the feature on ward's snapshot
Not part of `make test`. Usage (from the repo root, after building the
`ward` and `startup_gen_head` targets):
  python3 bench/startup/run.py --build build-snapshot --work /some/big/dir \
      [--series 1000000] [--samples 180] [--reps 1] [--cases ward-wal,...]
Prints one line per run and a summary table (median per case)."""
import argparse
import glob
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2) as r:
            return r.status == 200
    except Exception:  # noqa: BLE001 - not up yet
        return False


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_secs(pid):
    """user + system CPU seconds of the process so far (all threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fresh_copy(src, dst, keep_snapshot):
    shutil.rmtree(dst, ignore_errors=True)
    subprocess.run(["cp", "-a", src, dst], check=True)
    if not keep_snapshot:
        for d in glob.glob(os.path.join(dst, "chunk_snapshot.*")):
            shutil.rmtree(d)
    subprocess.run(["sync"], check=True)


def start_and_time(args, port, log_path, timeout=1800):
    """Starts a server, returns (seconds to ready, RSS MiB, CPU seconds, process)."""
    logf = open(log_path, "a")
    t0 = time.monotonic()
    proc = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT)
    while not ready(port):
        if proc.poll() is not None:
            raise SystemExit(f"{args[0]} exited with {proc.returncode}; see {log_path}")
        if time.monotonic() - t0 > timeout:
            proc.kill()
            raise SystemExit(f"{args[0]} not ready after {timeout}s; see {log_path}")
        time.sleep(0.02)
    secs = time.monotonic() - t0
    return secs, rss_mib(proc.pid), cpu_secs(proc.pid), proc


def stop(proc, timeout=900):
    proc.terminate()
    proc.wait(timeout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True, help="build dir with ward and bench/startup/startup_gen_head")
    ap.add_argument("--work", required=True, help="scratch dir (needs ~4x the data size)")
    ap.add_argument("--series", type=int, default=1_000_000)
    ap.add_argument("--samples", type=int, default=180)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--cases", default="ward-wal,ward-snapshot,prom-wal,prom-snapshot,prom-ward-snap")
    ap.add_argument("--prometheus", default=shutil.which("prometheus"))
    a = ap.parse_args()
    ward = os.path.join(a.build, "ward")
    gen = os.path.join(a.build, "bench", "startup", "startup_gen_head")
    os.makedirs(a.work, exist_ok=True)
    src = os.path.join(a.work, f"src-{a.series}x{a.samples}")
    if not os.path.exists(os.path.join(src, ".done")):
        shutil.rmtree(src, ignore_errors=True)
        subprocess.run([gen, src, str(a.series), str(a.samples)], check=True)
        open(os.path.join(src, ".done"), "w").close()
    du = subprocess.run(["du", "-sh", src], capture_output=True, text=True).stdout.split()[0]
    print(f"data: {src} ({du})", flush=True)
    cfg = os.path.join(a.work, "empty.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
    feature = "--enable-feature=memory-snapshot-on-shutdown"

    def ward_args(data, port):
        return [ward, f"--config.file={cfg}", f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{port}"]

    def prom_args(data, port, *extra):
        return [a.prometheus, f"--config.file={cfg}", f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{port}", *extra]

    results = {}
    data = os.path.join(a.work, "run")
    log = os.path.join(a.work, "server.log")
    for rep in range(a.reps):
        for case in a.cases.split(","):
            port = free_port()
            if case == "ward-wal":
                fresh_copy(src, data, keep_snapshot=False)
                args = ward_args(data, port)
            elif case == "ward-snapshot":
                fresh_copy(src, data, keep_snapshot=True)
                args = ward_args(data, port)
            elif case == "prom-wal":
                fresh_copy(src, data, keep_snapshot=False)
                args = prom_args(data, port)
            elif case == "prom-snapshot":
                fresh_copy(src, data, keep_snapshot=False)
                secs, _, _, p = start_and_time(prom_args(data, port, feature), port, log)
                t = time.monotonic()
                stop(p)  # writes Prometheus's own snapshot
                print(f"  (prom first run {secs:.1f}s, shutdown+snapshot {time.monotonic() - t:.1f}s)",
                      flush=True)
                snaps = glob.glob(os.path.join(data, "chunk_snapshot.*"))
                assert snaps, "Prometheus wrote no chunk snapshot"
                subprocess.run(["sync"], check=True)
                port = free_port()
                args = prom_args(data, port, feature)
            elif case == "prom-ward-snap":
                fresh_copy(src, data, keep_snapshot=True)
                args = prom_args(data, port, feature)
            else:
                raise SystemExit(f"unknown case {case}")
            with open(log, "a") as f:
                f.write(f"\n===== {case} rep {rep}: {' '.join(args)}\n")
            load = os.getloadavg()[0]
            secs, rss, cpu, p = start_and_time(args, port, log)
            t = time.monotonic()
            stop(p)
            down = time.monotonic() - t
            results.setdefault(case, []).append((secs, rss, cpu))
            print(f"{case:15s} rep {rep}: ready in {secs:7.2f} s, CPU {cpu:7.2f} s, "
                  f"RSS {rss:8.0f} MiB (shutdown {down:.1f} s, load before {load:.1f})", flush=True)
    shutil.rmtree(data, ignore_errors=True)
    print(f"\n{a.series} series x {a.samples} samples; median of {a.reps}")
    print(f"{'case':15s} {'ready s':>9s} {'CPU s':>9s} {'RSS MiB':>9s}")
    for case, rs in results.items():
        print(f"{case:15s} {statistics.median(r[0] for r in rs):9.2f} "
              f"{statistics.median(r[2] for r in rs):9.2f} "
              f"{statistics.median(r[1] for r in rs):9.0f}")


if __name__ == "__main__":
    sys.exit(main())
