"""Differential test of ward's HTTP API v1 against the real Prometheus 2.42.

A deterministic OpenMetrics data set (the PromLabs demo-service metric names plus a few extra
families) is turned into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`. One copy
is served by Prometheus, another by ward. Both receive the same requests: the expressions of
api_diff_queries.txt as instant and range queries, the expanded PromQL compliance-tester suite
(../shared/conformance/compliance/promql-test-queries.yml), metadata endpoints and bad requests.
JSON bodies are compared after parsing (order-insensitive unless the query sorts, floats to a
relative 1e-9, NaN equal to NaN, same HTTP code, status, errorType and error text); every
difference fails unless ALLOWED (below) names it with its reason and, where possible, verifies
it. ward runs with --enable-feature=promql-experimental-functions only so that
double_exponential_smoothing (3.x's holt_winters) can be cross-checked. Bounded (alarm at
110 s), loopback only; skips (exit 77) when prometheus/promtool or the shared folder are absent
and stops both servers in every case."""
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from wardtest import Ward, free_port, run, skip, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15  # seconds between samples
SPAN = 3 * 3600  # seconds of data
# Samples sit OFFSET_MS after whole seconds, so no query boundary (whole or half seconds) falls
# on a sample: 2.42 range selectors are closed [t-r, t], 3.x (and ward) left-open (t-r, t].
OFFSET_MS = 123
INSTANCES = ["demo.promlabs.com:10000", "demo.promlabs.com:10001", "demo.promlabs.com:10002"]



# ---- allow-list ---------------------------------------------------------------------------
# ward follows Prometheus 3.x where 3.x changed behaviour, so some answers differ from 2.42 on
# purpose. ALLOWED lists those differences: (regex on the query, predicate on the request
# parameters or None, reason, verifier or None). Each reason names a real 2.42 -> 3.x change.
# A verifier re-asks the servers so that they must agree if the reason is the whole story
# (e.g. Prometheus with the 3.x window); when they still differ, the difference fails.
def _dur_ms(text):
    ms = 0
    for n, u in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text):
        ms += int(n) * {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000,
                        "w": 604800000, "y": 31536000000}[u]
    return ms


def left_open_subqueries(q):
    """Shortens every subquery range by 1 ms: Prometheus 2.42 then selects the same (t-r, t]
    steps as a left-open 3.x subquery. Range selectors inside are left alone (their length
    enters rate()'s extrapolation), and need no change: no sample sits on a whole second."""
    return re.sub(r"\[((?:\d+(?:ms|s|m|h|d|w|y))+):",
                  lambda m: f"[{_dur_ms(m.group(1)) - 1}ms:", q)


def verify_left_open_subquery(ctx, path, params):
    p = dict(params, query=left_open_subqueries(params["query"]))
    return compare(ctx.ward(path, params), ctx.prom(path, p))


def verify_renamed_holt_winters(ctx, path, params):
    w = dict(params, query=params["query"].replace("holt_winters", "double_exponential_smoothing"))
    return compare(ctx.ward(path, w), ctx.prom(path, params))


def left_open_ranges(q):
    """Shortens every range selector and subquery range by 1 ms (see left_open_subqueries)."""
    return re.sub(r"\[((?:\d+(?:ms|s|m|h|d|w|y))+)([:\]])",
                  lambda m: f"[{_dur_ms(m.group(1)) - 1}ms{m.group(2)}", q)


def verify_left_open_ranges(ctx, path, params):
    p = dict(params, query=left_open_ranges(params["query"]))
    return compare(ctx.ward(path, params), ctx.prom(path, p))


def verify_left_open_lookback(ctx, path, params):
    """2.42 asked 1 ms later has the 3.x window (t-5m, t]; its timestamps are then moved back."""
    t = float(params["time"])
    code, body = ctx.prom(path, dict(params, time=f"{t + 0.001:.3f}"))
    j = json.loads(body)
    for s in j.get("data", {}).get("result", []):
        s["value"][0] = round(s["value"][0] - 0.001, 3)
    return compare(ctx.ward(path, params), (code, json.dumps(j)))


def rate_3x(points, t, range_s, is_rate):
    """rate()/increase() of raw (t_s, v) points with the >= 2.51 extrapolation (#13725)."""
    if len(points) < 2:
        return None
    (t1, v1), (tn, vn) = points[0], points[-1]
    result, prev = vn - v1, v1
    for _, v in points[1:]:
        if v < prev:
            result += prev
        prev = v
    sampled = tn - t1
    avg = sampled / (len(points) - 1)
    to_start, to_end = t1 - (t - range_s), t - tn
    if to_start >= avg * 1.1:
        to_start = avg / 2
    if result > 0 and v1 >= 0:
        to_start = min(to_start, sampled * (v1 / result))
    if to_end >= avg * 1.1:
        to_end = avg / 2
    factor = (sampled + to_start + to_end) / sampled
    return result * factor / (range_s if is_rate else 1)


def verify_rate_extrapolation(ctx, path, params):
    """Recomputes every point of ward's answer from Prometheus's raw samples (the selector as a
    range query at that time) with the newer extrapolation; all must match."""
    m = re.fullmatch(r"(rate|increase)\((\w+)\[(\d+[smh])\]\)", params["query"])
    if not m:
        return "no verifier for this form"
    code, body = ctx.ward(path, params)
    res = json.loads(body)["data"]["result"]
    range_s = _dur_ms(m.group(3)) / 1000
    for s in res:
        sel = m.group(2) + "{" + ",".join(f'{k}="{v}"' for k, v in s["metric"].items()) + "}"
        for t, v in s.get("values", [s.get("value")]):
            _, raw = ctx.prom("/api/v1/query", {"query": f"{sel}[{m.group(3)}]", "time": t})
            rr = json.loads(raw)["data"]["result"]
            pts = [(float(a), float(b)) for a, b in rr[0]["values"]] if rr else []
            want = rate_3x(pts, float(t), range_s, m.group(1) == "rate")
            if want is None or not close(want, float(v)):
                return f"{sel} at {t}: ward {v}, recomputed {want}"
    return None


def on_sample(params):
    """True for the boundary requests: their times fall exactly on sample timestamps."""
    t = params.get("time", params.get("start"))
    return t is not None and round(float(t) * 1000) % 1000 == OFFSET_MS


ALLOWED = [
    (r"\[\d+[smh]\]", on_sample,
     "3.0 made range selectors left-open (migration guide, 'Range selectors and the lookback "
     "delta are now left-open'): a sample exactly at t-range is no longer selected",
     verify_left_open_ranges),
    (r"^demo_intermittent_metric$", on_sample,
     "3.0 made the lookback delta left-open too (same migration-guide entry): a sample exactly "
     "5m before t no longer counts",
     verify_left_open_lookback),
    (r"\[\d+[smh]:\d*[smh]?\]", None,
     "3.0 made subquery ranges left-open, like range selectors: a step on t-range is no longer "
     "part of the window (migration guide, 'Range selectors and the lookback delta are now "
     "left-open'); subquery steps are aligned to multiples of the step, so they hit it",
     verify_left_open_subquery),
    (r"holt_winters", None,
     "3.0 renamed holt_winters to double_exponential_smoothing (#14930, 3.0.0 changelog)",
     verify_renamed_holt_winters),
    (r'label_(replace|join)\(demo_num_cpus, "~invalid"', None,
     "3.0 accepts any UTF-8 label name (UTF-8 names guide / 3.0 migration guide), so "
     "label_replace/label_join no longer reject \"~invalid\" (the compliance suite still "
     "expects the 2.x error)", None),
    (r"\b(rate|increase)\(", lambda p: float(p.get("start", p.get("time", 0))) <= DATA_START[0] + 3600,
     "2.51 changed rate()/increase() extrapolation (#13725, 'Constrain extrapolation in rate() "
     "to half of sample interval'): the zero-point limit now applies after the half-interval "
     "cap; it only differs where the window reaches before a counter's first sample (data start)",
     verify_rate_extrapolation),
]
DATA_START = [0]
ERROR_TEXTS = []  # (ward, prometheus) error texts that differ, printed for information


def fmt(v):
    return repr(float(v)) if v != int(v) else str(int(v))


def gen_openmetrics(path, t0):
    """Writes the data set: families contiguous, series ascending in time, timestamps in s."""
    n = SPAN // STEP + 1
    out = []

    def series(name, labels, values):
        lab = ",".join(f'{k}="{v}"' for k, v in labels)
        for i, v in enumerate(values):
            if v is not None:
                out.append(f"{name}{{{lab}}} {fmt(v)} {t0 + i * STEP}.{OFFSET_MS:03d}\n")

    def base(inst):
        return [("instance", inst), ("job", "demo")]

    out.append("# TYPE demo_memory_usage_bytes gauge\n")
    for k, inst in enumerate(INSTANCES):
        for j, typ in enumerate(["buffers", "cached", "free", "used"]):
            series("demo_memory_usage_bytes", base(inst) + [("type", typ)],
                   [1e9 * (j + 1) + 1e8 * k + ((i * 7919 + j * 104729 + k) % 1000) * 1e5
                    for i in range(n)])
    out.append("# TYPE demo_num_cpus gauge\n")
    for k, inst in enumerate(INSTANCES):
        series("demo_num_cpus", base(inst), [4 + k + (2 if (k == 1 and i > n // 2) else 0)
                                             for i in range(n)])
    out.append("# TYPE demo_temperature_celsius gauge\n")
    for k, inst in enumerate(INSTANCES):
        for z, zone in enumerate(["inner", "outer"]):
            series("demo_temperature_celsius", base(inst) + [("zone", zone)],
                   [round(math.sin((i + 13 * k + 5 * z) / 17.0) * (8 + k) - 2 * z, 3)
                    for i in range(n)])
    out.append("# TYPE demo_batch_last_success_timestamp_seconds gauge\n")
    for k, inst in enumerate(INSTANCES):
        series("demo_batch_last_success_timestamp_seconds", base(inst),
               [t0 + (i // 20) * 20 * STEP - 30 * k for i in range(n)])
    out.append("# TYPE demo_disk_usage_bytes gauge\n")
    for k, inst in enumerate(INSTANCES):
        series("demo_disk_usage_bytes", base(inst), [2e10 + 1e6 * i + k for i in range(n)])
    out.append("# TYPE demo_intermittent_metric gauge\n")
    for k, inst in enumerate(INSTANCES):
        # On for 40 samples (10 min), off for 30 (7.5 min > lookback), per instance shifted.
        series("demo_intermittent_metric", base(inst),
               [(i % 97) if ((i + 11 * k) % 70) < 40 else None for i in range(n)])
    out.append("# TYPE demo_cpu_usage_seconds counter\n")
    for k, inst in enumerate(INSTANCES):
        for m, mode in enumerate(["idle", "system", "user"]):
            vals, acc = [], 0.0
            for i in range(n):
                acc += 0.25 * (m + 1) + ((i * 31 + m * 7 + k) % 10) / 8.0
                if k == 2 and m == 1 and i in (200, 501):  # counter resets (process restart)
                    acc = 0.5
                vals.append(round(acc, 4))
            series("demo_cpu_usage_seconds_total", base(inst) + [("mode", mode)], vals)
    out.append("# TYPE demo_api_request_duration_seconds histogram\n")
    les = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"]
    for k, inst in enumerate(INSTANCES):
        for method in ["GET", "POST"]:
            for api_path in ["/api/foo", "/api/bar"]:
                for status in ["200", "500"]:
                    seed = k * 8 + (method == "POST") * 4 + (api_path == "/api/bar") * 2 + (status == "500")
                    counts = [[0] * len(les) for _ in range(n)]
                    total, tsum = [0] * len(les), 0.0
                    sums = []
                    for i in range(n):
                        for b in range(len(les)):
                            total[b] += (b + 1) * ((i + seed) % 3 + (seed % 4))
                        tsum += 0.1 * ((i * 13 + seed) % 17)
                        counts[i] = list(total)
                        sums.append(round(tsum, 3))
                    lab = base(inst) + [("method", method), ("path", api_path), ("status", status)]
                    for b, le in enumerate(les):
                        series("demo_api_request_duration_seconds_bucket", lab + [("le", le)],
                               [c[b] for c in counts])
                    series("demo_api_request_duration_seconds_sum", lab, sums)
                    series("demo_api_request_duration_seconds_count", lab, [c[-1] for c in counts])
    out.append("# TYPE demo_rpc_duration_seconds summary\n")
    for k, inst in enumerate(INSTANCES):
        lab = base(inst)
        for q, qv in [("0.5", 0.01), ("0.9", 0.05), ("0.99", 0.2)]:
            series("demo_rpc_duration_seconds", lab + [("quantile", q)],
                   [round(qv * (1 + ((i + k) % 5) / 10), 4) for i in range(n)])
        series("demo_rpc_duration_seconds_sum", lab, [round(0.02 * i * (k + 1), 4) for i in range(n)])
        series("demo_rpc_duration_seconds_count", lab, [i * (k + 1) for i in range(n)])
    out.append("# EOF\n")
    with open(path, "w") as f:
        f.writelines(out)


def http(url, data=None, timeout=20):
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


class Prometheus:
    def __init__(self, work, data, binary):
        self.port = free_port()
        self.cfg = os.path.join(work, "prom.yml")
        with open(self.cfg, "w") as f:
            f.write("global:\n  scrape_interval: 15s\n")
        self.log_path = os.path.join(work, "prometheus.log")
        self.args = [binary, f"--config.file={self.cfg}", f"--storage.tsdb.path={data}",
                     f"--web.listen-address=127.0.0.1:{self.port}",
                     "--storage.tsdb.retention.time=10y"]
        self.proc = None

    def start(self):
        self.logf = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.args, stdout=self.logf, stderr=subprocess.STDOUT)
        wait_until(lambda: self.proc.poll() is None and
                   http(self.url("/-/ready"))[0] == 200, 60, f"prometheus ready ({self.log_path})")
        return self

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.logf.close()


# ---- comparison ---------------------------------------------------------------------------

def num(s):
    return float(s)  # Go and ward both write "NaN", "+Inf", "-Inf"


def close(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    if math.isinf(a) or math.isinf(b):
        return False
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def norm_result(data, ordered):
    """Turns a query's data into comparable python values (floats kept for close())."""
    rt, res = data.get("resultType"), data.get("result")
    if rt in ("scalar", "string"):
        return rt, [(res[0], res[1])]
    items = []
    for s in res or []:
        key = json.dumps(s.get("metric", {}), sort_keys=True)
        if rt == "vector":
            pts = [tuple(s["value"])]
        else:
            pts = [tuple(p) for p in s.get("values", [])]
        items.append((key, pts))
    if not ordered:
        items.sort(key=lambda x: x[0])
    return rt, items


def diff_values(a, b):
    """First difference between two normalized results, or None."""
    if a[0] != b[0]:
        return f"resultType {a[0]} vs {b[0]}"
    if a[0] == "string":
        return None if a[1] == b[1] else f"{a[1]} vs {b[1]}"
    if a[0] == "scalar":
        (ta, va), (tb, vb) = a[1][0], b[1][0]
        return None if ta == tb and close(num(va), num(vb)) else f"scalar {a[1]} vs {b[1]}"
    if len(a[1]) != len(b[1]):
        ka, kb = {k for k, _ in a[1]}, {k for k, _ in b[1]}
        return (f"{len(a[1])} vs {len(b[1])} series; only ward: {sorted(ka - kb)[:2]}; "
                f"only prometheus: {sorted(kb - ka)[:2]}")
    for (ka, pa), (kb, pb) in zip(a[1], b[1]):
        if ka != kb:
            return f"series {ka} vs {kb}"
        if len(pa) != len(pb):
            return f"{ka}: {len(pa)} vs {len(pb)} points"
        for (ta, va), (tb, vb) in zip(pa, pb):
            if ta != tb or not close(num(va), num(vb)):
                return f"{ka}: point ({ta}, {va}) vs ({tb}, {vb})"
    return None


# Error texts are compared after norm_error(). Two normalizations, each for a stated reason:
#  - Prometheus releases after 2.42 (and ward, like 3.x) wrap query parse errors as
#    'invalid parameter "query": <parse error>'; 2.42 returned the bare parse error.
#  - Matching errors list the conflicting series in map order, which is unspecified: only the
#    text before the series list is compared.
QUERY_PARAM_PREFIX = 'invalid parameter "query": '


def norm_error(text):
    if text.startswith(QUERY_PARAM_PREFIX):
        text = text[len(QUERY_PARAM_PREFIX):]
    m = re.match(r"(found duplicate series for the match group .*? on the \w+ hand-side of the "
                 r"operation|multiple matches for labels: many-to-one matching must be explicit)",
                 text)
    return m.group(1) if m else text


def compare(ward_resp, prom_resp, ordered=False, compare_error_text=True):
    (wc, wb), (pc, pb) = ward_resp, prom_resp
    try:
        wj = json.loads(wb)
    except ValueError:
        return f"ward body is not JSON ({wc}): {wb[:200]}"
    pj = json.loads(pb)
    if wc != pc:
        return f"HTTP {wc} vs {pc}: ward {wb[:300]} | prometheus {pb[:300]}"
    if wj.get("status") != pj.get("status"):
        return f"status {wj.get('status')} vs {pj.get('status')}"
    if pj["status"] == "error":
        if wj.get("errorType") != pj.get("errorType"):
            return f"errorType {wj.get('errorType')} vs {pj.get('errorType')}: {wj.get('error')} | {pj.get('error')}"
        we, pe = norm_error(wj.get("error", "")), norm_error(pj.get("error", ""))
        if we != pe:
            ERROR_TEXTS.append((wj.get("error"), pj.get("error")))
        if compare_error_text and we != pe:
            return f"error text: ward {wj.get('error')!r} | prometheus {pj.get('error')!r}"
        return None
    wd, pd = wj.get("data"), pj.get("data")
    if isinstance(pd, dict) and "resultType" in pd:
        return diff_values(norm_result(wd, ordered), norm_result(pd, ordered))
    if isinstance(pd, list):
        key = lambda x: json.dumps(x, sort_keys=True)  # noqa: E731
        if sorted(wd or [], key=key) != sorted(pd, key=key):
            return f"data differs: ward {json.dumps(wd)[:300]} | prometheus {json.dumps(pd)[:300]}"
        return None
    return None if wd == pd else f"data {json.dumps(wd)[:300]} vs {json.dumps(pd)[:300]}"


# ---- requests -----------------------------------------------------------------------------

def read_queries():
    with open(os.path.join(HERE, "api_diff_queries.txt")) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


VARIANTS = {
    "range": ["1s", "15s", "1m", "5m", "15m", "1h"],
    "offset": ["1m", "5m", "10m"],
    "simpleAggrOp": ["sum", "avg", "max", "min", "count", "stddev", "stdvar"],
    "simpleTimeAggrOp": ["sum", "avg", "max", "min", "count", "stddev", "stdvar", "absent", "last"],
    "topBottomOp": ["topk", "bottomk"],
    "quantile": ["-0.5", "0.1", "0.5", "0.75", "0.95", "0.90", "0.99", "1", "1.5"],
    "arithBinOp": ["+", "-", "*", "/", "%", "^"],
    "compBinOp": ["==", "!=", "<", ">", "<=", ">="],
    "binOp": ["+", "-", "*", "/", "%", "^", "==", "!=", "<", ">", "<=", ">="],
    "simpleMathFunc": ["abs", "ceil", "floor", "exp", "sqrt", "ln", "log2", "log10", "round"],
    "extrapolatedRateFunc": ["delta", "rate", "increase"],
    "clampFunc": ["clamp_min", "clamp_max"],
    "instantRateFunc": ["idelta", "irate"],
    "dateFunc": ["day_of_month", "day_of_week", "days_in_month", "hour", "minute", "month", "year"],
    "smoothingFactor": ["0.1", "0.5", "0.8"],
    "trendFactor": ["0.1", "0.5", "0.8"],
}


def yaml_scalar(s):
    s = s.strip()
    if s.startswith("'") and s.endswith("'"):
        return s[1:-1].replace("''", "'")
    if s.startswith('"') and s.endswith('"'):
        return json.loads(s)
    return s


def compliance_queries(path):
    """Expands the tester's templates: [(query, should_fail)], Cartesian product, first
    variant outermost. The file uses only one-line `query`, `variant_args`, `should_fail`."""
    cases, cur = [], None
    for line in open(path):
        m = re.match(r"\s*(?:- )?query:\s*(.*)$", line)  # "- # comment" puts query on its own line
        if m:
            cur = {"query": yaml_scalar(m.group(1)), "args": [], "fail": False}
            cases.append(cur)
            continue
        m = re.match(r"\s*variant_args:\s*\[(.*)\]", line)
        if m and cur:
            cur["args"] = [yaml_scalar(a) for a in m.group(1).split(",")]
        if re.match(r"\s*should_fail:\s*true", line) and cur:
            cur["fail"] = True
    out = []
    for c in cases:
        combos = [{}]
        for a in c["args"]:
            combos = [dict(d, **{a: v}) for d in combos for v in VARIANTS[a]]
        for d in combos:
            out.append((re.sub(r"\{\{\s*\.(\w+)\s*\}\}", lambda m: d[m.group(1)], c["query"]),
                        c["fail"]))
    return len(cases), out


def is_ordered(q):
    return re.match(r"\s*sort(_desc)?\s*\(", q) is not None


class Ctx:
    def __init__(self, ward, prom):
        self.ward_srv, self.prom_srv = ward, prom

    def ward(self, path, params):
        return http(self.ward_srv.url(path + "?" + urllib.parse.urlencode(params, doseq=True)))

    def prom(self, path, params):
        return http(self.prom_srv.url(path + "?" + urllib.parse.urlencode(params, doseq=True)))


def allowed(q, ctx=None, path=None, params=None):
    """The reason when the difference is allow-listed (and, if it has one, verified)."""
    for pat, pred, why, verify in ALLOWED:
        if not re.search(pat, q) or (pred and params is not None and not pred(params)):
            continue
        if verify and ctx is not None:
            d = verify(ctx, path, params)
            if d is not None:
                return None
        return why
    return None


def prerequisites():
    """(prometheus, promtool, compliance suite path); exits 77 (skip) when one is missing."""
    prom_bin, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if not prom_bin or not promtool:
        skip("prometheus/promtool 2.42 not installed")
    if not os.environ.get("WARD_BIN"):
        skip("WARD_BIN not set (run from ctest)")
    shared = os.environ.get("WARD_SHARED", "")
    suite = os.path.join(shared, "conformance", "compliance", "promql-test-queries.yml")
    if not os.path.exists(suite):
        skip("shared/conformance/compliance/promql-test-queries.yml not found (WARD_SHARED)")
    r = subprocess.run([prom_bin, "--version"], capture_output=True, text=True, timeout=30)
    ver = r.stdout + r.stderr
    if "version 2.42" not in ver:
        skip(f"this test is written against Prometheus 2.42, found: {ver.splitlines()[:1]}")
    return prom_bin, promtool, suite


def _overtime(signum, frame):
    raise AssertionError("api_diff_test exceeded its 110 s budget")


def test(work):
    prom_bin, promtool, suite = prerequisites()
    signal.signal(signal.SIGALRM, _overtime)  # bounded: the finally below stops both servers
    signal.alarm(110)

    now = int(time.time())
    t0 = (now - SPAN - 600) // 3600 * 3600  # hour-aligned, ends ~10-70 min before now
    t_end = t0 + SPAN
    DATA_START[0] = t0
    om = os.path.join(work, "data.om")
    gen_openmetrics(om, t0)
    blocks = os.path.join(work, "blocks")
    r = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", om, blocks],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"promtool failed: {r.stdout}\n{r.stderr}"
    shutil.copytree(blocks, os.path.join(work, "prom-data"))
    shutil.copytree(blocks, os.path.join(work, "ward-data"))

    prom = Prometheus(work, os.path.join(work, "prom-data"), prom_bin)
    ward = Ward(work, "global:\n  scrape_interval: 15s\n",
                # for double_exponential_smoothing, 3.x's name of 2.42's holt_winters
                extra_args=["--storage.tsdb.retention.time=10y",
                            "--enable-feature=promql-experimental-functions"],
                data_dir=os.path.join(work, "ward-data"))
    failures, n_cmp, n_match, n_allowed = [], 0, 0, 0
    allowed_seen = {}
    try:
        prom.start()
        ward.start()
        ctx = Ctx(ward, prom)

        def both(path, params, post=False):
            enc = urllib.parse.urlencode(params, doseq=True)
            if post:
                return (http(ward.url(path), enc.encode()), http(prom.url(path), enc.encode()))
            return (http(ward.url(path + "?" + enc)), http(prom.url(path + "?" + enc)))

        def check(what, path, params, q="", ordered=False, post=False, err_text=True):
            nonlocal n_cmp, n_match, n_allowed
            w, p = both(path, params, post)
            d = compare(w, p, ordered, err_text)
            n_cmp += 1
            if d is None:
                n_match += 1
                return True
            why = allowed(q or what, ctx, path, params)
            if why:
                n_allowed += 1
                allowed_seen.setdefault(why, []).append(f"{what} {json.dumps(params)}: {d}")
                return True
            failures.append(f"{what} {json.dumps(params)}\n    {d}")
            return False

        # 1. Our own expressions: instant at several times, range over several windows.
        times = [t_end, t_end - 3600 + 7.5, t0 + 1800, t_end + 200]
        windows = [(t0 + 3600, t0 + 5400, 60), (t0, t_end, 300), (t_end - 1200, t_end, 37)]
        for q in read_queries():
            for t in times:
                check("query", "/api/v1/query", {"query": q, "time": t}, q, is_ordered(q))
            for s, e, st in windows:
                check("query_range", "/api/v1/query_range",
                      {"query": q, "start": s, "end": e, "step": st}, q)

        # 1b. Left-open boundaries: evaluation times exactly on sample timestamps, so a sample
        # sits on t-range (2.42 selects it, 3.x and ward do not). Allow-listed only when asking
        # Prometheus for the 3.x window (ranges 1 ms shorter, lookback 1 ms later) agrees.
        tb = t0 + 480 * STEP + OFFSET_MS / 1000
        for q in ["demo_cpu_usage_seconds_total[2m]", "count_over_time(demo_intermittent_metric[10m])",
                  "max_over_time(demo_temperature_celsius[1m])", "changes(demo_num_cpus[1h])",
                  "resets(demo_cpu_usage_seconds_total[30m])", "sum_over_time(demo_disk_usage_bytes[45s])",
                  "avg_over_time(max_over_time(demo_temperature_celsius[1m])[5m:15s])"]:
            check("boundary", "/api/v1/query", {"query": q, "time": f"{tb:.3f}"}, q)
            if not q.endswith("]"):
                check("boundary", "/api/v1/query_range",
                      {"query": q, "start": f"{tb:.3f}", "end": f"{tb + 300:.3f}", "step": STEP}, q)
        # instance :10000 is on for samples 0..39 (see gen_openmetrics): the last one at 5m back
        check("boundary", "/api/v1/query", {"query": "demo_intermittent_metric",
              "time": f"{t0 + 39 * STEP + 300 + OFFSET_MS / 1000:.3f}"}, "demo_intermittent_metric")

        # 2. The compliance suite: range queries, 10 min window ending 12 min before the data end.
        n_templates, cq = compliance_queries(suite)
        c_end = t_end - 12 * 60
        c_ok = 0
        for q, should_fail in cq:
            params = {"query": q, "start": c_end - 600, "end": c_end, "step": 10}
            w, p = both("/api/v1/query_range", params, post=True)
            pj = json.loads(p[1])
            assert (pj["status"] == "error") == should_fail, f"reference disagrees with suite: {q}"
            d = compare(w, p)
            n_cmp += 1
            if d is None:
                c_ok += 1
                n_match += 1
            elif allowed(q, ctx, "/api/v1/query_range", params):
                n_allowed += 1
                allowed_seen.setdefault(allowed(q), []).append(f"compliance {json.dumps(params)}: {d}")
                c_ok += 1
            else:
                failures.append(f"compliance {q}\n    {d}")

        # 3. Metadata endpoints.
        rng = {"start": t0, "end": t_end}
        for m in [['demo_num_cpus'], ['{job="demo", type=~"f.*"}'], ['demo_intermittent_metric',
                  'demo_rpc_duration_seconds_count{instance=~".*0"}'], ['{__name__=~"demo_api.*_sum"}']]:
            check("series", "/api/v1/series", dict(rng, **{"match[]": m}))
            check("labels", "/api/v1/labels", dict(rng, **{"match[]": m}))
            check("values", "/api/v1/label/instance/values", dict(rng, **{"match[]": m}))
        for n in ["__name__", "le", "quantile", "mode", "nonexistent"]:
            check("values", f"/api/v1/label/{n}/values", rng)
        check("labels", "/api/v1/labels", rng)
        check("labels-all-time", "/api/v1/labels", {})
        check("values-all-time", "/api/v1/label/job/values", {})
        check("series-all-time", "/api/v1/series", {"match[]": ['demo_num_cpus', 'demo_num_cpus']})
        check("series-neg", "/api/v1/series", dict(rng, **{"match[]": ['{__name__=~"demo_rpc.*", quantile!~"0.9.*"}']}))
        check("series-window", "/api/v1/series", {"match[]": ['demo_intermittent_metric'],
                                                  "start": t0 + 60, "end": t0 + 120})
        check("series-empty", "/api/v1/series", {"match[]": ['demo_num_cpus'], "start": t_end + 7200,
                                                 "end": t_end + 9000})
        check("values-name", "/api/v1/label/__name__/values",
              dict(rng, **{"match[]": ['{__name__=~"demo_api.*"}', '{job="demo", mode="idle"}']}))
        check("labels-post", "/api/v1/labels", dict(rng, **{"match[]": ['demo_num_cpus']}), post=True)
        check("series-post", "/api/v1/series", dict(rng, **{"match[]": ['demo_num_cpus']}), post=True)

        # 4. Bad requests: status code, errorType.
        bad = [
            ("/api/v1/query", {"query": "sum(", "time": t_end}),
            ("/api/v1/query", {"query": "rate(demo_num_cpus)", "time": t_end}),
            ("/api/v1/query", {"query": 'demo_num_cpus{job="demo"', "time": t_end}),
            ("/api/v1/query", {"query": "demo_num_cpus + on(", "time": t_end}),
            ("/api/v1/query", {"query": "foo bar", "time": t_end}),
            ("/api/v1/query", {"query": "1 +", "time": t_end}),
            ("/api/v1/query", {"query": "", "time": t_end}),
            ("/api/v1/query", {"query": "demo_num_cpus", "time": "notatime"}),
            ("/api/v1/query", {"query": "demo_num_cpus", "time": t_end, "timeout": "zzz"}),
            ("/api/v1/query", {"query": "{}", "time": t_end}),
            ("/api/v1/query", {"query": 'demo_memory_usage_bytes + on(instance) demo_memory_usage_bytes', "time": t_end}),
            ("/api/v1/query_range", {"query": "demo_num_cpus", "start": t_end, "end": t0, "step": 60}),
            ("/api/v1/query_range", {"query": "demo_num_cpus", "start": t0, "end": t_end, "step": 0}),
            ("/api/v1/query_range", {"query": "demo_num_cpus", "start": t0, "end": t_end, "step": "x"}),
            ("/api/v1/query_range", {"query": "demo_num_cpus", "start": t0, "end": t_end, "step": 0.5}),
            ("/api/v1/query_range", {"query": "demo_num_cpus", "end": t_end, "step": 60}),
            ("/api/v1/query_range", {"query": "demo_num_cpus", "start": t0, "end": t_end}),
            ("/api/v1/query_range", {"query": "demo_num_cpus", "start": "abc", "end": t_end, "step": 60}),
            ("/api/v1/query_range", {"query": "demo_num_cpus", "start": 0, "end": t_end, "step": 1}),
            ("/api/v1/query_range", {"query": "sum(", "start": t0, "end": t_end, "step": 60}),
            ("/api/v1/query_range", {"query": "demo_num_cpus[5m]", "start": t0, "end": t_end, "step": 60}),
            ("/api/v1/series", {"start": t0, "end": t_end}),
            ("/api/v1/series", {"match[]": "sum(", "start": t0, "end": t_end}),
            ("/api/v1/label/instance/values", {"match[]": "{", "start": t0}),
            ("/api/v1/labels", {"start": "abc"}),
            ("/api/v1/series", {"match[]": "demo_num_cpus", "start": t_end, "end": t0}),
            ("/api/v1/series", {"match[]": '{job=~".*"}', "start": t0}),
        ]
        for path, params in bad:
            check("error", path, params, json.dumps(params))
    finally:
        signal.alarm(0)
        ward.stop()
        prom.stop()
    print(f"compared {n_cmp} requests: {n_match} matched, {n_allowed} allow-listed, "
          f"{len(failures)} differ")
    print(f"compliance suite: {n_templates} templates, {c_ok}/{len(cq)} range queries matched")
    for w, p in ERROR_TEXTS:
        print(f"ERRTEXT ward: {w}\n        prom: {p}")
    for why, items in allowed_seen.items():
        print(f"ALLOWED x{len(items)}: {why}")
        for it in items[:3]:
            print(f"    e.g. {it[:400]}")
    if failures:
        for f in failures[:400]:
            print("DIFF", f)
        raise AssertionError(f"{len(failures)} differences with Prometheus 2.42")


if __name__ == "__main__":
    prerequisites()  # skip before run() makes a work dir
    sys.exit(run(test))
