"""Chunk snapshots (memory-snapshot-on-shutdown) both ways with the real
Prometheus 2.42:
 A. ward scrapes a counting target in two runs (a snapshot after each clean
    stop) and deletes part of a series (a head tombstone). On a copy of its
    directory whose WAL segments before the snapshot's are removed,
    Prometheus started with --enable-feature=memory-snapshot-on-shutdown
    answers exactly ward's samples: they can only come from ward's snapshot
    (series, open chunks, tombstones) and chunks_head.
 B. The same with Prometheus writing (two runs with the feature) and ward
    reading: ward serves exactly what Prometheus replays from its full WAL.
Scrapes every 100 ms, so each series has full chunks in chunks_head as well
as an open chunk in the snapshot."""
import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse

from prometheus_compat_test import Prometheus, assert_same, normalize_dump
from wardtest import CountingTarget, Ward, http_get, http_post, run, wait_until, wardtool_dump

SNAP = re.compile(r"^chunk_snapshot\.(\d+)\.(\d+)$")


def scrape_cfg(port):
    return f"""
global:
  scrape_interval: 100ms
  scrape_timeout: 90ms
scrape_configs:
  - job_name: syn
    static_configs:
      - targets: ['127.0.0.1:{port}']
"""


def snapshot_of(data):
    snaps = [d for d in os.listdir(data) if SNAP.match(d)]
    assert len(snaps) == 1, f"want one chunk snapshot in {data}, have {snaps}"
    seg = int(SNAP.match(snaps[0]).group(1))
    return snaps[0], seg


def drop_wal_before(data, seg):
    """Removes the WAL segments before `seg`: only the snapshot holds their data now."""
    wal = os.path.join(data, "wal")
    dropped = 0
    for name in os.listdir(wal):
        if name.isdigit() and int(name) < seg:
            os.remove(os.path.join(wal, name))
            dropped += 1
    assert dropped > 0, f"no WAL segment before {seg} in {wal}: {sorted(os.listdir(wal))}"


def query_all(port):
    q = urllib.parse.urlencode({"query": '{__name__=~".+"}[1h]', "time": f"{time.time():.3f}"})
    _, body = http_get(f"http://127.0.0.1:{port}/api/v1/query?{q}", timeout=30)
    res = json.loads(body)
    assert res["status"] == "success", res
    out = {}
    for s in res["data"]["result"]:
        key = tuple(sorted(s["metric"].items()))
        out[key] = [(int(round(float(t) * 1000)), float(v)) for t, v in s["values"]]
    return out


def syn_only(series):
    return {k: v for k, v in series.items() if dict(k).get("__name__") == "syn_value"}


def ward_to_prometheus(work):
    target = CountingTarget(30)
    wdir = os.path.join(work, "a")
    os.makedirs(wdir)
    args = ["--web.enable-admin-api"]
    ward = Ward(wdir, scrape_cfg(target.port), args).start()
    time.sleep(8)
    assert ward.stop() == 0, ward.log()
    snapshot_of(ward.data)
    ward = Ward(wdir, scrape_cfg(target.port), args, data_dir=ward.data).start()
    assert "Chunk snapshot loaded" in ward.log(), ward.log()
    time.sleep(8)
    # A head tombstone: the snapshot must carry it.
    now = time.time()
    q = urllib.parse.urlencode({"match[]": 'syn_value{series="3"}', "start": f"{now - 12:.3f}",
                                "end": f"{now - 6:.3f}"})
    code, _ = http_post(ward.url(f"/api/v1/admin/tsdb/delete_series?{q}"))
    assert code == 204, f"delete_series returned {code}"
    target.stop()
    time.sleep(0.5)
    ours = syn_only(query_all(ward.port))
    assert ward.stop() == 0, ward.log()
    assert len(ours) == 30, f"ward has {len(ours)} syn series"
    n = sum(len(v) for v in ours.values())
    s3 = len(ours[(("__name__", "syn_value"), ("instance", f"127.0.0.1:{target.port}"), ("job", "syn"),
                   ("series", "3"))])
    counts = sorted(len(v) for v in ours.values())
    assert s3 < counts[1] - 30, f"delete_series left series 3 with {s3} samples ({counts[:3]})"
    assert counts[1] > 120, f"want full chunks in chunks_head too, have {counts[:3]} samples"
    # wardtool's full WAL replay agrees with what the server served.
    assert_same(ours, syn_only(normalize_dump(wardtool_dump(ward.data))), "wardtool dump")

    name, seg = snapshot_of(ward.data)
    copy = os.path.join(work, "a-prom-data")
    shutil.copytree(ward.data, copy)
    drop_wal_before(copy, seg)
    prom = Prometheus(wdir, copy)
    prom_args = ["--enable-feature=memory-snapshot-on-shutdown"]
    start_prom(prom, prom_args)
    try:
        theirs = syn_only(prom.query_all())
    finally:
        prom.stop()
    log = open(prom.log_path).read()
    assert "Failed to load chunk snapshot" not in log, log[-3000:]
    assert "chunk snapshot loaded" in log, log[-3000:]
    assert_same(ours, theirs, "Prometheus reading ward's chunk snapshot")
    print(f"A: Prometheus 2.42 loaded ward's {name} and served {len(theirs)} series / "
          f"{n} samples (tombstone included), all equal")


def start_prom(prom, extra):
    """Prometheus.start with extra flags."""
    prom.logf = open(prom.log_path, "a")
    from prometheus_compat_test import prometheus_bin
    prom.proc = subprocess.Popen(
        [prometheus_bin(), f"--config.file={prom.cfg}", f"--storage.tsdb.path={prom.data}",
         f"--web.listen-address=127.0.0.1:{prom.port}", *extra],
        stdout=prom.logf, stderr=subprocess.STDOUT)
    wait_until(lambda: prom.proc.poll() is None and
               http_get(f"http://127.0.0.1:{prom.port}/-/ready")[0] == 200, 120,
               f"prometheus ready (log {prom.log_path})")
    return prom


def prometheus_to_ward(work):
    target = CountingTarget(30)
    pdir = os.path.join(work, "b")
    os.makedirs(pdir)
    data = os.path.join(pdir, "prom-data")
    feature = ["--enable-feature=memory-snapshot-on-shutdown"]
    for _ in range(2):
        prom = Prometheus(pdir, data)
        with open(prom.cfg, "w") as f:  # scrape every 100 ms, not the helper's 1s
            f.write(scrape_cfg(target.port))
        start_prom(prom, feature)
        before = target.count
        wait_until(lambda: target.count - before >= 80, 60, "prometheus to scrape 80 times")
        prom.stop()
    target.stop()
    name, seg = snapshot_of(data)

    # The truth: Prometheus replaying its whole WAL (feature off) on a copy.
    full = os.path.join(pdir, "full-copy")
    shutil.copytree(data, full)
    shutil.rmtree(os.path.join(full, name))
    reader = Prometheus(pdir, full)
    start_prom(reader, [])
    try:
        theirs = syn_only(reader.query_all())
    finally:
        reader.stop()
    assert len(theirs) == 30, f"prometheus has {len(theirs)} syn series"
    assert min(len(v) for v in theirs.values()) > 120, "want full chunks in chunks_head too"

    copy = os.path.join(pdir, "ward-copy")
    shutil.copytree(data, copy)
    drop_wal_before(copy, seg)
    ward = Ward(pdir, "scrape_configs: []\n", data_dir=copy).start()
    try:
        assert "Chunk snapshot loaded" in ward.log(), ward.log()
        ours = syn_only(query_all(ward.port))
    finally:
        assert ward.stop() == 0, ward.log()
    assert_same(theirs, ours, "ward reading Prometheus's chunk snapshot")
    print(f"B: ward loaded Prometheus's {name} and served {len(ours)} series / "
          f"{sum(len(v) for v in ours.values())} samples, all equal")


def main(work):
    if not shutil.which("prometheus"):
        from wardtest import skip
        skip("the prometheus binary is not installed (start-services.sh installs it)")
    ward_to_prometheus(work)
    prometheus_to_ward(work)


if __name__ == "__main__":
    raise SystemExit(run(main))
