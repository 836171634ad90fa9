"""Crash safety of the head: ward is killed with SIGKILL while ingesting; after
a restart every scrape committed before the last completed WAL fsync is back,
each scrape whole or not at all. Then the last WAL segment is torn mid-record:
ward still starts, says so in its log, and keeps every earlier sample."""
import glob
import os
import signal
import sys
import time

from wardtest import CountingTarget, Ward, run, wait_until, wardtool_dump

SERIES = 300
SCRAPE_MS = 100
SYNC_MS = 200


def check_consistent(dump, min_last_ts=None):
    syn = {k: v for k, v in dump.items() if dict(k).get("__name__") == "syn_value"}
    assert len(syn) == SERIES, f"{len(syn)} syn series, want {SERIES}"
    stamps = None
    for k, samples in syn.items():
        ts = [t for t, _ in samples]
        assert ts == sorted(ts) and len(set(ts)) == len(ts), f"{k}: timestamps not increasing"
        # Each scrape commits as a whole: every series has the same timestamps.
        if stamps is None:
            stamps = ts
        assert ts == stamps, f"{k}: a scrape was partially kept"
        vals = [float(v) for _, v in samples]
        assert vals == sorted(vals), f"{k}: values out of order {vals[:10]}"
    if min_last_ts is not None:
        assert stamps[-1] >= min_last_ts, \
            f"last stored scrape at {stamps[-1]}, expected one at or after {min_last_ts}"
    return stamps


def test(work):
    target = CountingTarget(SERIES)
    port = target.port
    cfg = f"""
global:
  scrape_interval: {SCRAPE_MS}ms
  scrape_timeout: {SCRAPE_MS}ms
scrape_configs:
  - job_name: syn
    static_configs:
      - targets: ['127.0.0.1:{port}']
"""
    ward = Ward(work, cfg, [f"--storage.tsdb.wal-sync-interval={SYNC_MS}ms"]).start()
    wait_until(lambda: target.count >= 25, 20, "25 scrapes")
    kill_ms = int(time.time() * 1000)
    ward.kill()
    target.stop()

    # Restart without scraping: only what was on disk comes back.
    quiet = Ward(work, "scrape_configs: []\n", data_dir=ward.data).start()
    assert quiet.stop() == 0, quiet.log()
    stamps = check_consistent(wardtool_dump(ward.data),
                              min_last_ts=kill_ms - SYNC_MS - SCRAPE_MS - 700)
    print(f"after SIGKILL: {len(stamps)} whole scrapes kept, last {kill_ms - stamps[-1]} ms "
          "before the kill")

    # Tear the last record of the newest non-empty segment.
    segs = sorted(s for s in glob.glob(os.path.join(ward.data, "wal", "[0-9]" * 8))
                  if os.path.getsize(s) > 0)
    assert segs, "no WAL segments"
    last = segs[-1]
    size = os.path.getsize(last)
    with open(last, "r+b") as f:
        f.truncate(size - 5)
    torn = Ward(work, "scrape_configs: []\n", data_dir=ward.data).start()
    assert torn.stop() == 0, torn.log()
    log = torn.log().lower()
    assert "repair" in log or "corrupt" in log or "torn" in log, \
        f"no log line about the torn WAL record:\n{torn.log()}"
    after = check_consistent(wardtool_dump(ward.data))
    # At most the torn scrape is lost.
    assert stamps[:len(after)] == after and len(stamps) - len(after) <= 1, \
        f"{len(stamps)} scrapes before tearing, {len(after)} after"
    print(f"after tearing the last record: {len(after)} scrapes kept")


if __name__ == "__main__":
    sys.exit(run(test))
