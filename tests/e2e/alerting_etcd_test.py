"""End to end: ward evaluates the example etcd alerting rules against the real
3-member etcd cluster and delivers the alerts to the real Alertmanager.

 - ward scrapes the three members every 1s and evaluates
   examples/rules/etcd.yml every 1s; the rule file is derived from the example
   with only the `for:` of EtcdMembersDown (0s) and EtcdInsufficientMembers
   (2s) shortened, every expression kept as it is;
 - with the cluster healthy every rule evaluates without error and neither
   alert is active;
 - one member killed (SIGKILL through its pid file): EtcdMembersDown fires at
   ward's /api/v1/alerts (value 1) and shows up in Alertmanager's
   GET /api/v2/alerts; EtcdInsufficientMembers stays quiet;
 - a second member killed: EtcdInsufficientMembers fires (ward, then
   Alertmanager) and EtcdMembersDown counts 2;
 - both members restarted the way start-services.sh starts them: both alerts
   leave ward's active list and Alertmanager's active alerts.
Timings (kill -> firing at ward -> seen by Alertmanager) are printed. The
cluster is always restored, so other tests still find three healthy members.

Setting WARD_BIN to a Prometheus binary runs the same checks against
Prometheus (the reference behaviour)."""
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse

from wardtest import Ward, http_get, run, services_env, shared_dir, wait_until

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE_RULES = os.path.join(REPO, "examples", "rules", "etcd.yml")
# alert -> the `for:` used here (the example waits minutes).
FOR_OVERRIDES = {"EtcdMembersDown": "0s", "EtcdInsufficientMembers": "2s"}
MEMBERS_DOWN, NO_QUORUM = "EtcdMembersDown", "EtcdInsufficientMembers"
FIRE_TIMEOUT = 60     # s, kill -> alert seen by Alertmanager
RESOLVE_TIMEOUT = 60  # s, restart -> alert gone from Alertmanager


def derive_rules(text, overrides):
    """The example rule file with the `for:` of the named alerts replaced.
    Only `for:` lines change; each named alert must have exactly one."""
    out, current, done = [], None, {}
    for line in text.splitlines(keepends=True):
        m = re.match(r"\s*- alert:\s*(\S+)\s*$", line)
        if m:
            current = m.group(1)
        elif re.match(r"\s*- record:", line):
            current = None
        m = re.match(r"(\s*)for:\s*\S+\s*$", line)
        if m and current in overrides:
            line = f"{m.group(1)}for: {overrides[current]}\n"
            done[current] = done.get(current, 0) + 1
        out.append(line)
    for name in overrides:
        assert done.get(name) == 1, f"{name}: {done.get(name, 0)} `for:` lines found in the example"
    return "".join(out)


def count_rules(text):
    return len(re.findall(r"^\s*- (?:alert|record):", text, re.M))


class Cluster:
    """The fixture's etcd members: health, kill by pid file, restart through
    start-services.sh (same data dir and ports, so a member rejoins)."""

    def __init__(self, shared, services_dir, ports):
        self.script = os.path.join(shared, "fixtures", "start-services.sh")
        self.dir = services_dir
        self.ports = ports
        self.clients = [ports[f"ETCD{i}_CLIENT_PORT"] for i in (1, 2, 3)]

    def start(self, *services):
        env = dict(os.environ)
        env.update(self.ports)  # the ports the services were first started on
        p = subprocess.run(["bash", self.script, self.dir, *services], env=env,
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, f"start-services.sh {' '.join(services)}: {p.stderr}"

    def healthy(self, i):
        try:
            _, body = http_get(f"http://127.0.0.1:{self.clients[i - 1]}/health", timeout=2)
            return json.loads(body).get("health") == "true"
        except Exception:  # noqa: BLE001 - refused or 503: not healthy
            return False

    def all_healthy(self):
        return all(self.healthy(i) for i in (1, 2, 3))

    def _pid(self, i):
        """The member's pid when it still runs as recorded, else None."""
        try:
            pid, start = open(os.path.join(self.dir, "pids", f"etcd3.member{i}.pid")).read().split()[:2]
            stat = open(f"/proc/{pid}/stat").read()
        except (OSError, ValueError):
            return None
        fields = stat[stat.rindex(")") + 2:].split()
        # fields[0] is field 3 (state); field 22 (start time) is fields[19].
        if fields[0] == "Z" or fields[19] != start:
            return None
        return int(pid)

    def alive(self, i):
        return self._pid(i) is not None

    def kill(self, i):
        """SIGKILL (a crash), then drop the pid file as stop-services.sh does:
        until its parent reaps it the member lingers as a zombie, which
        start-services.sh would take for a running member and not restart."""
        pid = self._pid(i)
        assert pid, f"etcd member{i} is not running"
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not self.alive(i), 10, f"etcd member{i} (pid {pid}) to exit")
        pidfile = os.path.join(self.dir, "pids", f"etcd3.member{i}.pid")
        try:
            if open(pidfile).read().split()[0] == str(pid):
                os.remove(pidfile)
        except (OSError, IndexError):
            pass

    def restore(self):
        if not all(self.alive(i) for i in (1, 2, 3)) or not self.all_healthy():
            self.start("etcd3")
        wait_until(self.all_healthy, 60, "all three etcd members healthy")


def ward_alerts(ward, name, cluster):
    _, body = http_get(ward.url("/api/v1/alerts"))
    return [a for a in json.loads(body)["data"]["alerts"]
            if a["labels"].get("alertname") == name and a["labels"].get("cluster") == cluster]


def ward_firing(ward, name, cluster):
    return [a for a in ward_alerts(ward, name, cluster) if a["state"] == "firing"]


def parse_time(s):
    """RFC 3339 with any number of fraction digits."""
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", s)
    assert m, f"bad timestamp {s!r}"
    frac = (m.group(2) or "0")[:6].ljust(6, "0")
    tz = "+00:00" if m.group(3) == "Z" else m.group(3)
    return datetime.datetime.fromisoformat(f"{m.group(1)}.{frac}{tz}")


def am_active(am_port, name, cluster):
    """Alerts Alertmanager holds as active (not resolved) for our cluster."""
    q = urllib.parse.urlencode([("filter", f'alertname="{name}"'),
                                ("filter", f'cluster="{cluster}"')])
    _, body = http_get(f"http://127.0.0.1:{am_port}/api/v2/alerts?{q}")
    now = datetime.datetime.now(datetime.timezone.utc)
    out = []
    for a in json.loads(body):
        if a["labels"].get("alertname") != name or a["labels"].get("cluster") != cluster:
            continue
        ends = a.get("endsAt")
        if a["status"]["state"] == "active" and (not ends or parse_time(ends) > now):
            out.append(a)
    return out


def watch(t0, checks, timeout, what):
    """Polls every check until each has held once; returns {name: seconds
    since t0 when it first held}."""
    seen, deadline = {}, time.time() + timeout
    while len(seen) < len(checks):
        for name, check in checks.items():
            if name not in seen:
                try:
                    if check():
                        seen[name] = time.time() - t0
                except Exception:  # noqa: BLE001 - retried until the deadline
                    pass
        if time.time() > deadline:
            missing = [n for n in checks if n not in seen]
            raise AssertionError(f"{what}: after {timeout}s still waiting for {missing} "
                                 f"(seen: {seen})")
        time.sleep(0.1)
    return seen


def test(work):
    shared = shared_dir()
    ports = services_env()
    cluster = Cluster(shared, os.environ["WARD_SERVICES_DIR"], ports)
    cluster.start("etcd3", "alertmanager")  # idempotent: usually already running
    am = ports["ALERTMANAGER_PORT"]

    rules_text = derive_rules(open(EXAMPLE_RULES).read(), FOR_OVERRIDES)
    rules = os.path.join(work, "etcd-rules.yml")
    with open(rules, "w") as f:
        f.write(rules_text)
    if shutil.which("promtool"):
        p = subprocess.run(["promtool", "check", "rules", rules], capture_output=True, text=True)
        assert p.returncode == 0, f"derived rule file: {p.stdout}{p.stderr}"
    n_rules = count_rules(rules_text)

    label = f"ward-e2e-{os.getpid()}-{int(time.time())}"  # tells our alerts from others
    targets = ", ".join(f"'127.0.0.1:{p}'" for p in cluster.clients)
    cfg = f"""
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files:
  - {rules}
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:{am}']
scrape_configs:
  - job_name: etcd
    static_configs:
      - targets: [{targets}]
        labels:
          cluster: {label}
"""
    ward = None
    try:
        cluster.restore()
        ward = Ward(work, cfg).start()

        # Healthy cluster: all members up, every rule evaluated without error,
        # neither alert active.
        def all_up():
            q = urllib.parse.quote(f'count(up{{cluster="{label}"}} == 1)')
            _, body = http_get(ward.url(f"/api/v1/query?query={q}"))
            r = json.loads(body)["data"]["result"]
            return r and float(r[0]["value"][1]) == 3
        wait_until(all_up, 15, "ward to scrape three healthy members")

        def rules_evaluated():
            _, body = http_get(ward.url("/api/v1/rules"))
            rs = [r for g in json.loads(body)["data"]["groups"] for r in g["rules"]]
            return rs if len(rs) == n_rules and all(r["health"] != "unknown" for r in rs) else None
        evaluated = wait_until(rules_evaluated, 15, f"ward to evaluate all {n_rules} rules")
        time.sleep(2.5)  # a few more evaluations with the scrapes above
        _, body = http_get(ward.url("/api/v1/rules"))
        bad = [(r["name"], r["health"], r.get("lastError")) for g in json.loads(body)["data"]["groups"]
               for r in g["rules"] if r["health"] != "ok"]
        assert not bad, f"rules failing to evaluate: {bad}"
        assert len(evaluated) == n_rules
        for name in (MEMBERS_DOWN, NO_QUORUM):
            assert not ward_alerts(ward, name, label), f"{name} active on a healthy cluster"

        # One member down.
        t_kill = time.time()
        cluster.kill(3)
        t = watch(t_kill, {"ward": lambda: ward_firing(ward, MEMBERS_DOWN, label),
                           "alertmanager": lambda: am_active(am, MEMBERS_DOWN, label)},
                  FIRE_TIMEOUT, f"{MEMBERS_DOWN} after killing member3")
        print(f"kill member3 -> {MEMBERS_DOWN} firing at ward {t['ward']:.2f}s, "
              f"in Alertmanager {t['alertmanager']:.2f}s")
        a = ward_firing(ward, MEMBERS_DOWN, label)
        assert len(a) == 1 and float(a[0]["value"]) == 1, a
        assert a[0]["labels"] == {"alertname": MEMBERS_DOWN, "job": "etcd", "cluster": label,
                                  "severity": "critical"}, a[0]["labels"]
        assert a[0]["annotations"]["description"].startswith(
            f"1 member(s) of etcd cluster etcd ({label}) are down"), a[0]["annotations"]
        got = am_active(am, MEMBERS_DOWN, label)[0]
        assert got["labels"] == a[0]["labels"], (got["labels"], a[0]["labels"])
        assert got["annotations"] == a[0]["annotations"], got
        time.sleep(2.5)  # two members still make a majority
        assert not ward_alerts(ward, NO_QUORUM, label), ward_alerts(ward, NO_QUORUM, label)

        # Two members down: quorum lost.
        t_kill = time.time()
        cluster.kill(2)
        t = watch(t_kill, {"pending": lambda: [a for a in ward_alerts(ward, NO_QUORUM, label)
                                               if a["state"] == "pending"],
                           "ward": lambda: ward_firing(ward, NO_QUORUM, label),
                           "alertmanager": lambda: am_active(am, NO_QUORUM, label)},
                  FIRE_TIMEOUT, f"{NO_QUORUM} after killing member2")
        print(f"kill member2 -> {NO_QUORUM} pending at ward {t['pending']:.2f}s, firing "
              f"{t['ward']:.2f}s (for: 2s), in Alertmanager {t['alertmanager']:.2f}s")
        # `for: 2s` holds it pending for two evaluations (1s apart) before it fires.
        assert t["ward"] - t["pending"] >= 1.5, f"fired too early after pending: {t}"
        assert t["alertmanager"] >= t["ward"] - 0.2, f"Alertmanager had it before it fired: {t}"
        a = ward_firing(ward, NO_QUORUM, label)
        assert len(a) == 1 and float(a[0]["value"]) == 1, a
        assert a[0]["annotations"]["description"].startswith(
            f"Only 1 member(s) of etcd cluster etcd ({label}) are up"), a[0]["annotations"]
        wait_until(lambda: [x for x in ward_firing(ward, MEMBERS_DOWN, label)
                            if float(x["value"]) == 2], 10, f"{MEMBERS_DOWN} to count 2 members")

        # Both back: both alerts resolve. The server sent them with endsAt a few
        # minutes ahead, so leaving Alertmanager within RESOLVE_TIMEOUT proves
        # a resolve notification was sent (not just that the alert expired).
        t_restart = time.time()
        cluster.start("etcd3")
        print(f"members 2 and 3 restarted and healthy in {time.time() - t_restart:.2f}s")
        gone = {}
        for name in (MEMBERS_DOWN, NO_QUORUM):
            gone[f"{name} at ward"] = lambda n=name: not ward_alerts(ward, n, label)
            gone[f"{name} at alertmanager"] = lambda n=name: not am_active(am, n, label)
        t = watch(t_restart, gone, RESOLVE_TIMEOUT, "alerts to resolve after the restart")
        for name in (MEMBERS_DOWN, NO_QUORUM):
            print(f"restart -> {name} resolved at ward {t[name + ' at ward']:.2f}s, "
                  f"in Alertmanager {t[name + ' at alertmanager']:.2f}s")
        assert ward.stop() == 0, f"ward exit code; log:\n{ward.log()}"
    finally:
        if ward is not None:
            try:
                ward.stop()
            except AssertionError as e:
                print(e)
        cluster.restore()


if __name__ == "__main__":
    sys.exit(run(test))
