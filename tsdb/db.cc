#include "tsdb/db.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>
#include <thread>

#include "tsdb/block/block.h"
#include "tsdb/block/block_writer.h"
#include "tsdb/block/merge_querier.h"
#include "tsdb/block/meta.h"
#include "tsdb/chunks/head_chunks.h"
#include "tsdb/compact.h"
#include "tsdb/head_snapshot.h"
#include "tsdb/wlog/checkpoint.h"
#include "tsdb/wlog/wlog.h"
#include "util/metrics.h"

namespace ward::tsdb {

namespace {
Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
}

// Start of the chunk range holding t (floor, also for negative t).
int64_t RangeStart(int64_t t, int64_t width) {
  int64_t q = t / width;
  if (t % width != 0 && t < 0) --q;
  return q * width;
}

int64_t DirBytes(const std::string& dir) {
  std::error_code ec;
  int64_t n = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec)) {
      auto sz = it->file_size(fec);
      if (!fec) n += static_cast<int64_t>(sz);
    }
  }
  return n;
}
}  // namespace

DB::DB(std::string dir, Options opts) : dir_(std::move(dir)), opts_(std::move(opts)) {
  int64_t max = opts_.max_block_duration_ms;
  if (max <= 0) {
    max = int64_t{31} * 24 * 60 * 60 * 1000;
    if (opts_.retention_ms > 0) max = std::min(max, opts_.retention_ms / 10);
  }
  ranges_ = CompactionRanges(opts_.min_block_duration_ms, max);
}

Result<std::unique_ptr<DB>> DB::Open(const std::string& dir, const Options& opts) {
  if (opts.min_block_duration_ms <= 0) {
    return Status::InvalidArgument("min block duration must be positive");
  }
  if (opts.samples_per_chunk < 4 || opts.samples_per_chunk > 30000) {
    return Status::InvalidArgument("samples per chunk must be in [4, 30000]");
  }
  if (opts.compacted_chunk_encoding != chunkenc::Encoding::kXOR &&
      opts.compacted_chunk_encoding != chunkenc::Encoding::kDense) {
    return Status::InvalidArgument("compacted chunk encoding must be XOR or dense");
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

  WARD_RETURN_IF_ERROR(db->OpenBlocks());
  WARD_RETURN_IF_ERROR(db->DeleteCompactedParents());
  WARD_ASSIGN_OR_RETURN(
      db->mapper_, chunks::ChunkDiskMapper::Open(dir + "/chunks_head", opts.head_chunk_file_size));
  auto start = std::chrono::steady_clock::now();
  WARD_RETURN_IF_ERROR(db->OpenHead());
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
  if (opts.compaction_interval_ms > 0)
    db->compact_thread_ = std::thread([d = db.get()] { d->CompactLoop(); });
  return db;
}

Status DB::OpenHead() {
  HeadOptions ho;
  ho.chunk_range_ms = opts_.min_block_duration_ms;
  ho.samples_per_chunk = opts_.samples_per_chunk;
  // What the blocks hold is out of bounds for the head, and replay skips it
  // (a crash between cutting a block and truncating the WAL).
  const int64_t blocks_maxt = BlocksMaxTime();
  auto new_head = [&] {
    head_ = std::make_unique<Head>(ho, nullptr, mapper_.get());
    if (blocks_maxt != std::numeric_limits<int64_t>::min()) head_->SetMinValidTime(blocks_maxt);
  };
  new_head();
  const std::string wal_dir = dir_ + "/wal";
  ChunkSnapshotPosition snap;
  if (opts_.memory_snapshot_on_shutdown) {
    Status tmp = DeleteChunkSnapshots(dir_, 0, 0, /*tmp=*/true);  // unfinished ones
    if (!tmp.ok()) logger_.Warn("Removing unfinished chunk snapshots failed", {{"err", tmp}});
    auto start = std::chrono::steady_clock::now();
    // chunks_head is read (and its CRCs checked) on a second thread while the
    // snapshot loads; Replay then attaches what it found.
    std::thread prescan([h = head_.get()] { h->PrescanChunksHead(); });
    Status st = head_->LoadChunkSnapshot(dir_, wal_dir, &snap);
    prescan.join();
    if (!st.ok()) {
      logger_.Error("Loading the chunk snapshot failed; deleting it and replaying the whole WAL",
                    {{"err", st}});
      Status del = DeleteChunkSnapshots(dir_);
      if (!del.ok()) return del.WithContext("delete unreadable chunk snapshot");
      snap = ChunkSnapshotPosition();
      new_head();
    } else if (snap.loaded()) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      logger_.Info("Chunk snapshot loading time", {{"duration_seconds", secs}});
    }
  } else {
    WARD_RETURN_IF_ERROR(DeleteChunkSnapshots(dir_, std::numeric_limits<int>::max(),
                                              std::numeric_limits<int64_t>::max(), true));
  }
  Status st = head_->Replay(wal_dir, /*repair=*/true, &snap);
  if (st.ok() || !snap.loaded()) return st;
  logger_.Error("Replay after the chunk snapshot failed; deleting it and replaying the whole WAL",
                {{"err", st}});
  WARD_RETURN_IF_ERROR(DeleteChunkSnapshots(dir_));
  new_head();
  return head_->Replay(wal_dir, /*repair=*/true, nullptr);
}

void DB::DropChunkSnapshots() {
  Status st = DeleteChunkSnapshots(dir_);
  if (!st.ok()) logger_.Error("Deleting chunk snapshots before a head cut failed", {{"err", st}});
}

void DB::WriteChunkSnapshot(int wal_segment) {
  struct stat st;
  std::string seg = wlog::SegmentName(dir_ + "/wal", wal_segment);
  if (::stat(seg.c_str(), &st) != 0) {
    logger_.Error("No chunk snapshot: cannot stat the last WAL segment", {{"segment", seg}});
    return;
  }
  auto start = std::chrono::steady_clock::now();
  Result<ChunkSnapshotStats> r =
      head_->WriteChunkSnapshot(dir_, wal_segment, st.st_size, wal_->compression(), dir_ + "/wal");
  if (!r.ok()) {
    logger_.Error("Writing the chunk snapshot failed; the next start replays the WAL",
                  {{"err", r.status()}});
    return;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  logger_.Info("Chunk snapshot complete", {{"dir", r->dir},
                                           {"series", r->series},
                                           {"head_chunks", r->head_chunks},
                                           {"duration_seconds", secs}});
}

Status DB::OpenBlocks() {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> names;
  for (auto it = fs::directory_iterator(dir_, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::error_code dec;
    if (!it->is_directory(dec)) continue;
    names.push_back(it->path().filename().string());
  }
  if (ec) return Status::IOError("list data directory " + dir_ + ": " + ec.message());
  std::vector<std::shared_ptr<block::Block>> blocks;
  for (const std::string& name : names) {
    std::string path = dir_ + "/" + name;
    if (EndsWith(name, ".tmp-for-creation") || EndsWith(name, ".tmp-for-deletion") ||
        EndsWith(name, ".tmp")) {
      // An unfinished block write or deletion: never visible, remove it.
      std::error_code rec;
      fs::remove_all(path, rec);
      if (rec) {
        logger_.Warn("Removing a leftover temporary directory failed",
                     {{"dir", path}, {"err", rec.message()}});
      } else {
        logger_.Info("Removed leftover temporary directory", {{"dir", path}});
      }
      continue;
    }
    if (!block::ParseULID(name)) continue;
    Result<std::shared_ptr<block::Block>> b = block::Block::Open(path);
    if (!b.ok()) {
      // Serve the rest: the bad block is kept for inspection, out of the way.
      std::string aside = path + ".corrupted";
      std::error_code rec;
      fs::rename(path, aside, rec);
      logger_.Error(
          "Block cannot be opened; moved aside",
          {{"block", name},
           {"err", b.status()},
           {"moved_to", rec ? std::string("(rename failed: ") + rec.message() + ")" : aside}});
      continue;
    }
    blocks.push_back(std::move(*b));
  }
  std::sort(blocks.begin(), blocks.end(),
            [](const auto& a, const auto& b) { return a->MinTime() < b->MinTime(); });
  logger_.Info("Blocks opened", {{"blocks", blocks.size()}});
  std::lock_guard<std::mutex> l(blocks_mu_);
  blocks_ = std::move(blocks);
  return Status::OK();
}

int64_t DB::BlocksMaxTime() const {
  std::lock_guard<std::mutex> l(blocks_mu_);
  int64_t m = std::numeric_limits<int64_t>::min();
  for (const auto& b : blocks_) m = std::max(m, b->MaxTime());
  return m;
}

std::vector<std::shared_ptr<block::Block>> DB::Blocks() const {
  std::lock_guard<std::mutex> l(blocks_mu_);
  return blocks_;
}

void DB::CompactLoop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!closing_) {
    // A block range shorter than the interval (tests, tiny
    // --storage.tsdb.min-block-duration) is compacted every half range, or
    // the head would grow to many ranges between runs.
    int64_t every = std::min(opts_.compaction_interval_ms,
                             std::max<int64_t>(opts_.min_block_duration_ms / 2, 100));
    cv_.wait_for(l, std::chrono::milliseconds(every));
    if (closing_) break;
    l.unlock();
    Status st = Compact();
    if (!st.ok()) logger_.Error("Compaction failed", {{"err", st}});
    l.lock();
  }
}

Status DB::Compact() {
  std::lock_guard<std::mutex> l(compact_mu_);
  return CompactLocked(/*force=*/false);
}

Status DB::Delete(int64_t mint, int64_t maxt, const std::vector<labels::Matcher>& ms) {
  std::lock_guard<std::mutex> l(compact_mu_);
  for (const auto& b : Blocks()) {
    block::BlockMeta m = b->meta();
    if (m.max_time <= mint || m.min_time > maxt) continue;  // block range is [min, max)
    WARD_RETURN_IF_ERROR(b->Delete(mint, maxt, ms).WithContext("delete in block " + m.ulid));
  }
  return head_->Delete(mint, maxt, ms).WithContext("delete in head");
}

Status DB::CleanTombstones() {
  std::lock_guard<std::mutex> l(compact_mu_);
  for (const auto& old : Blocks()) {
    if (old->NumTombstones() == 0) continue;
    Result<std::string> written =
        CompactBlocks(dir_, {old}, opts_.samples_per_chunk, opts_.compacted_chunk_encoding);
    if (!written.ok()) return written.status().WithContext("clean tombstones of " + old->dir());
    std::shared_ptr<block::Block> fresh;
    if (!written->empty()) {
      Result<std::shared_ptr<block::Block>> b = block::Block::Open(dir_ + "/" + *written);
      if (!b.ok()) {
        DeleteBlockDir(dir_ + "/" + *written).IgnoreError();
        return b.status().WithContext("open block without tombstones");
      }
      fresh = std::move(*b);
    }
    {
      std::lock_guard<std::mutex> bl(blocks_mu_);
      for (auto& b : blocks_) {
        if (b == old) b = fresh;
      }
      blocks_.erase(std::remove(blocks_.begin(), blocks_.end(), nullptr), blocks_.end());
    }
    logger_.Info("Cleaned tombstones", {{"old", old->dir()}, {"new", *written}});
    WARD_RETURN_IF_ERROR(DeleteBlockDir(old->dir()));
  }
  return Status::OK();
}

Status DB::CompactHead() {
  std::lock_guard<std::mutex> l(compact_mu_);
  return CompactLocked(/*force=*/true);
}

Status DB::CompactLocked(bool force) {
  const int64_t range = opts_.min_block_duration_ms;
  int64_t done_until = std::numeric_limits<int64_t>::min();
  while (true) {
    int64_t hmin = head_->MinTime(), hmax = head_->MaxTime();
    if (hmin > hmax) break;  // empty head
    // The head's data below the newest block's end is already in a block
    // (a truncation that timed out leaves it there for a while).
    int64_t from = std::max({hmin, BlocksMaxTime(), done_until});
    if (from > hmax) break;
    int64_t mint = RangeStart(from, range);
    int64_t maxt = mint + range;
    if (force) {
      if (maxt > RangeStart(hmax, range)) break;  // keep the newest range
    } else if (hmax - from <= range / 2 * 3) {
      break;  // Prometheus's compactable(): more than 1.5 ranges in the head
    }
    done_until = maxt;
    Status st = CutBlockLocked(mint, maxt);
    if (!st.ok()) {
      compactions_failed_.fetch_add(1, std::memory_order_relaxed);
      return st.WithContext("compact head [" + std::to_string(mint) + ", " + std::to_string(maxt) +
                            ")");
    }
  }
  int64_t blocks_maxt = BlocksMaxTime();
  if (blocks_maxt != std::numeric_limits<int64_t>::min() && head_->MinTime() < blocks_maxt &&
      head_->MinTime() <= head_->MaxTime()) {
    // A truncation that timed out earlier.
    WARD_RETURN_IF_ERROR(TruncateHeadLocked(blocks_maxt));
  }
  Status cst = CompactBlocksLocked();
  if (!cst.ok()) {
    compactions_failed_.fetch_add(1, std::memory_order_relaxed);
    return cst;
  }
  return RetentionLocked();
}

Status DB::CompactBlocksLocked() {
  while (true) {
    std::vector<std::shared_ptr<block::Block>> blocks = Blocks();
    std::vector<block::BlockMeta> metas;
    metas.reserve(blocks.size());
    for (const auto& b : blocks) metas.push_back(b->meta());
    std::vector<size_t> plan = PlanCompaction(metas, ranges_);
    if (plan.empty()) return Status::OK();
    std::vector<std::shared_ptr<block::Block>> parents;
    for (size_t i : plan) parents.push_back(blocks[i]);
    auto start = std::chrono::steady_clock::now();
    Result<std::string> written =
        CompactBlocks(dir_, parents, opts_.samples_per_chunk, opts_.compacted_chunk_encoding);
    if (!written.ok()) return written.status().WithContext("compact blocks");
    const std::string ulid = *written;
    std::shared_ptr<block::Block> merged;
    if (!ulid.empty()) {
      Result<std::shared_ptr<block::Block>> b = block::Block::Open(dir_ + "/" + ulid);
      if (!b.ok()) {
        // Never serve the parents and a half-understood child together.
        DeleteBlockDir(dir_ + "/" + ulid).IgnoreError();
        return b.status().WithContext("open compacted block");
      }
      merged = std::move(*b);
    }
    compactions_.fetch_add(1, std::memory_order_relaxed);
    Hook("compaction_written");
    {
      std::lock_guard<std::mutex> l(blocks_mu_);
      std::vector<std::shared_ptr<block::Block>> kept;
      for (const auto& b : blocks_) {
        if (std::find(parents.begin(), parents.end(), b) == parents.end()) kept.push_back(b);
      }
      if (merged != nullptr) kept.push_back(merged);
      std::sort(kept.begin(), kept.end(),
                [](const auto& x, const auto& y) { return x->MinTime() < y->MinTime(); });
      blocks_ = std::move(kept);
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    logger_.Info("Compacted blocks", {{"ulid", ulid},
                                      {"parents", parents.size()},
                                      {"mint", merged ? merged->MinTime() : 0},
                                      {"maxt", merged ? merged->MaxTime() : 0},
                                      {"duration_seconds", secs}});
    // Queries still reading a parent keep its files mapped.
    for (const auto& p : parents) WARD_RETURN_IF_ERROR(DeleteBlockDir(p->dir()));
    Hook("parents_deleted");
  }
}

Status DB::DeleteCompactedParents() {
  std::vector<std::shared_ptr<block::Block>> doomed;
  {
    std::lock_guard<std::mutex> l(blocks_mu_);
    std::vector<std::string> parents;
    for (const auto& b : blocks_) {
      for (const auto& p : b->meta().compaction.parents) parents.push_back(p.ulid);
    }
    if (parents.empty()) return Status::OK();
    std::vector<std::shared_ptr<block::Block>> kept;
    for (const auto& b : blocks_) {
      bool is_parent = std::find(parents.begin(), parents.end(), b->meta().ulid) != parents.end();
      (is_parent ? doomed : kept).push_back(b);
    }
    blocks_ = std::move(kept);
  }
  for (const auto& b : doomed) {
    logger_.Info("Deleting block already compacted into another", {{"block", b->dir()}});
    WARD_RETURN_IF_ERROR(DeleteBlockDir(b->dir()));
  }
  return Status::OK();
}

namespace {
// Hard-links (or copies) the tree `from` into `to`.
Status LinkTree(const std::string& from, const std::string& to) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return Status::IOError("create " + to + ": " + ec.message());
  for (auto it = fs::directory_iterator(from, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string src = it->path().string();
    std::string dst = to + "/" + it->path().filename().string();
    std::error_code fec;
    if (it->is_directory(fec)) {
      WARD_RETURN_IF_ERROR(LinkTree(src, dst));
      continue;
    }
    fs::create_hard_link(src, dst, fec);
    if (fec) {
      fec.clear();
      fs::copy_file(src, dst, fs::copy_options::overwrite_existing, fec);
      if (fec) return Status::IOError("snapshot " + src + ": " + fec.message());
    }
  }
  if (ec) return Status::IOError("list " + from + ": " + ec.message());
  return Status::OK();
}
}  // namespace

Status DB::Snapshot(const std::string& dir, bool with_head) {
  std::lock_guard<std::mutex> l(compact_mu_);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("create snapshot directory " + dir + ": " + ec.message());
  for (const auto& b : Blocks()) {
    std::string name = std::filesystem::path(b->dir()).filename().string();
    WARD_RETURN_IF_ERROR(LinkTree(b->dir(), dir + "/" + name).WithContext("snapshot"));
  }
  if (!with_head) return Status::OK();
  int64_t hmin = std::max(head_->MinTime(), BlocksMaxTime());
  int64_t hmax = head_->MaxTime();
  if (hmin > hmax || hmax == std::numeric_limits<int64_t>::max()) return Status::OK();
  WARD_ASSIGN_OR_RETURN(std::unique_ptr<storage::Querier> q, head_->NewQuerier(hmin, hmax));
  block::WriteBlockOptions wo;
  wo.samples_per_chunk = opts_.samples_per_chunk;
  return block::WriteBlock(dir, *q, hmin, hmax + 1, wo).status().WithContext("snapshot head");
}

Status DB::CutBlockLocked(int64_t mint, int64_t maxt) {
  DropChunkSnapshots();
  // No sample below maxt may be committed after the block is written: raise
  // the floor, then wait for appenders that checked the old floor.
  head_->SetMinValidTime(maxt);
  if (!head_->WaitForPendingReaders(std::chrono::milliseconds(opts_.truncate_wait_ms))) {
    return Status::Timeout("waiting for appenders and queries before cutting a block");
  }
  auto start = std::chrono::steady_clock::now();
  std::string ulid;
  {
    WARD_ASSIGN_OR_RETURN(std::unique_ptr<storage::Querier> q, head_->NewQuerier(mint, maxt - 1));
    block::WriteBlockOptions wo;
    wo.samples_per_chunk = opts_.samples_per_chunk;
    WARD_ASSIGN_OR_RETURN(ulid, block::WriteBlock(dir_, *q, mint, maxt, wo));
  }
  if (!ulid.empty()) {
    WARD_ASSIGN_OR_RETURN(std::shared_ptr<block::Block> b, block::Block::Open(dir_ + "/" + ulid));
    {
      std::lock_guard<std::mutex> l(blocks_mu_);
      blocks_.push_back(b);
      std::sort(blocks_.begin(), blocks_.end(),
                [](const auto& x, const auto& y) { return x->MinTime() < y->MinTime(); });
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    logger_.Info("Write block",
                 {{"ulid", ulid}, {"mint", mint}, {"maxt", maxt}, {"duration_seconds", secs}});
  }
  compactions_.fetch_add(1, std::memory_order_relaxed);
  Hook("block_written");
  return TruncateHeadLocked(maxt);
}

Status DB::TruncateHeadLocked(int64_t mint) {
  DropChunkSnapshots();
  Result<HeadTruncateStats> ts =
      head_->Truncate(mint, std::chrono::milliseconds(opts_.truncate_wait_ms));
  if (!ts.ok()) {
    head_truncations_failed_.fetch_add(1, std::memory_order_relaxed);
    return ts.status().WithContext("truncate head");
  }
  head_truncations_.fetch_add(1, std::memory_order_relaxed);
  logger_.Info("Head truncated", {{"mint", mint},
                                  {"chunks_removed", ts->chunks_removed},
                                  {"series_removed", ts->series_removed}});
  Hook("head_truncated");
  Status st = TruncateWALLocked(mint);
  if (!st.ok()) {
    checkpoints_failed_.fetch_add(1, std::memory_order_relaxed);
    return st.WithContext("checkpoint WAL");
  }
  return Status::OK();
}

Status DB::TruncateWALLocked(int64_t mint) {
  if (wal_ == nullptr) return Status::OK();
  WARD_ASSIGN_OR_RETURN(auto range, wal_->Segments());
  // Start a new segment so that a quiet head does not keep old samples in
  // the active one; the previous ones are all closed now.
  WARD_RETURN_IF_ERROR(wal_->NextSegment());
  auto [first, last] = range;
  // As Prometheus's truncateWAL: leave the newest segment out and
  // checkpoint the lower two thirds of the rest, which hold mostly samples
  // that are in blocks now.
  --last;
  if (last < 0) return Status::OK();
  int to = first + (last - first) * 2 / 3;
  if (to <= first) return Status::OK();
  std::string wal_dir = dir_ + "/wal";
  Head* head = head_.get();
  auto start = std::chrono::steady_clock::now();
  WARD_ASSIGN_OR_RETURN(
      wlog::CheckpointStats cs,
      wlog::Checkpoint(
          wal_dir, first, to, [head](uint64_t ref) { return head->GetByRef(ref) != nullptr; }, mint,
          wal_->compression()));
  checkpoints_.fetch_add(1, std::memory_order_relaxed);
  // The checkpoint is in place: the segments and older checkpoints it
  // covers can go (a crash here only leaves extra files behind).
  WARD_RETURN_IF_ERROR(wal_->Truncate(to + 1));
  WARD_RETURN_IF_ERROR(wlog::DeleteCheckpoints(wal_dir, to));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  logger_.Info("WAL checkpoint complete", {{"first", first},
                                           {"last", to},
                                           {"kept_series", cs.total_series - cs.dropped_series},
                                           {"kept_samples", cs.total_samples - cs.dropped_samples},
                                           {"duration_seconds", secs}});
  Hook("wal_checkpointed");
  return Status::OK();
}

Status DB::DeleteBlockDir(const std::string& path) {
  // Rename first so that a crash never leaves a half-deleted block that
  // would fail to open; Open removes *.tmp-for-deletion leftovers.
  std::string tmp = path + ".tmp-for-deletion";
  std::error_code ec;
  std::filesystem::rename(path, tmp, ec);
  if (ec) return Status::IOError("rename block " + path + ": " + ec.message());
  std::filesystem::remove_all(tmp, ec);
  if (ec) return Status::IOError("delete block " + tmp + ": " + ec.message());
  return Status::OK();
}

Status DB::RetentionLocked() {
  std::vector<std::shared_ptr<block::Block>> doomed;
  bool by_time = false, by_size = false;
  {
    std::lock_guard<std::mutex> l(blocks_mu_);
    if (blocks_.empty()) return Status::OK();
    std::vector<std::shared_ptr<block::Block>> newest_first = blocks_;
    std::sort(newest_first.begin(), newest_first.end(),
              [](const auto& a, const auto& b) { return a->MaxTime() > b->MaxTime(); });
    const int64_t newest = newest_first.front()->MaxTime();
    int64_t bytes = 0;
    if (opts_.max_bytes > 0) {
      bytes = DirBytes(dir_ + "/wal") + (mapper_ != nullptr ? mapper_->Size() : 0);
    }
    for (const auto& b : newest_first) {
      bool drop = false;
      if (opts_.retention_ms > 0 && newest - b->MaxTime() >= opts_.retention_ms) {
        drop = true;
        by_time = true;
      }
      if (opts_.max_bytes > 0) {
        bytes += b->Size();
        if (bytes > opts_.max_bytes) {
          if (!drop) by_size = true;
          drop = true;
        }
      }
      if (drop) doomed.push_back(b);
    }
    if (doomed.empty()) return Status::OK();
    std::vector<std::shared_ptr<block::Block>> kept;
    for (const auto& b : blocks_) {
      if (std::find(doomed.begin(), doomed.end(), b) == doomed.end()) kept.push_back(b);
    }
    blocks_ = std::move(kept);
  }
  if (by_time) time_retentions_.fetch_add(1, std::memory_order_relaxed);
  if (by_size) size_retentions_.fetch_add(1, std::memory_order_relaxed);
  // Queries still reading a doomed block keep its files mapped (unlinking a
  // mapped file is safe), so the directory can go now.
  Status result;
  for (const auto& b : doomed) {
    logger_.Info("Deleting block past retention",
                 {{"block", b->dir()}, {"max_time", b->MaxTime()}});
    Status st = DeleteBlockDir(b->dir());
    if (!st.ok() && result.ok()) result = st;
  }
  return result;
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
    one("prometheus_tsdb_blocks_loaded", "Number of currently loaded data blocks",
        MetricType::kGauge, static_cast<double>(s.blocks_loaded));
    one("prometheus_tsdb_storage_blocks_bytes",
        "The number of bytes that are currently used for local storage by all blocks.",
        MetricType::kGauge, static_cast<double>(s.blocks_bytes));
    one("prometheus_tsdb_compactions_total",
        "Total number of compactions that were executed for the partition.", MetricType::kCounter,
        static_cast<double>(s.compactions));
    one("prometheus_tsdb_compactions_failed_total",
        "Total number of compactions that failed for the partition.", MetricType::kCounter,
        static_cast<double>(s.compactions_failed));
    one("prometheus_tsdb_head_truncations_total", "Total number of head truncations attempted.",
        MetricType::kCounter, static_cast<double>(s.head_truncations + s.head_truncations_failed));
    one("prometheus_tsdb_head_truncations_failed_total",
        "Total number of head truncations that failed.", MetricType::kCounter,
        static_cast<double>(s.head_truncations_failed));
    one("prometheus_tsdb_checkpoint_creations_total",
        "Total number of checkpoint creations attempted.", MetricType::kCounter,
        static_cast<double>(s.checkpoints + s.checkpoints_failed));
    one("prometheus_tsdb_checkpoint_creations_failed_total",
        "Total number of checkpoint creations that failed.", MetricType::kCounter,
        static_cast<double>(s.checkpoints_failed));
    one("prometheus_tsdb_time_retentions_total",
        "The number of times that blocks were deleted because the maximum time limit was exceeded.",
        MetricType::kCounter, static_cast<double>(s.time_retentions));
    one("prometheus_tsdb_size_retentions_total",
        "The number of times that blocks were deleted because the maximum number of bytes was "
        "exceeded.",
        MetricType::kCounter, static_cast<double>(s.size_retentions));
    // As Prometheus: the lowest timestamp over blocks and head, or the
    // int64 max when there is no data.
    one("prometheus_tsdb_lowest_timestamp",
        "Lowest timestamp value stored in the database. The unit is decided by the library "
        "consumer.",
        MetricType::kGauge, static_cast<double>(s.lowest_timestamp));
    one("prometheus_tsdb_lowest_timestamp_seconds",
        "Lowest timestamp value stored in the database.", MetricType::kGauge,
        static_cast<double>(s.lowest_timestamp / 1000));
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
  std::vector<std::unique_ptr<storage::Querier>> qs;
  {
    std::lock_guard<std::mutex> l(blocks_mu_);
    for (const auto& b : blocks_) {
      if (b->MinTime() > maxt || b->MaxTime() <= mint) continue;
      WARD_ASSIGN_OR_RETURN(std::unique_ptr<storage::Querier> q, b->NewQuerier(mint, maxt));
      qs.push_back(std::move(q));
    }
  }
  WARD_ASSIGN_OR_RETURN(std::unique_ptr<storage::Querier> hq, head_->NewQuerier(mint, maxt));
  if (qs.empty()) return hq;
  // Blocks first: on a timestamp both hold (between cutting a block and
  // truncating the head) the block's sample wins.
  qs.push_back(std::move(hq));
  return std::unique_ptr<storage::Querier>(std::make_unique<block::MergeQuerier>(std::move(qs)));
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
  if (compact_thread_.joinable()) compact_thread_.join();
  // A running Compact() (on another thread) finishes before the WAL closes.
  std::lock_guard<std::mutex> cl(compact_mu_);
  Status result;
  int wal_segment = -1;
  if (wal_ != nullptr) {
    wal_segment = wal_->ActiveSegment();
    Status st = wal_->Close();
    if (!st.ok() && result.ok()) result = st.WithContext("close WAL");
  }
  if (mapper_ != nullptr) {
    Status st = mapper_->Close();
    if (!st.ok() && result.ok()) result = st.WithContext("close chunks_head");
  }
  // The snapshot needs a WAL and chunks_head known to be on disk, and a
  // head that took every commit (not after a failed fsync).
  if (opts_.memory_snapshot_on_shutdown && result.ok() && wal_ != nullptr && mapper_ != nullptr &&
      head_ != nullptr && wal_segment >= 0 && !head_->writes_disabled()) {
    WriteChunkSnapshot(wal_segment);
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
  s.compactions = compactions_.load(std::memory_order_relaxed);
  s.compactions_failed = compactions_failed_.load(std::memory_order_relaxed);
  s.head_truncations = head_truncations_.load(std::memory_order_relaxed);
  s.head_truncations_failed = head_truncations_failed_.load(std::memory_order_relaxed);
  s.checkpoints = checkpoints_.load(std::memory_order_relaxed);
  s.checkpoints_failed = checkpoints_failed_.load(std::memory_order_relaxed);
  s.time_retentions = time_retentions_.load(std::memory_order_relaxed);
  s.size_retentions = size_retentions_.load(std::memory_order_relaxed);
  s.lowest_timestamp = std::numeric_limits<int64_t>::max();
  {
    std::lock_guard<std::mutex> l(blocks_mu_);
    s.blocks_loaded = blocks_.size();
    for (const auto& b : blocks_) {
      s.blocks_bytes += b->Size();
      s.lowest_timestamp = std::min(s.lowest_timestamp, b->MinTime());
    }
  }
  if (s.head_min_time <= s.head_max_time) {
    s.lowest_timestamp = std::min(s.lowest_timestamp, s.head_min_time);
  }
  return s;
}

}  // namespace ward::tsdb
