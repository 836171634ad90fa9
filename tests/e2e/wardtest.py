"""Helpers for ward's end-to-end tests: start ward and real peers on loopback,
wait with bounded timeouts, read data back with wardtool. Standard library only.

Environment (set by tests/CMakeLists.txt):
  WARD_BIN, WARDTOOL_BIN   the binaries under test
  WARD_SHARED              the shared/ folder (fixtures); tests skip when absent
  WARD_SERVICES_DIR        where start-services.sh keeps the real services
"""
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

SKIP = 77  # ctest SKIP_RETURN_CODE


def skip(why):
    print(f"SKIPPED: {why}")
    sys.exit(SKIP)


def shared_dir():
    d = os.environ.get("WARD_SHARED", "")
    if not d or not os.path.isdir(os.path.join(d, "fixtures")):
        skip("shared/ fixtures not found (WARD_SHARED); this test needs real services")
    return d


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, what, interval=0.1):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            v = pred()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last})")


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8", "replace")


def http_post(url, data=b"", timeout=5):
    req = urllib.request.Request(url, data=data, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def services_env():
    d = os.environ.get("WARD_SERVICES_DIR")
    if not d:
        skip("WARD_SERVICES_DIR not set")
    ports = {}
    p = os.path.join(d, "ports.env")
    if not os.path.exists(p):
        skip(f"services not started ({p} missing)")
    for line in open(p):
        m = re.match(r"(\w+)=(\S+)", line.strip())
        if m:
            ports[m.group(1)] = m.group(2).strip("'\"")
    return ports


class CountingTarget:
    """A scrape target on a free loopback port serving `series` gauges
    `syn_value{series="i"}` whose value is the number of the request, so each
    scrape's samples identify it. `count` is the number of scrapes served."""

    def __init__(self, series):
        self.count = 0
        lock = threading.Lock()
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with lock:
                    target.count += 1
                    n = target.count
                lines = [f'syn_value{{series="{i}"}} {n}' for i in range(series)]
                body = ("# TYPE syn_value gauge\n" + "\n".join(lines) + "\n").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_address[1]

    def stop(self):
        self.server.shutdown()


class Ward:
    """A ward server process with its own data dir and port."""

    def __init__(self, workdir, config_text, extra_args=(), data_dir=None):
        self.workdir = workdir
        self.port = free_port()
        self.data = data_dir or os.path.join(workdir, "data")
        self.config = os.path.join(workdir, "ward.yml")
        with open(self.config, "w") as f:
            f.write(config_text.replace("WARD_PORT", str(self.port)))
        self.log_path = os.path.join(workdir, "ward.log")
        self.extra = list(extra_args)
        self.proc = None

    def start(self, wait_ready=True):
        args = [os.environ["WARD_BIN"], f"--config.file={self.config}",
                f"--storage.tsdb.path={self.data}",
                f"--web.listen-address=127.0.0.1:{self.port}", *self.extra]
        self.logf = open(self.log_path, "a")
        self.proc = subprocess.Popen(args, stdout=self.logf, stderr=subprocess.STDOUT)
        if wait_ready:
            wait_until(lambda: self.alive() and http_get(self.url("/-/ready"))[0] == 200, 30,
                       "ward /-/ready")
        return self

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def alive(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"ward exited with {self.proc.returncode}; log:\n{self.log()}")
        return True

    def log(self):
        try:
            return open(self.log_path).read()[-5000:]
        except OSError:
            return ""

    def metric(self, name):
        """Sum of the samples of `name` on ward's /metrics (None when absent)."""
        _, body = http_get(self.url("/metrics"))
        total, found = 0.0, False
        for line in body.splitlines():
            if line.startswith("#"):
                continue
            m = re.match(r"([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)", line)
            if m and m.group(1) == name:
                total += float(m.group(3))
                found = True
        return total if found else None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("ward did not stop within %ss" % timeout)
        if self.proc:
            self.logf.close()
        return self.proc.returncode if self.proc else None

    def kill(self):
        return self.stop(signal.SIGKILL)


def wardtool_dump(data_dir, *extra):
    out = subprocess.run([os.environ["WARDTOOL_BIN"], "tsdb", "dump", *extra, data_dir],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise AssertionError(f"wardtool tsdb dump failed ({out.returncode}): {out.stderr}")
    return parse_dump(out.stdout)


DUMP_LINE = re.compile(r"^(\{.*\}) (\S+) (-?\d+)$")
LABEL_PAIR = re.compile(r'([^=,\s{}]+)="((?:[^"\\]|\\.)*)"')


def parse_labels(text):
    return tuple(sorted((k, bytes(v, "utf-8").decode("unicode_escape"))
                        for k, v in LABEL_PAIR.findall(text)))


def parse_dump(text):
    """{labels-tuple: [(t_ms, value_str), ...]} from `tsdb dump` output."""
    series = {}
    for line in text.splitlines():
        m = DUMP_LINE.match(line)
        if not m:
            continue
        series.setdefault(parse_labels(m.group(1)), []).append((int(m.group(3)), m.group(2)))
    return series


def run(test_fn):
    """Runs a test function with a temp dir; prints a ctest-friendly verdict."""
    work = tempfile.mkdtemp(prefix="ward-e2e-")
    ok = False
    try:
        test_fn(work)
        ok = True
        print("PASSED")
    finally:
        if ok and not os.environ.get("WARD_KEEP_TMP"):
            shutil.rmtree(work, ignore_errors=True)
        elif not ok:
            print(f"work dir kept: {work}")
    return 0
