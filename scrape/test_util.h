// Test helpers for scrape/ (linked into tests only): a tiny HTTP/1.1 server
// on 127.0.0.1 with an ephemeral port that serves what a handler returns, and
// an in-memory Appendable that records committed samples. Both thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/labels/labels.h"
#include "storage/interface.h"

namespace ward::scrape::testing {

struct TestRequest {
  std::string method;
  std::string target;                          // path and query
  std::map<std::string, std::string> headers;  // names lower-cased
};

struct TestResponse {
  int status = 200;
  std::string content_type = "text/plain; version=0.0.4";
  std::string body;
  bool gzip = false;  // compress the body and send Content-Encoding: gzip
  int delay_ms = 0;   // wait this long before answering
};

// Serves every request with handler(request). The handler runs on the
// server's single I/O thread, one request at a time. Connections close after
// each response.
class TestServer {
 public:
  using Handler = std::function<TestResponse(const TestRequest&)>;
  explicit TestServer(Handler handler);
  ~TestServer();
  int port() const { return port_; }
  std::string Url(const std::string& path = "/metrics") const;
  // "127.0.0.1:port"
  std::string Address() const;
  int64_t requests() const { return requests_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::atomic<int64_t> requests_{0};
};

struct RecordedSample {
  labels::Labels lset;
  int64_t t = 0;
  double v = 0;
};

// Records committed samples. Assigns refs per label set and checks that a
// non-zero ref matches the labels passed with it; an append with a ref and
// no labels resolves the ref, as the TSDB head does. Rejects, like a TSDB head,
// samples older than the series' newest (kOutOfOrder) and same-timestamp
// samples with a different value (kDuplicate).
class RecordingAppendable : public storage::Appendable {
 public:
  std::unique_ptr<storage::Appender> NewAppender() override;

  std::vector<RecordedSample> Samples() const;
  // Committed samples of the series whose labels print as `lset_string`.
  std::vector<RecordedSample> Series(const std::string& lset_string) const;
  // Committed samples of the series with this __name__ (any labels).
  std::vector<RecordedSample> ByName(const std::string& name) const;
  // Latest committed value of the series (NaN when absent).
  double Last(const std::string& lset_string) const;
  int64_t commits() const;
  int64_t rollbacks() const;
  // Appends that passed a ref that did not match their labels (must be 0).
  int64_t ref_mismatches() const;
  // Appends that named their series by ref alone (empty labels).
  int64_t by_ref_appends() const;
  // Forgets every series ref, as a head does for series it garbage-collects:
  // appends by ref alone then fail; appends with labels get new refs.
  void ForgetRefs();
  void Clear();

 private:
  friend class RecordingAppender;
  mutable std::mutex mu_;
  std::map<std::string, storage::SeriesRef> refs_;
  std::map<storage::SeriesRef, std::string> ref_names_;
  std::map<storage::SeriesRef, labels::Labels> ref_labels_;  // refs still known
  std::map<storage::SeriesRef, std::pair<int64_t, double>> newest_;
  std::vector<RecordedSample> samples_;
  int64_t commits_ = 0, rollbacks_ = 0, ref_mismatches_ = 0, by_ref_appends_ = 0;
  storage::SeriesRef next_ref_ = 1;
};

// Go-style text of a label set for lookups: {__name__="up", job="x"}.
inline std::string Key(const labels::Labels& l) { return l.ToString(); }

}  // namespace ward::scrape::testing
