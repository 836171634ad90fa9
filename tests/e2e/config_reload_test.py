"""Configuration behaviour of the real binary, as Prometheus behaves:
 - an invalid file stops startup (exit 1) with file, line and field in the log;
 - POST /-/reload and SIGHUP apply a new valid file (a new job starts scraping);
 - an invalid new file is rejected (HTTP 500 with the reason) and the running
   configuration keeps scraping;
 - /-/reload is refused (403) without --web.enable-lifecycle."""
import http.server
import os
import signal
import subprocess
import sys
import threading
import time

from wardtest import Ward, free_port, http_get, http_post, run, wait_until


class Target(http.server.BaseHTTPRequestHandler):
    hits = {}

    def do_GET(self):
        Target.hits[self.path] = Target.hits.get(self.path, 0) + 1
        body = b"# TYPE demo gauge\ndemo 1\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def job(name, port, path):
    return f"""  - job_name: {name}
    scrape_interval: 200ms
    scrape_timeout: 200ms
    metrics_path: {path}
    static_configs:
      - targets: ['127.0.0.1:{port}']
"""


def test(work):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Target)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]

    # 1. A bad file refuses to start, naming file, line and field.
    bad = os.path.join(work, "bad.yml")
    with open(bad, "w") as f:
        f.write("global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: x\n"
                "    scrape_intervall: 1s\n")
    p = subprocess.run([os.environ["WARD_BIN"], f"--config.file={bad}",
                        f"--storage.tsdb.path={os.path.join(work, 'baddata')}",
                        f"--web.listen-address=127.0.0.1:{free_port()}"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1, f"exit {p.returncode}: {p.stderr}"
    assert "bad.yml" in p.stderr and "line 5" in p.stderr and "scrape_intervall" in p.stderr, \
        p.stderr

    # 2. Running with lifecycle: reloads through HTTP and SIGHUP.
    ward = Ward(work, "scrape_configs:\n" + job("a", port, "/a"),
                ["--web.enable-lifecycle"]).start()
    wait_until(lambda: Target.hits.get("/a", 0) >= 2, 10, "job a scraping")

    with open(ward.config, "w") as f:
        f.write("scrape_configs:\n" + job("a", port, "/a") + job("b", port, "/b"))
    code, body = http_post(ward.url("/-/reload"))
    assert code == 200, (code, body)
    wait_until(lambda: Target.hits.get("/b", 0) >= 2, 10, "job b scraping after /-/reload")
    assert ward.metric("prometheus_config_last_reload_successful") == 1

    with open(ward.config, "w") as f:
        f.write("scrape_configs:\n" + job("a", port, "/a") + job("a", port, "/c"))
    code, body = http_post(ward.url("/-/reload"))
    assert code == 500 and "multiple scrape configs" in body, (code, body)
    assert ward.metric("prometheus_config_last_reload_successful") == 0
    b_before = Target.hits.get("/b", 0)
    wait_until(lambda: Target.hits.get("/b", 0) >= b_before + 2, 10,
               "the old configuration to keep scraping b")
    assert Target.hits.get("/c", 0) == 0

    with open(ward.config, "w") as f:
        f.write("scrape_configs:\n" + job("c", port, "/c"))
    ward.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: Target.hits.get("/c", 0) >= 2, 10, "job c scraping after SIGHUP")
    a_after = Target.hits.get("/a", 0)
    time.sleep(1)
    assert Target.hits.get("/a", 0) <= a_after + 1, "job a still scraped after it was removed"
    assert ward.metric("prometheus_config_last_reload_successful") == 1
    assert ward.stop() == 0, ward.log()
    assert "Error reloading config" in ward.log(), ward.log()

    # 3. Without the lifecycle flag the endpoint is refused.
    other = os.path.join(work, "second")
    os.makedirs(other)
    w2 = Ward(other, "scrape_configs: []\n").start()
    code, body = http_post(w2.url("/-/reload"))
    assert code == 403 and "Lifecycle API is not enabled" in body, (code, body)
    code, body = http_get(w2.url("/-/healthy"))
    assert code == 200 and "Healthy" in body, body
    assert w2.stop() == 0
    srv.shutdown()


if __name__ == "__main__":
    sys.exit(run(test))
