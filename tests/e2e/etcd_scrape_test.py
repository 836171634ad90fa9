"""End to end: ward scrapes the real 3-member etcd cluster and itself; after a
clean stop, `wardtool tsdb dump` shows the etcd series with the right labels
and values (up, leader state, series counts close to the live /metrics)."""
import sys
import time

from wardtest import Ward, http_get, run, services_env, shared_dir, wait_until, wardtool_dump


def live_series_count(port):
    _, body = http_get(f"http://127.0.0.1:{port}/metrics")
    return sum(1 for line in body.splitlines() if line and not line.startswith("#"))


def test(work):
    shared_dir()
    ports = services_env()
    members = [ports["ETCD1_CLIENT_PORT"], ports["ETCD2_CLIENT_PORT"], ports["ETCD3_CLIENT_PORT"]]
    targets = ", ".join(f"'127.0.0.1:{p}'" for p in members)
    cfg = f"""
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: etcd
    static_configs:
      - targets: [{targets}]
        labels:
          cluster: e2e
  - job_name: ward
    static_configs:
      - targets: ['127.0.0.1:WARD_PORT']
"""
    ward = Ward(work, cfg).start()
    # Each target's first scrape is offset within one interval: wait for a few rounds.
    wait_until(lambda: (ward.metric("prometheus_target_scrape_pools_total") or 0) >= 2, 10,
               "scrape pools")
    time.sleep(4.5)
    live = {p: live_series_count(p) for p in members}
    assert ward.stop() == 0, f"ward exit code; log:\n{ward.log()}"

    dump = wardtool_dump(ward.data)
    assert dump, "dump is empty"

    def find(name, **want):
        out = []
        for lset, samples in dump.items():
            d = dict(lset)
            if d.get("__name__") == name and all(d.get(k) == v for k, v in want.items()):
                out.append((d, samples))
        return out

    leaders = 0
    for p in members:
        inst = f"127.0.0.1:{p}"
        up = find("up", job="etcd", instance=inst)
        assert len(up) == 1, f"want one up series for {inst}, got {up}"
        d, samples = up[0]
        assert d == {"__name__": "up", "job": "etcd", "instance": inst, "cluster": "e2e"}, d
        assert len(samples) >= 2, f"{inst}: only {len(samples)} up samples"
        assert all(v == "1" for _, v in samples), f"{inst} was down: {samples}"
        ts = [t for t, _ in samples]
        assert ts == sorted(ts) and len(set(ts)) == len(ts), "timestamps not increasing"
        # Scrapes are one interval apart (1s), give or take jitter.
        gaps = [b - a for a, b in zip(ts, ts[1:])]
        assert all(700 <= g <= 1600 for g in gaps), f"scrape gaps {gaps}"

        hl = find("etcd_server_has_leader", job="etcd", instance=inst, cluster="e2e")
        assert len(hl) == 1 and hl[0][1][-1][1] == "1", f"has_leader {hl}"
        il = find("etcd_server_is_leader", instance=inst)
        assert len(il) == 1
        leaders += int(float(il[0][1][-1][1]))

        n = len([1 for lset in dump if dict(lset).get("instance") == inst
                 and dict(lset).get("job") == "etcd"])
        # Report series: up, scrape_duration_seconds, scrape_samples_scraped,
        # scrape_samples_post_metric_relabeling, scrape_series_added.
        expected = live[p] + 5
        assert abs(n - expected) <= max(10, expected // 20), \
            f"{inst}: {n} series stored, live endpoint exposes {live[p]} (+5 report series)"
        for rep in ("scrape_duration_seconds", "scrape_samples_scraped",
                    "scrape_samples_post_metric_relabeling", "scrape_series_added"):
            assert len(find(rep, instance=inst)) == 1, f"missing {rep} for {inst}"
        scraped = find("scrape_samples_scraped", instance=inst)[0][1]
        assert abs(float(scraped[-1][1]) - live[p]) <= max(10, live[p] // 20), scraped[-1]
    assert leaders == 1, f"expected exactly one etcd leader, saw {leaders}"

    own = find("up", job="ward")
    assert len(own) == 1 and own[0][1][-1][1] == "1", f"ward self-scrape: {own}"
    assert find("process_resident_memory_bytes", job="ward"), "ward's own process metrics missing"


if __name__ == "__main__":
    sys.exit(run(test))
