// DB: the TSDB of one data directory, laid out as Prometheus's: `lock`,
// blocks (<ULID>/, tsdb/block), wal/ (segments and checkpoints,
// tsdb/docs/format) and chunks_head/ (full head chunks). Open takes the lock,
// removes unfinished block directories, opens every block (moving corrupt
// ones aside as <ULID>.corrupted), replays chunks_head and the WAL into a
// Head (repairing a torn WAL tail, skipping what blocks hold), then opens a
// WAL writer on a new segment. A background thread flushes and fdatasyncs
// the WAL every fsync interval (group commit: appends never wait for the
// disk); another runs Compact() periodically: cut the head's oldest chunk
// range into a block once the head spans 1.5 ranges, truncate the head,
// checkpoint the WAL, merge blocks (compact.h), apply retention
// (Prometheus's db.go). Queries merge the blocks' queriers with the head's.
// Only cmd/ward names DB; everyone else uses storage::Appendable/Queryable.
// Thread safety: thread-safe; Compact/CompactHead calls are serialised.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/interface.h"
#include "tsdb/chunkenc/chunk.h"
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
namespace block {
class Block;
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
  // WAL segment size in bytes (--storage.tsdb.wal-segment-size). Default: 128
  // MiB.
  int64_t wal_segment_size = 128 << 20;
  // The WAL is flushed and fdatasync'd this often (ms); 0 syncs only on Close
  // and segment cuts. Default: 1000.
  int64_t wal_fsync_interval_ms = 1000;
  // Chunk range of the head (--storage.tsdb.min-block-duration). Default: 2h.
  int64_t min_block_duration_ms = 2 * 60 * 60 * 1000;
  // Largest block a compaction may write (--storage.tsdb.max-block-duration):
  // blocks are merged into ranges min*3^k up to this. 0 means min(31d, 10%
  // of retention_ms) (31d without time retention), as Prometheus. A value
  // <= min_block_duration_ms disables block compaction (overlapping blocks
  // are still merged). Default: 0.
  int64_t max_block_duration_ms = 0;
  // Target samples per head chunk. Default: 120.
  int samples_per_chunk = 120;
  // Chunk encoding of blocks written by block compaction (merges of
  // blocks, tombstone cleaning; --storage.tsdb.compacted-chunk-encoding):
  // kXOR keeps every block readable by Prometheus; kDense writes ward's
  // denser format (tsdb/docs/format/dense_chunks.md), which only ward reads
  // (`wardtool tsdb convert` turns blocks back into XOR). Blocks cut from
  // the head stay XOR. Default: kXOR.
  chunkenc::Encoding compacted_chunk_encoding = chunkenc::Encoding::kXOR;
  // Max size of one chunks_head file. Default: 128 MiB.
  int64_t head_chunk_file_size = 128 << 20;
  // Called after every WAL fsync with its duration in seconds (for a
  // histogram metric); may be empty. Runs on the sync thread.
  std::function<void(double seconds)> on_wal_fsync;
  // Blocks whose max time is this much older than the newest block's are
  // deleted (--storage.tsdb.retention.time); 0 disables. Default: 15d.
  int64_t retention_ms = int64_t{15} * 24 * 60 * 60 * 1000;
  // When blocks + WAL + chunks_head exceed this many bytes, the oldest
  // blocks are deleted (--storage.tsdb.retention.size); 0 disables.
  // Default: 0.
  int64_t max_bytes = 0;
  // How often the background thread runs Compact() (ms); 0 disables the
  // thread (Compact/CompactHead are then called by hand). Runs come at least
  // every half min_block_duration_ms (>= 100 ms). Default: 60000.
  int64_t compaction_interval_ms = 60 * 1000;
  // How long a head truncation waits for running queries and appenders that
  // started before it (ms); on timeout it is retried at the next run.
  // Default: 60000.
  int64_t truncate_wait_ms = 60 * 1000;
  // On Close, write a chunk snapshot of the head (head_snapshot.h) after
  // the WAL and chunks_head are synced, and on Open load the newest one and
  // replay only the WAL written after it: restarts skip the WAL replay.
  // A snapshot that fails to load is logged and deleted, and the WAL is
  // replayed in full. Off: snapshots are neither written nor loaded (and
  // any found on Open are deleted). Prometheus's
  // --enable-feature=memory-snapshot-on-shutdown, on by default in ward
  // (--no-storage.tsdb.memory-snapshot-on-shutdown turns it off).
  // Default: true.
  bool memory_snapshot_on_shutdown = true;
  // Test hook: called on the compacting thread after each step of a head
  // cut ("block_written", "head_truncated", "wal_checkpointed") with the
  // data directory, e.g. to copy it as a crash would leave it. Block
  // compactions add "compaction_written" (merged block renamed into place,
  // parents still present) and "parents_deleted". May be empty.
  std::function<void(const std::string& step)> test_hook;
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
  int64_t head_min_time = 0;             // prometheus_tsdb_head_min_time
  int64_t head_max_time = 0;             // prometheus_tsdb_head_max_time
  uint64_t blocks_loaded = 0;            // prometheus_tsdb_blocks_loaded
  int64_t blocks_bytes = 0;              // prometheus_tsdb_storage_blocks_bytes
  uint64_t compactions = 0;              // prometheus_tsdb_compactions_total
  uint64_t compactions_failed = 0;       // prometheus_tsdb_compactions_failed_total
  uint64_t head_truncations = 0;         // prometheus_tsdb_head_truncations_total
  uint64_t head_truncations_failed = 0;  // prometheus_tsdb_head_truncations_failed_total
  uint64_t checkpoints = 0;              // prometheus_tsdb_checkpoint_creations_total
  uint64_t checkpoints_failed = 0;       // prometheus_tsdb_checkpoint_creations_failed_total
  uint64_t time_retentions = 0;          // prometheus_tsdb_time_retentions_total
  uint64_t size_retentions = 0;          // prometheus_tsdb_size_retentions_total
  // Oldest sample time over blocks and head (ms); INT64_MAX when empty.
  int64_t lowest_timestamp = 0;  // prometheus_tsdb_lowest_timestamp
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

  // One maintenance run (what the background thread does): cuts blocks
  // while the head spans more than 1.5 chunk ranges, truncates the head and
  // checkpoints the WAL, then applies time and size retention. Errors are
  // returned (and counted); the data stays consistent either way.
  Status Compact();
  // Cuts every whole chunk range older than the head's newest one into
  // blocks (raising the head's min valid time to that range's start), then
  // truncates and checkpoints as Compact does. For tests and the admin API.
  Status CompactHead();

  // Hard-links every block into `dir` (created if needed; files are copied
  // where a link is impossible) and, when with_head, writes the head's
  // samples newer than the blocks as one more block there, so that `dir` is
  // a data directory another DB (or Prometheus) can open. Runs under the
  // compaction lock; appends continue meanwhile.
  Status Snapshot(const std::string& dir, bool with_head);

  // Deletes the samples in [mint, maxt] of the series matching all of `ms`
  // (the admin API's delete_series): tombstones in every overlapping block
  // (its tombstones file) and in the head (logged to the WAL, replayed on
  // open). Queriers opened afterwards no longer see the samples. Runs under
  // the compaction lock, so a block cut meanwhile honours the deletion.
  Status Delete(int64_t mint, int64_t maxt, const std::vector<labels::Matcher>& ms);

  // Rewrites each block that has tombstones without the deleted samples
  // (CompactBlocks of that block alone: level + 1, the old block listed as
  // parent, so a crash before the old one is removed resolves on open) and
  // serves the new block instead; a block left empty is dropped. The head's
  // tombstones stay (they go with the head's data). Compaction lock held.
  Status CleanTombstones();

  // The blocks, oldest first (each shared with the queries reading it).
  std::vector<std::shared_ptr<block::Block>> Blocks() const;
  // Stops the sync thread, flushes and syncs the WAL and chunks_head,
  // writes the chunk snapshot (when enabled; a failure there is logged,
  // not returned: the WAL holds everything), releases the lock. Idempotent.
  // REQUIRES: no appends from here on.
  Status Close();

  DBStats Stats() const;

  // Exposes Stats() in `reg` under Prometheus's metric names
  // (prometheus_tsdb_head_series,
  // ..._head_samples_appended_total{type="float"},
  // ..._wal_fsync_duration_seconds as a histogram, ...). Values are read at
  // exposition; after the DB is destroyed the collector emits nothing.
  // REQUIRES: `reg` outlives this DB. Call once.
  void ExportMetrics(metrics::Registry* reg);
  Head* head() { return head_.get(); }
  const std::string& dir() const { return dir_; }

 private:
  DB(std::string dir, Options opts);
  void SyncLoop();
  void CompactLoop();
  Status EnsureSegmentAfterCheckpoint();
  // Builds head_ and replays it: chunk snapshot (when enabled), chunks_head,
  // WAL.
  Status OpenHead();
  void WriteChunkSnapshot(int wal_segment);
  // A snapshot describes the head before a cut: drop it before the head
  // is truncated, so a crash later replays the WAL instead.
  void DropChunkSnapshots();
  Status OpenBlocks();
  // REQUIRES: compact_mu_ held.
  Status CompactLocked(bool force);
  Status CutBlockLocked(int64_t mint, int64_t maxt);
  Status TruncateHeadLocked(int64_t mint);
  Status TruncateWALLocked(int64_t mint);
  Status RetentionLocked();
  // Merges blocks as PlanCompaction says until nothing is due.
  Status CompactBlocksLocked();
  // Deletes blocks named as a parent by another block (a crash after a
  // compaction's rename). REQUIRES: called from Open only.
  Status DeleteCompactedParents();
  Status DeleteBlockDir(const std::string& path);
  int64_t BlocksMaxTime() const;  // INT64_MIN when there is no block
  void Hook(const std::string& step) {
    if (opts_.test_hook) opts_.test_hook(step);
  }

  const std::string dir_;
  const Options opts_;
  const log::Logger logger_{"tsdb"};
  int lock_fd_ = -1;
  std::unique_ptr<chunks::ChunkDiskMapper> mapper_;
  std::unique_ptr<wlog::WL> wal_;
  std::unique_ptr<Head> head_;
  std::thread sync_thread_;
  std::thread compact_thread_;

  mutable std::mutex blocks_mu_;
  std::vector<std::shared_ptr<block::Block>> blocks_;  // guarded by blocks_mu_; by MinTime
  std::mutex compact_mu_;                              // serialises Compact/CompactHead
  std::vector<int64_t> ranges_;  // compaction ranges (CompactionRanges)
  std::atomic<uint64_t> compactions_{0};
  std::atomic<uint64_t> compactions_failed_{0};
  std::atomic<uint64_t> head_truncations_{0};
  std::atomic<uint64_t> head_truncations_failed_{0};
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<uint64_t> checkpoints_failed_{0};
  std::atomic<uint64_t> time_retentions_{0};
  std::atomic<uint64_t> size_retentions_{0};

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
