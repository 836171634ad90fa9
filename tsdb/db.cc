#include "tsdb/db.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "tsdb/chunks/head_chunks.h"
#include "tsdb/wlog/checkpoint.h"
#include "tsdb/wlog/wlog.h"
#include "util/metrics.h"

namespace ward::tsdb {

namespace {
Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}
}  // namespace

DB::DB(std::string dir, Options opts) : dir_(std::move(dir)), opts_(std::move(opts)) {}

Result<std::unique_ptr<DB>> DB::Open(const std::string& dir, const Options& opts) {
  if (opts.min_block_duration_ms <= 0) {
    return Status::InvalidArgument("min block duration must be positive");
  }
  if (opts.samples_per_chunk < 4 || opts.samples_per_chunk > 30000) {
    return Status::InvalidArgument("samples per chunk must be in [4, 30000]");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("create data directory " + dir + ": " + ec.message());

  wlog::Compression compression = wlog::Compression::kNone;
  if (opts.wal_compression) {
    WARD_ASSIGN_OR_RETURN(compression, wlog::ParseCompression(opts.wal_compression_type));
  }

  std::unique_ptr<DB> db(new DB(dir, opts));
  if (!opts.no_lockfile) {
    std::string lock_path = dir + "/lock";
    db->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (db->lock_fd_ < 0) return Errno("open lock file " + lock_path);
    if (::flock(db->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      Status st =
          errno == EWOULDBLOCK
              ? Status::Unavailable("data directory " + dir + " is locked by another process")
              : Errno("lock " + lock_path);
      ::close(db->lock_fd_);
      db->lock_fd_ = -1;
      return st;
    }
  }

  WARD_ASSIGN_OR_RETURN(
      db->mapper_, chunks::ChunkDiskMapper::Open(dir + "/chunks_head", opts.head_chunk_file_size));
  HeadOptions ho;
  ho.chunk_range_ms = opts.min_block_duration_ms;
  ho.samples_per_chunk = opts.samples_per_chunk;
  db->head_ = std::make_unique<Head>(ho, nullptr, db->mapper_.get());
  auto start = std::chrono::steady_clock::now();
  WARD_RETURN_IF_ERROR(db->head_->Replay(dir + "/wal", /*repair=*/true));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  db->logger_.Info("Head replayed",
                   {{"series", db->head_->NumSeries()}, {"duration_seconds", secs}});

  // New writes must land in a segment after the last checkpoint, or the next
  // replay (checkpoint, then later segments) would skip them. Prometheus
  // never checkpoints the last segment; a directory checkpointed to its end
  // (by a tool) gets an empty segment after the checkpoint.
  WARD_RETURN_IF_ERROR(db->EnsureSegmentAfterCheckpoint());

  wlog::Options wo;
  wo.segment_size = opts.wal_segment_size;
  wo.compression = compression;
  WARD_ASSIGN_OR_RETURN(db->wal_, wlog::WL::Open(dir + "/wal", wo));
  db->head_->SetWAL(db->wal_.get());
  if (opts.wal_fsync_interval_ms > 0)
    db->sync_thread_ = std::thread([d = db.get()] { d->SyncLoop(); });
  return db;
}

Status DB::EnsureSegmentAfterCheckpoint() {
  std::string wal_dir = dir_ + "/wal";
  std::error_code ec;
  if (!std::filesystem::is_directory(wal_dir, ec)) return Status::OK();
  Result<std::pair<std::string, int>> cp = wlog::LastCheckpoint(wal_dir);
  if (!cp.ok())
    return cp.status().IsNotFound() ? Status::OK() : cp.status().WithContext("find WAL checkpoint");
  WARD_ASSIGN_OR_RETURN(auto range, wlog::SegmentRange(wal_dir));
  if (range.second > cp->second) return Status::OK();
  std::string seg = wlog::SegmentName(wal_dir, cp->second + 1);
  int fd = ::open(seg.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("create WAL segment " + seg);
  ::close(fd);
  return Status::OK();
}

void DB::ExportMetrics(metrics::Registry* reg) {
  fsync_hist_.store(&reg->NewHistogram("prometheus_tsdb_wal_fsync_duration_seconds",
                                       "Duration of write log fsync.",
                                       metrics::ExponentialBuckets(0.0001, 4, 10)),
                    std::memory_order_release);
  metrics_link_ = std::make_shared<MetricsLink>();
  metrics_link_->db = this;
  reg->AddCollector([link = metrics_link_](std::string* out) {
    std::lock_guard<std::mutex> l(link->mu);
    if (link->db == nullptr) return;
    DBStats s = link->db->Stats();
    using metrics::MetricType;
    auto one = [out](std::string_view name, std::string_view help, MetricType type, double v,
                     std::vector<std::pair<std::string_view, std::string_view>> labels = {}) {
      metrics::AppendHeader(out, name, help, type);
      metrics::AppendSample(out, name, labels, v);
    };
    one("prometheus_tsdb_head_series", "Total number of series in the head block.",
        MetricType::kGauge, static_cast<double>(s.num_series));
    one("prometheus_tsdb_head_series_created_total", "Total number of series created in the head",
        MetricType::kCounter, static_cast<double>(s.series_created));
    one("prometheus_tsdb_head_samples_appended_total", "Total number of appended samples.",
        MetricType::kCounter, static_cast<double>(s.samples_appended), {{"type", "float"}});
    one("prometheus_tsdb_out_of_order_samples_total",
        "Total number of out of order samples ingestion failed attempts due to OOO being disabled.",
        MetricType::kCounter, static_cast<double>(s.out_of_order), {{"type", "float"}});
    one("prometheus_tsdb_out_of_bounds_samples_total",
        "Total number of out of bound samples ingestion failed attempts with out of order support "
        "disabled.",
        MetricType::kCounter, static_cast<double>(s.out_of_bounds), {{"type", "float"}});
    one("ward_tsdb_duplicate_samples_total",
        "Samples rejected for a timestamp that already has another value.", MetricType::kCounter,
        static_cast<double>(s.duplicates));
    one("prometheus_tsdb_head_chunks_created_total", "Total number of chunks created in the head",
        MetricType::kCounter, static_cast<double>(s.chunks_created));
    one("prometheus_tsdb_head_min_time",
        "Minimum time bound of the head block. The unit is decided by the library consumer.",
        MetricType::kGauge, static_cast<double>(s.head_min_time));
    one("prometheus_tsdb_head_max_time",
        "Maximum timestamp of the head block. The unit is decided by the library consumer.",
        MetricType::kGauge, static_cast<double>(s.head_max_time));
    one("prometheus_tsdb_wal_writes_failed_total", "Total number of write log writes that failed.",
        MetricType::kCounter, static_cast<double>(s.wal_fsync_failures));
  });
}

DB::~DB() {
  if (metrics_link_ != nullptr) {
    std::lock_guard<std::mutex> l(metrics_link_->mu);
    metrics_link_->db = nullptr;
  }
  Close().IgnoreError();
}  // a destructor cannot report; Close() does

std::unique_ptr<storage::Appender> DB::NewAppender() { return head_->NewAppender(); }

Result<std::unique_ptr<storage::Querier>> DB::NewQuerier(int64_t mint, int64_t maxt) {
  return head_->NewQuerier(mint, maxt);
}

Status DB::Sync() {
  if (wal_ == nullptr) return Status::OK();
  auto start = std::chrono::steady_clock::now();
  Status st = wal_->Sync();
  auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  if (!st.ok()) {
    fsync_failures_.fetch_add(1, std::memory_order_relaxed);
    head_->DisableWrites(st);
    return st.WithContext("sync WAL");
  }
  fsyncs_.fetch_add(1, std::memory_order_relaxed);
  fsync_nanos_.fetch_add(static_cast<uint64_t>(nanos), std::memory_order_relaxed);
  double secs = static_cast<double>(nanos) / 1e9;
  if (opts_.on_wal_fsync) opts_.on_wal_fsync(secs);
  if (metrics::Histogram* h = fsync_hist_.load(std::memory_order_acquire)) h->Observe(secs);
  return Status::OK();
}

void DB::SyncLoop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!closing_) {
    cv_.wait_for(l, std::chrono::milliseconds(opts_.wal_fsync_interval_ms));
    if (closing_) break;
    l.unlock();
    Status st = Sync();
    if (!st.ok()) logger_.Error("WAL fsync failed", {{"err", st}});
    l.lock();
  }
}

Status DB::Close() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (closed_) return Status::OK();
    closed_ = true;
    closing_ = true;
  }
  cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  Status result;
  if (wal_ != nullptr) {
    Status st = wal_->Close();
    if (!st.ok() && result.ok()) result = st.WithContext("close WAL");
  }
  if (mapper_ != nullptr) {
    Status st = mapper_->Close();
    if (!st.ok() && result.ok()) result = st.WithContext("close chunks_head");
  }
  if (lock_fd_ >= 0) {
    ::flock(lock_fd_, LOCK_UN);
    ::close(lock_fd_);
    lock_fd_ = -1;
  }
  return result;
}

DBStats DB::Stats() const {
  DBStats s;
  const HeadStats& h = head_->stats();
  s.num_series = head_->NumSeries();
  s.series_created = h.series_created.load(std::memory_order_relaxed);
  s.samples_appended = h.samples_appended.load(std::memory_order_relaxed);
  s.out_of_order = h.out_of_order.load(std::memory_order_relaxed);
  s.duplicates = h.duplicates.load(std::memory_order_relaxed);
  s.out_of_bounds = h.out_of_bounds.load(std::memory_order_relaxed);
  s.chunks_created = h.chunks_created.load(std::memory_order_relaxed);
  s.wal_fsyncs = fsyncs_.load(std::memory_order_relaxed);
  s.wal_fsync_failures = fsync_failures_.load(std::memory_order_relaxed);
  s.wal_fsync_seconds_total =
      static_cast<double>(fsync_nanos_.load(std::memory_order_relaxed)) / 1e9;
  s.head_min_time = head_->MinTime();
  s.head_max_time = head_->MaxTime();
  return s;
}

}  // namespace ward::tsdb
