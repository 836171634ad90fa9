"""Crash safety of retention: ward runs with 2 s blocks and a 6 s time
retention while scraping a local target every 100 ms, so it keeps cutting,
compacting and deleting blocks; it is killed with SIGKILL at pseudo-random
moments four times and restarted each time. After a clean stop and one more
start and stop:
 - no `.tmp` directory is left in the data directory;
 - the blocks do not overlap, and none is older than the retention allows
   (measured from the newest block, as Prometheus does, with one block range
   of slack);
 - nothing older than the oldest block came back (a deleted block's samples
   are not resurrected by a WAL replay);
 - every stored scrape is whole (all series share its timestamp)."""
import json
import os
import random
import sys
import time

from wardtest import CountingTarget, Ward, run, wardtool_dump

SERIES = 20
SCRAPE_MS = 100
BLOCK_MS = 2000
RETENTION_MS = 6000
KILLS = 4


def block_metas(data_dir):
    out = []
    for d in sorted(os.listdir(data_dir)):
        p = os.path.join(data_dir, d, "meta.json")
        if len(d) == 26 and os.path.isfile(p):
            with open(p) as f:
                out.append(json.load(f))
    return sorted(out, key=lambda m: m["minTime"])


def test(work):
    target = CountingTarget(SERIES)
    cfg = f"""
global:
  scrape_interval: {SCRAPE_MS}ms
  scrape_timeout: {SCRAPE_MS}ms
scrape_configs:
  - job_name: syn
    static_configs:
      - targets: ['127.0.0.1:{target.port}']
"""
    args = [f"--storage.tsdb.min-block-duration={BLOCK_MS // 1000}s",
            f"--storage.tsdb.retention.time={RETENTION_MS // 1000}s",
            "--storage.tsdb.wal-sync-interval=100ms"]
    rnd = random.Random(20261127)
    data = os.path.join(work, "data")
    ward = Ward(work, cfg, args, data_dir=data).start()
    time.sleep(8)  # past the retention: blocks are being deleted from here on
    for _ in range(KILLS):
        time.sleep(rnd.uniform(1.5, 4.0))
        ward.kill()
        ward = Ward(work, cfg, args, data_dir=data).start()
    time.sleep(4)
    assert ward.stop() == 0, ward.log()
    target.stop()
    # One more start without scraping: leftovers of the kills are cleaned.
    ward = Ward(work, "scrape_configs: []\n", args, data_dir=data).start()
    assert ward.stop() == 0, ward.log()

    leftovers = [d for d in os.listdir(data) if ".tmp" in d]
    assert not leftovers, f"temporary directories left: {leftovers}"
    metas = block_metas(data)
    assert len(metas) >= 2, f"expected blocks to be kept, found {len(metas)}"
    for x, y in zip(metas, metas[1:]):
        assert y["minTime"] >= x["maxTime"], f"blocks {x['ulid']} and {y['ulid']} overlap"
    newest = max(m["maxTime"] for m in metas)
    for m in metas:
        assert newest - m["maxTime"] <= RETENTION_MS + BLOCK_MS, \
            f"block {m['ulid']} ({m['minTime']}..{m['maxTime']}) is beyond the retention " \
            f"(newest block ends at {newest})"

    dump = wardtool_dump(data)
    syn = {k: v for k, v in dump.items() if dict(k).get("__name__") == "syn_value"}
    assert len(syn) == SERIES, f"{len(syn)} syn series, want {SERIES}"
    oldest = metas[0]["minTime"]
    stamps = None
    for k, samples in syn.items():
        ts = [t for t, _ in samples]
        assert ts[0] >= oldest, f"{k}: sample at {ts[0]} older than the oldest block ({oldest})"
        assert ts == sorted(ts) and len(set(ts)) == len(ts), f"{k}: out of order or duplicates"
        if stamps is None:
            stamps = ts
        assert ts == stamps, f"{k}: a scrape was partially kept"
    print(f"{len(metas)} blocks kept over {KILLS} kills "
          f"({[(m['maxTime'] - m['minTime'], m['compaction']['level']) for m in metas]}); "
          f"{len(stamps)} whole scrapes from {oldest} on")


if __name__ == "__main__":
    sys.exit(run(test))
