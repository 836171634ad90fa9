#include "scrape/test_util.h"

#include <zlib.h>

#include <boost/asio.hpp>
#include <cmath>
#include <cstring>

namespace ward::scrape::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::string Gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = in.size();
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = out.size();
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 302:
      return "Found";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    default:
      return "Status";
  }
}

}  // namespace

struct TestServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  Handler handler;
  std::thread thread;
  std::atomic<int64_t>* requests;

  struct Session : std::enable_shared_from_this<Session> {
    Session(Impl* impl, tcp::socket s) : impl(impl), socket(std::move(s)), timer(impl->io) {}
    Impl* impl;
    tcp::socket socket;
    asio::steady_timer timer;
    asio::streambuf buf;
    std::string out;

    void Start() {
      auto self = shared_from_this();
      asio::async_read_until(socket, buf, "\r\n\r\n", [self](boost::system::error_code ec, size_t) {
        if (!ec) self->OnRequest();
      });
    }

    void OnRequest() {
      std::string head(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
      TestRequest req;
      size_t eol = head.find("\r\n");
      std::string line = head.substr(0, eol);
      size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
      if (sp1 != std::string::npos && sp2 > sp1) {
        req.method = line.substr(0, sp1);
        req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      }
      size_t pos = eol + 2;
      while (pos < head.size()) {
        size_t e = head.find("\r\n", pos);
        if (e == std::string::npos || e == pos) break;
        std::string h = head.substr(pos, e - pos);
        size_t colon = h.find(':');
        if (colon != std::string::npos) {
          std::string name = h.substr(0, colon);
          for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          size_t vs = h.find_first_not_of(' ', colon + 1);
          req.headers[name] = vs == std::string::npos ? "" : h.substr(vs);
        }
        pos = e + 2;
      }
      impl->requests->fetch_add(1);
      TestResponse resp = impl->handler(req);
      std::string body = resp.gzip ? Gzip(resp.body) : resp.body;
      out = "HTTP/1.1 " + std::to_string(resp.status) + " " + Reason(resp.status) + "\r\n";
      if (!resp.content_type.empty()) out += "Content-Type: " + resp.content_type + "\r\n";
      if (resp.gzip) out += "Content-Encoding: gzip\r\n";
      if (resp.status == 302) out += "Location: /metrics\r\n";
      out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
      out += body;
      auto self = shared_from_this();
      if (resp.delay_ms > 0) {
        timer.expires_after(std::chrono::milliseconds(resp.delay_ms));
        timer.async_wait([self](boost::system::error_code) { self->Write(); });
      } else {
        Write();
      }
    }

    void Write() {
      auto self = shared_from_this();
      asio::async_write(socket, asio::buffer(out), [self](boost::system::error_code, size_t) {
        boost::system::error_code ignored;
        self->socket.shutdown(tcp::socket::shutdown_both, ignored);
      });
    }
  };

  void Accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      std::make_shared<Session>(this, std::move(s))->Start();
      Accept();
    });
  }
};

TestServer::TestServer(Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->requests = &requests_;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen(4096);
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->Accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TestServer::~TestServer() {
  impl_->io.stop();
  impl_->thread.join();
}

std::string TestServer::Url(const std::string& path) const { return "http://" + Address() + path; }

std::string TestServer::Address() const { return "127.0.0.1:" + std::to_string(port_); }

// ---------------------------------------------------------------------------

class RecordingAppender : public storage::Appender {
 public:
  explicit RecordingAppender(RecordingAppendable* db) : db_(db) {}

  Result<storage::SeriesRef> Append(storage::SeriesRef ref, const labels::Labels& lset, int64_t t,
                                    double v) override {
    std::lock_guard<std::mutex> l(db_->mu_);
    if (lset.empty()) {
      // By ref alone, as the head allows; unknown refs fail as the head's do.
      auto known = db_->ref_labels_.find(ref);
      if (ref == 0 || known == db_->ref_labels_.end()) {
        return Status::InvalidArgument("unknown series ref and no labels");
      }
      ++db_->by_ref_appends_;
      return AppendLocked(ref, known->second, t, v);
    }
    return AppendLocked(ref, lset, t, v);
  }

  // REQUIRES: db_->mu_ held.
  Result<storage::SeriesRef> AppendLocked(storage::SeriesRef ref, const labels::Labels& lset,
                                          int64_t t, double v) {
    std::string key = lset.ToString();
    auto it = db_->refs_.find(key);
    if (ref != 0) {
      auto rn = db_->ref_names_.find(ref);
      if (rn == db_->ref_names_.end() || rn->second != key) ++db_->ref_mismatches_;
    }
    storage::SeriesRef r;
    if (it == db_->refs_.end()) {
      r = db_->next_ref_++;
      db_->refs_[key] = r;
      db_->ref_names_[r] = key;
      db_->ref_labels_[r] = lset;
    } else {
      r = it->second;
    }
    // Rejections against committed and pending samples.
    auto newest = db_->newest_.find(r);
    auto pend = pending_newest_.find(r);
    std::pair<int64_t, double> last{INT64_MIN, 0};
    bool have = false;
    if (newest != db_->newest_.end()) last = newest->second, have = true;
    if (pend != pending_newest_.end()) last = pend->second, have = true;
    if (have && t < last.first) {
      return Status::Rejected(StatusSubcode::kOutOfOrder, "out of order sample");
    }
    if (have && t == last.first) {
      uint64_t a, b;
      std::memcpy(&a, &v, 8);
      std::memcpy(&b, &last.second, 8);
      if (a != b)
        return Status::Rejected(StatusSubcode::kDuplicate, "duplicate sample for timestamp");
      return r;
    }
    pending_newest_[r] = {t, v};
    pending_.push_back({lset, t, v});
    return r;
  }

  Status Commit() override {
    std::lock_guard<std::mutex> l(db_->mu_);
    for (auto& [r, tv] : pending_newest_) db_->newest_[r] = tv;
    for (auto& s : pending_) db_->samples_.push_back(std::move(s));
    ++db_->commits_;
    return Status::OK();
  }

  Status Rollback() override {
    std::lock_guard<std::mutex> l(db_->mu_);
    ++db_->rollbacks_;
    return Status::OK();
  }

 private:
  RecordingAppendable* db_;
  std::map<storage::SeriesRef, std::pair<int64_t, double>> pending_newest_;
  std::vector<RecordedSample> pending_;
};

std::unique_ptr<storage::Appender> RecordingAppendable::NewAppender() {
  return std::make_unique<RecordingAppender>(this);
}

std::vector<RecordedSample> RecordingAppendable::Samples() const {
  std::lock_guard<std::mutex> l(mu_);
  return samples_;
}

std::vector<RecordedSample> RecordingAppendable::Series(const std::string& key) const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<RecordedSample> out;
  for (const auto& s : samples_) {
    if (s.lset.ToString() == key) out.push_back(s);
  }
  return out;
}

std::vector<RecordedSample> RecordingAppendable::ByName(const std::string& name) const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<RecordedSample> out;
  for (const auto& s : samples_) {
    if (s.lset.MetricName() == name) out.push_back(s);
  }
  return out;
}

double RecordingAppendable::Last(const std::string& key) const {
  auto s = Series(key);
  return s.empty() ? std::nan("") : s.back().v;
}

int64_t RecordingAppendable::commits() const {
  std::lock_guard<std::mutex> l(mu_);
  return commits_;
}
int64_t RecordingAppendable::rollbacks() const {
  std::lock_guard<std::mutex> l(mu_);
  return rollbacks_;
}
int64_t RecordingAppendable::ref_mismatches() const {
  std::lock_guard<std::mutex> l(mu_);
  return ref_mismatches_;
}
int64_t RecordingAppendable::by_ref_appends() const {
  std::lock_guard<std::mutex> l(mu_);
  return by_ref_appends_;
}
void RecordingAppendable::ForgetRefs() {
  std::lock_guard<std::mutex> l(mu_);
  refs_.clear();
  ref_labels_.clear();
}
void RecordingAppendable::Clear() {
  std::lock_guard<std::mutex> l(mu_);
  samples_.clear();
}

}  // namespace ward::scrape::testing
