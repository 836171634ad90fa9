"""Both ways with the real Prometheus 2.42 (its WAL format):
 A. ward scrapes etcd and stops; Prometheus started on a copy of ward's data
    directory (WAL only) answers a range query with exactly ward's samples.
 B. Prometheus scrapes etcd and stops; `wardtool tsdb dump` and a ward server
    started on Prometheus's directory see exactly Prometheus's samples.
 C. ward scrapes with 2s blocks, so its directory holds compacted blocks and
    the WAL; Prometheus started on a copy answers with
    exactly ward's samples, and `promtool tsdb dump` / `promtool tsdb analyze`
    read ward's blocks (the dump equal to `wardtool tsdb dump`'s)."""
import json
import math
import os
import shutil
import subprocess
import sys
import time
import urllib.parse

from wardtest import (Ward, free_port, http_get, parse_dump, run, services_env, shared_dir, skip,
                      wait_until, wardtool_dump)


def prometheus_bin():
    p = shutil.which("prometheus")
    if not p:
        skip("the prometheus binary is not installed (start-services.sh installs it)")
    return p


class Prometheus:
    def __init__(self, work, data, scrape_yaml=""):
        self.port = free_port()
        self.data = data
        self.cfg = os.path.join(work, "prom.yml")
        with open(self.cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n" + scrape_yaml)
        self.log_path = os.path.join(work, "prometheus.log")

    def start(self):
        self.logf = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [prometheus_bin(), f"--config.file={self.cfg}", f"--storage.tsdb.path={self.data}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.logf, stderr=subprocess.STDOUT)
        wait_until(lambda: self.proc.poll() is None and
                   http_get(f"http://127.0.0.1:{self.port}/-/ready")[0] == 200, 60,
                   f"prometheus ready (log {self.log_path})")
        return self

    def query_all(self):
        """Every raw sample of every series within the last hour, via a range selector."""
        q = urllib.parse.urlencode({"query": '{__name__=~".+"}[1h]', "time": f"{time.time():.3f}"})
        _, body = http_get(f"http://127.0.0.1:{self.port}/api/v1/query?{q}", timeout=30)
        res = json.loads(body)
        assert res["status"] == "success", res
        out = {}
        for s in res["data"]["result"]:
            key = tuple(sorted(s["metric"].items()))
            out[key] = [(int(round(float(t) * 1000)), float(v)) for t, v in s["values"]]
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(60)
        self.logf.close()


def normalize_dump(dump):
    """Floats, without NaN (range selectors never return stale markers)."""
    out = {}
    for k, samples in dump.items():
        vals = [(t, float(v)) for t, v in samples if not math.isnan(float(v))]
        if vals:
            out[k] = vals
    return out


def assert_same(want, got, what):
    missing = set(want) - set(got)
    extra = set(got) - set(want)
    assert not missing, f"{what}: {len(missing)} series missing, e.g. {sorted(missing)[:3]}"
    assert not extra, f"{what}: {len(extra)} extra series, e.g. {sorted(extra)[:3]}"
    for k in want:
        assert want[k] == got[k], f"{what}: samples differ for {k}:\n want {want[k][:5]}\n got {got[k][:5]}"


def ward_to_prometheus(work, etcd_port):
    cfg = f"""
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: etcd
    static_configs:
      - targets: ['127.0.0.1:{etcd_port}']
"""
    wdir = os.path.join(work, "a")
    os.makedirs(wdir)
    ward = Ward(wdir, cfg).start()
    time.sleep(4)
    assert ward.stop() == 0, ward.log()
    ours = normalize_dump(wardtool_dump(ward.data))
    assert len(ours) > 100, f"ward stored only {len(ours)} series"

    copy = os.path.join(work, "a-prom-data")
    shutil.copytree(ward.data, copy)
    prom = Prometheus(wdir, copy).start()
    try:
        theirs = prom.query_all()
    finally:
        prom.stop()
    assert_same(ours, theirs, "Prometheus reading ward's WAL")
    print(f"A: Prometheus 2.42 read {len(theirs)} series / "
          f"{sum(len(v) for v in theirs.values())} samples from ward's WAL, all equal")


def prometheus_to_ward(work, etcd_port):
    pdir = os.path.join(work, "b")
    os.makedirs(pdir)
    data = os.path.join(pdir, "prom-data")
    prom = Prometheus(pdir, data, f"""scrape_configs:
  - job_name: etcd
    static_configs:
      - targets: ['127.0.0.1:{etcd_port}']
""").start()
    # Prometheus's discovery hands targets over after up to 5s; wait for 4 scrapes.
    def scraped():
        up = [v for k, v in prom.query_all().items() if dict(k).get("__name__") == "up"]
        return up and len(up[0]) >= 4
    wait_until(scraped, 40, "prometheus to scrape etcd 4 times")
    prom.stop()
    # What Prometheus itself reads back from its directory, with nothing scraping.
    reader = Prometheus(pdir, data).start()
    try:
        theirs = reader.query_all()
    finally:
        reader.stop()
    assert len(theirs) > 100, f"prometheus stored only {len(theirs)} series"

    ours = normalize_dump(wardtool_dump(data))
    assert_same(theirs, ours, "wardtool reading Prometheus's WAL")

    # The server replays it too, and keeps it across its own restart.
    ward = Ward(pdir, "scrape_configs: []\n", data_dir=data).start()
    heads = ward.metric("prometheus_tsdb_head_series")
    assert heads is not None and heads >= len(theirs), f"head series {heads} < {len(theirs)}"
    assert ward.stop() == 0, ward.log()
    again = normalize_dump(wardtool_dump(data))
    assert_same(theirs, again, "after ward served Prometheus's directory")
    print(f"B: ward replayed {len(ours)} series / {sum(len(v) for v in ours.values())} samples "
          "written by Prometheus 2.42, all equal")


def ward_blocks_to_prometheus(work, etcd_port):
    cfg = f"""
global:
  scrape_interval: 500ms
  scrape_timeout: 400ms
scrape_configs:
  - job_name: etcd
    static_configs:
      - targets: ['127.0.0.1:{etcd_port}']
"""
    wdir = os.path.join(work, "c")
    os.makedirs(wdir)
    ward = Ward(wdir, cfg, ["--storage.tsdb.min-block-duration=2s"]).start()
    blocks = []

    def have_blocks():
        # Finished blocks only: a ULID directory with its meta.json (not a
        # ".tmp-for-creation" one still being written).
        blocks[:] = [d for d in os.listdir(ward.data) if len(d) == 26 and "." not in d and
                     os.path.isfile(os.path.join(ward.data, d, "meta.json"))]
        return len(blocks) >= 2
    wait_until(have_blocks, 40, "ward to cut two blocks")
    assert ward.stop() == 0, ward.log()
    have_blocks()
    raw = wardtool_dump(ward.data)
    ours = normalize_dump(raw)
    assert len(ours) > 100, f"ward stored only {len(ours)} series"

    promtool = shutil.which("promtool")
    if promtool:
        out = subprocess.run([promtool, "tsdb", "dump", ward.data], capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, f"promtool tsdb dump failed: {out.stderr[-2000:]}"
        theirs_dump = parse_dump(out.stdout)
        # promtool reads the blocks and replays the WAL: the same series and
        # samples as wardtool's dump, value strings included.
        assert_same(raw, theirs_dump, "promtool tsdb dump of ward's directory")
        n = sum(len(v) for v in theirs_dump.values())
        for b in blocks:
            an = subprocess.run([promtool, "tsdb", "analyze", ward.data, b], capture_output=True,
                                text=True, timeout=120)
            assert an.returncode == 0 and "Block ID: " + b in an.stdout, \
                f"promtool tsdb analyze {b}: rc={an.returncode} {an.stdout[:500]} {an.stderr[-1000:]}"
        print(f"C: promtool tsdb dump read {n} samples from ward's directory, all equal; analyze ok on "
              f"{len(blocks)} blocks")

    copy = os.path.join(work, "c-prom-data")
    shutil.copytree(ward.data, copy)
    prom = Prometheus(wdir, copy).start()
    try:
        theirs = prom.query_all()
    finally:
        prom.stop()
    assert_same(ours, theirs, "Prometheus reading ward's blocks and WAL")
    print(f"C: Prometheus 2.42 read {len(theirs)} series / "
          f"{sum(len(v) for v in theirs.values())} samples from ward's {len(blocks)} blocks + WAL, "
          "all equal")


def test(work):
    shared_dir()
    ports = services_env()
    etcd = ports["ETCD1_CLIENT_PORT"]
    ward_to_prometheus(work, etcd)
    prometheus_to_ward(work, etcd)
    ward_blocks_to_prometheus(work, etcd)


if __name__ == "__main__":
    sys.exit(run(test))
