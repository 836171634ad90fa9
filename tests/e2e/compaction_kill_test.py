"""Crash safety of block cutting, block compaction, WAL checkpointing and WAL
truncation: ward runs with a 2 s block range (so it cuts a block every couple
of seconds and merges them into 6 s and 18 s blocks) and 64 KiB WAL segments
(so each head truncation checkpoints and deletes segments) while scraping a
local target every 100 ms, and is
killed with SIGKILL at pseudo-random moments five times, restarting each
time. After a clean stop, `wardtool tsdb dump` must show every stored scrape
whole (all series share the timestamps), in order, without duplicates;
scrapes may be missing only just before a kill (what the WAL had not yet
fsynced); the blocks on disk must not overlap and at least one must be a
compacted (level >= 2) block."""
import glob
import json
import os
import random
import sys
import time

from wardtest import CountingTarget, Ward, run, wait_until, wardtool_dump

SERIES = 40
SCRAPE_MS = 100
SYNC_MS = 100
KILLS = 5
# Scrapes may be lost in this window before a kill (fsync interval, one
# scrape in flight, slack for a loaded machine).
LOSS_WINDOW_MS = SYNC_MS + SCRAPE_MS + 900
# Largest gap between stored scrapes while ward runs undisturbed (a lost
# 2 s block would leave a larger one).
MAX_GAP_MS = 1500


def block_metas(data_dir):
    metas = []
    for meta in glob.glob(os.path.join(data_dir, "*", "meta.json")):
        name = os.path.basename(os.path.dirname(meta))
        if len(name) != 26:
            continue
        with open(meta) as f:
            metas.append(json.load(f))
    return sorted(metas, key=lambda m: m["minTime"])


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
    # Small WAL segments, so every head truncation also writes a checkpoint
    # and deletes segments: kills land in those steps too.
    args = ["--storage.tsdb.min-block-duration=2s",
            f"--storage.tsdb.wal-sync-interval={SYNC_MS}ms",
            "--storage.tsdb.wal-segment-size=64KB"]
    rnd = random.Random(20261126)
    data = os.path.join(work, "data")
    kills = []  # (kill_ms, restart_ready_ms)
    ward = Ward(work, cfg, args, data_dir=data).start()
    for _ in range(KILLS):
        time.sleep(rnd.uniform(2.5, 6.0))
        kill_ms = int(time.time() * 1000)
        ward.kill()
        ward = Ward(work, cfg, args, data_dir=data).start()
        kills.append((kill_ms, int(time.time() * 1000)))
    time.sleep(3)
    assert ward.stop() == 0, ward.log()
    target.stop()

    dump = wardtool_dump(data)
    syn = {k: v for k, v in dump.items() if dict(k).get("__name__") == "syn_value"}
    assert len(syn) == SERIES, f"{len(syn)} syn series, want {SERIES}"
    stamps = None
    for k, samples in syn.items():
        ts = [t for t, _ in samples]
        assert len(set(ts)) == len(ts), f"{k}: duplicate timestamps"
        assert ts == sorted(ts), f"{k}: timestamps out of order"
        if stamps is None:
            stamps = ts
        assert ts == stamps, f"{k}: a scrape was partially kept"
        vals = [float(v) for _, v in samples]
        assert vals == sorted(vals) and len(set(vals)) == len(vals), \
            f"{k}: scrape values repeated or out of order"

    # Gaps only where a kill was: the scrapes just before it may be lost,
    # and none come while ward restarts.
    for a, b in zip(stamps, stamps[1:]):
        if b - a <= MAX_GAP_MS:
            continue
        assert any(a >= k - LOSS_WINDOW_MS and b >= k for k, _ in kills), \
            f"scrapes lost between {a} and {b} ({b - a} ms) away from any kill {kills}"
    for k, ready in kills:
        assert any(k - LOSS_WINDOW_MS <= t <= k for t in stamps), \
            f"nothing stored in the {LOSS_WINDOW_MS} ms before the kill at {k}"

    metas = block_metas(data)
    assert metas, "no block was cut"
    for x, y in zip(metas, metas[1:]):
        assert y["minTime"] >= x["maxTime"], f"blocks {x['ulid']} and {y['ulid']} overlap"
    checkpoints = glob.glob(os.path.join(data, "wal", "checkpoint.*"))
    assert checkpoints, "no WAL checkpoint was written"
    levels = [m["compaction"]["level"] for m in metas]
    assert max(levels) >= 2, f"no compacted block; levels {levels}"
    print(f"{len(stamps)} whole scrapes over {KILLS} kills; blocks (level) "
          f"{[(m['maxTime'] - m['minTime'], m['compaction']['level']) for m in metas]}")


if __name__ == "__main__":
    sys.exit(run(test))
