// DB: the TSDB of one data directory, laid out as Prometheus's: `lock`, wal/
// (segments and checkpoints, tsdb/docs/format) and chunks_head/ (full head
// chunks). Open takes the lock, replays chunks_head and the WAL into a Head
// (repairing a torn WAL tail), then opens a WAL writer on a new segment. A
// background thread flushes and fdatasyncs the WAL every fsync interval
// (group commit: appends never wait for the disk). Only cmd/ward names DB;
// everyone else uses storage::Appendable / Queryable.
// Thread safety: thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "storage/interface.h"
#include "tsdb/head.h"
#include "util/log.h"
#include "util/result.h"

namespace ward::tsdb {

namespace wlog {
class WL;
}
}  // namespace ward::tsdb
namespace ward::metrics {
class Histogram;
class Registry;
}  // namespace ward::metrics
namespace ward::tsdb {
namespace chunks {
class ChunkDiskMapper;
}

struct Options {
  // Compress WAL records (--storage.tsdb.wal-compression).
  // Default: true, as Prometheus since 2.20.
  bool wal_compression = true;
  // "snappy" or "zstd" (--storage.tsdb.wal-compression-type); zstd WALs are
  // readable by Prometheus 2.50+ only. Default: "snappy".
  std::string wal_compression_type = "snappy";
  // Do not take the `lock` file (--storage.tsdb.no-lockfile). Default: false.
  bool no_lockfile = false;
  // WAL segment size in bytes (--storage.tsdb.wal-segment-size). Default: 128 MiB.
  int64_t wal_segment_size = 128 << 20;
  // The WAL is flushed and fdatasync'd this often (ms); 0 syncs only on Close
  // and segment cuts. Default: 1000.
  int64_t wal_fsync_interval_ms = 1000;
  // Chunk range of the head (--storage.tsdb.min-block-duration). Default: 2h.
  int64_t min_block_duration_ms = 2 * 60 * 60 * 1000;
  // Target samples per head chunk. Default: 120.
  int samples_per_chunk = 120;
  // Max size of one chunks_head file. Default: 128 MiB.
  int64_t head_chunk_file_size = 128 << 20;
  // Called after every WAL fsync with its duration in seconds (for a
  // histogram metric); may be empty. Runs on the sync thread.
  std::function<void(double seconds)> on_wal_fsync;
};

// Plain counters for the lead to export as metrics.
struct DBStats {
  uint64_t num_series = 0;        // prometheus_tsdb_head_series
  uint64_t series_created = 0;    // prometheus_tsdb_head_series_created_total
  uint64_t samples_appended = 0;  // prometheus_tsdb_head_samples_appended_total
  uint64_t out_of_order = 0;      // prometheus_tsdb_out_of_order_samples_total
  uint64_t duplicates = 0;
  uint64_t out_of_bounds = 0;   // prometheus_tsdb_out_of_bounds_samples_total
  uint64_t chunks_created = 0;  // prometheus_tsdb_head_chunks_created_total
  uint64_t wal_fsyncs = 0;
  uint64_t wal_fsync_failures = 0;
  double wal_fsync_seconds_total = 0;
  int64_t head_min_time = 0;  // prometheus_tsdb_head_min_time
  int64_t head_max_time = 0;  // prometheus_tsdb_head_max_time
};

class DB : public storage::Appendable, public storage::Queryable {
 public:
  // Opens (creating if needed) the data directory. Unavailable if another
  // process holds its lock; Corruption/IOError for unreadable data other than
  // a torn WAL tail (which is repaired and logged).
  static Result<std::unique_ptr<DB>> Open(const std::string& dir, const Options& opts);
  ~DB() override;  // Close()s, ignoring errors (call Close to see them)

  std::unique_ptr<storage::Appender> NewAppender() override;
  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint_ms, int64_t maxt_ms) override;

  // Flushes the WAL's partial page and fdatasyncs it.
  Status Sync();
  // Stops the sync thread, flushes and syncs the WAL and chunks_head,
  // releases the lock. Idempotent.
  Status Close();

  DBStats Stats() const;

  // Exposes Stats() in `reg` under Prometheus's metric names
  // (prometheus_tsdb_head_series, ..._head_samples_appended_total{type="float"},
  // ..._wal_fsync_duration_seconds as a histogram, ...). Values are read at
  // exposition; after the DB is destroyed the collector emits nothing.
  // REQUIRES: `reg` outlives this DB. Call once.
  void ExportMetrics(metrics::Registry* reg);
  Head* head() { return head_.get(); }
  const std::string& dir() const { return dir_; }

 private:
  DB(std::string dir, Options opts);
  void SyncLoop();
  Status EnsureSegmentAfterCheckpoint();

  const std::string dir_;
  const Options opts_;
  const log::Logger logger_{"tsdb"};
  int lock_fd_ = -1;
  std::unique_ptr<chunks::ChunkDiskMapper> mapper_;
  std::unique_ptr<wlog::WL> wal_;
  std::unique_ptr<Head> head_;
  std::thread sync_thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool closing_ = false;  // guarded by mu_
  bool closed_ = false;   // guarded by mu_
  std::atomic<uint64_t> fsyncs_{0};
  std::atomic<uint64_t> fsync_failures_{0};
  std::atomic<uint64_t> fsync_nanos_{0};
  std::atomic<metrics::Histogram*> fsync_hist_{nullptr};
  // Shared with the metrics collector, which outlives the DB.
  struct MetricsLink {
    std::mutex mu;
    DB* db = nullptr;  // guarded by mu; null once the DB is gone
  };
  std::shared_ptr<MetricsLink> metrics_link_;
};

}  // namespace ward::tsdb
