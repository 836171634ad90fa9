// Head: the in-memory part of the TSDB, where every sample lands first.
// Series are interned (labels as sorted symbol-id pairs, see symbols.h),
// found by the xxh3 hash of their label set through lock stripes, and
// indexed in MemPostings. Each series appends to one open XOR chunk; a full
// chunk (about 120 samples, or at a chunk-range boundary, as Prometheus cuts)
// is written to the ChunkDiskMapper (chunks_head/) so memory holds only open
// chunks. Appends go through HeadAppender (head_append.cc), which logs to the
// WAL before making samples visible; reads through HeadQuerier
// (head_read.cc); restart replays chunks_head and the WAL (head_wal.cc).
// Truncate (head_truncate.cc) drops what a block now holds: chunks older
// than a time, then series left empty. Queriers and appenders register as
// readers in one of two epoch slots; memory and chunk files that a reader
// may still see are freed only after every reader older than the unlink
// has finished (the DB waits for them, as Prometheus waits for pending
// readers before truncating).
// Thread safety: Head is thread-safe; appenders and queriers are per thread;
// Truncate calls are serialised internally.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "model/labels/labels.h"
#include "storage/interface.h"
#include "tsdb/chunkenc/xor.h"
#include "tsdb/postings.h"
#include "tsdb/symbols.h"
#include "tsdb/tombstones/tombstones.h"
#include "util/log.h"
#include "util/result.h"

namespace ward::tsdb {

namespace wlog {
class WL;
enum class Compression;
}  // namespace wlog
namespace chunks {
class ChunkDiskMapper;
}
struct ChunkSnapshotPosition;
struct ChunkSnapshotStats;

struct HeadOptions {
  // Chunks never span a multiple of this (ms). Default: 2h, the min block
  // duration (Prometheus's chunkRange).
  int64_t chunk_range_ms = 2 * 60 * 60 * 1000;
  // Target samples per chunk. Default: 120.
  int samples_per_chunk = 120;
};

// Head counters (exported by DB::ExportMetrics). Lock-free reads.
struct HeadStats {
  std::atomic<uint64_t> samples_appended{0};
  std::atomic<uint64_t> out_of_order{0};   // rejected or dropped as older
  std::atomic<uint64_t> duplicates{0};     // same timestamp, other value
  std::atomic<uint64_t> out_of_bounds{0};  // older than the min valid time
  std::atomic<uint64_t> series_created{0};
  std::atomic<uint64_t> chunks_created{0};
  std::atomic<uint64_t> chunks_mmapped{0};  // written to chunks_head
  std::atomic<uint64_t> wal_replay_unknown_refs{0};
  std::atomic<uint64_t> wal_replay_samples{0};
};

// A full chunk: on disk (ChunkDiskMapper ref) or, with no mapper or after a
// failed write, in the head's in-memory store (ref = index there).
struct ChunkMeta {
  uint64_t ref = 0;
  int64_t mint = 0;
  int64_t maxt = 0;
  uint16_t num_samples = 0;
  bool in_memory = false;
};

// A one-byte lock for per-series state, held for a few hundred nanoseconds
// (append a sample, copy a chunk) or one chunk write. Spins, then yields.
class SpinLock {
 public:
  void lock() {
    int spins = 0;
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
          __builtin_ia32_pause();
#endif
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

// The full chunks of a series, sorted by time: one pointer, null while the
// series has none (most of the head's life for a young series), else one
// heap block of a count, a capacity and the metas. Not thread-safe (guarded
// by the series lock).
class ChunkList {
 public:
  ChunkList() = default;
  ~ChunkList() { std::free(rep_); }
  ChunkList(const ChunkList&) = delete;
  ChunkList& operator=(const ChunkList&) = delete;
  ChunkList& operator=(std::vector<ChunkMeta>&& v);

  size_t size() const { return rep_ == nullptr ? 0 : rep_->size; }
  bool empty() const { return size() == 0; }
  ChunkMeta* begin() { return rep_ == nullptr ? nullptr : rep_->metas(); }
  ChunkMeta* end() { return begin() + size(); }
  const ChunkMeta* begin() const { return rep_ == nullptr ? nullptr : rep_->metas(); }
  const ChunkMeta* end() const { return begin() + size(); }
  ChunkMeta& operator[](size_t i) { return rep_->metas()[i]; }
  const ChunkMeta& operator[](size_t i) const { return rep_->metas()[i]; }
  const ChunkMeta& front() const { return rep_->metas()[0]; }
  const ChunkMeta& back() const { return rep_->metas()[rep_->size - 1]; }

  void push_back(const ChunkMeta& m);
  // Removes [first, last). REQUIRES: a range of this list.
  void erase(const ChunkMeta* first, const ChunkMeta* last);
  // Moves the metas out, leaving the list empty.
  std::vector<ChunkMeta> Take();

 private:
  // The block: this header, then `cap` metas.
  struct alignas(ChunkMeta) Rep {
    uint32_t size;
    uint32_t cap;
    ChunkMeta* metas() { return reinterpret_cast<ChunkMeta*>(this + 1); }
  };
  void Grow(uint32_t cap);
  Rep* rep_ = nullptr;
};

// The open chunk of a series, if any: an XORChunk whose "none" is a chunk
// without a buffer, so it costs no more than the chunk (std::optional would
// add 8 bytes a series). Not thread-safe (guarded by the series lock).
class OpenChunk {
 public:
  OpenChunk() : c_(chunkenc::XORChunk::NoBuffer{}) {}
  bool has_value() const { return c_.has_buffer(); }
  chunkenc::XORChunk* operator->() { return &c_; }
  const chunkenc::XORChunk* operator->() const { return &c_; }
  chunkenc::XORChunk& operator*() { return c_; }
  const chunkenc::XORChunk& operator*() const { return c_; }
  // Starts a new empty chunk.
  void emplace() { c_ = chunkenc::XORChunk(); }
  // Takes `c`. REQUIRES: c has a buffer.
  void emplace(chunkenc::XORChunk&& c) { c_ = std::move(c); }
  void reset() { c_ = chunkenc::XORChunk(chunkenc::XORChunk::NoBuffer{}); }

 private:
  chunkenc::XORChunk c_;
};

// One series of the head, in one allocation with its labels (New/Free):
// the header below, then its 2*nlabels symbol ids (name, value, ... sorted
// by name) as uvarints, 1-3 bytes each instead of 4. `ref`, `id`, `hash`,
// `nlabels` and the ids never change after creation; `next_same_hash` is
// guarded by the hash stripe; the rest by `lock`. Hot append fields come
// first.
struct MemSeries {
  // A series with labels `ids` (2*nlabels symbol ids).
  static MemSeries* New(const uint32_t* ids, uint32_t nlabels);
  // Frees a series from New. Null is a no-op.
  static void Free(MemSeries* s);
  struct Deleter {
    void operator()(MemSeries* s) const { Free(s); }
  };

  SpinLock lock;
  bool has_last_v = false;
  std::atomic<bool> in_wal{false};  // a series record for it is in the WAL
  bool removed = false;             // unlinked by Truncate; appenders look up again
  uint32_t id = 0;                  // dense id used in postings
  uint64_t ref = 0;                 // stable series ref (also in WAL records)
  int64_t last_t = std::numeric_limits<int64_t>::min();  // newest sample
  uint64_t last_v_bits = 0;
  int64_t head_mint = 0;   // first sample of head_chunk (its newest is last_t)
  int64_t next_at = 0;     // cut the head chunk at or after this time
  OpenChunk head_chunk;    // the open chunk, if any
  ChunkList full_chunks;                         // sorted by time
  uint32_t pending_commits = 0;                  // samples of uncommitted appenders; blocks removal
  uint16_t nlabels = 0;
  // head_chunk came from a chunk snapshot and has no append state yet
  // (PrepareRestoredChunk builds it on the first append).
  bool restored_chunk = false;

  uint64_t hash = 0;                    // xxh3 of the label set
  MemSeries* next_same_hash = nullptr;  // collision chain

  // Newest sample of head_chunk. REQUIRES: head_chunk.has_value().
  int64_t head_maxt() const { return last_t; }

  // Calls f(name_id, value_id) for each label in order while f returns true.
  template <typename F>
  void ForEachLabel(F&& f) const {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(this + 1);
    for (uint32_t i = 0; i < nlabels; ++i) {
      uint32_t n = ReadId(&p);
      uint32_t v = ReadId(&p);
      if (!f(n, v)) return;
    }
  }
  // Writes the 2*nlabels symbol ids to out.
  void DecodeIds(uint32_t* out) const;

 private:
  MemSeries() = default;
  ~MemSeries() = default;
  static uint32_t ReadId(const uint8_t** p) {
    uint32_t v = 0;
    int shift = 0;
    uint8_t b;
    do {
      b = *(*p)++;
      v |= static_cast<uint32_t>(b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    return v;
  }
};

// The symbol ids of a series, decoded (inline up to 16 labels).
class SeriesIds {
 public:
  explicit SeriesIds(const MemSeries& s) : n_(2 * size_t{s.nlabels}) {
    if (n_ > kInline) {
      heap_.reset(new uint32_t[n_]);
      p_ = heap_.get();
    }
    s.DecodeIds(p_);
  }
  const uint32_t* data() const { return p_; }
  uint32_t operator[](size_t i) const { return p_[i]; }

 private:
  static constexpr size_t kInline = 32;
  size_t n_;
  uint32_t inline_[kInline];
  std::unique_ptr<uint32_t[]> heap_;
  uint32_t* p_ = inline_;
};

class HeadAppender;
class HeadQuerier;
class Head;

// Registration of one reader (querier, its series sets and iterators) in the
// head's epoch; releases it when the last copy is gone.
class HeadReadPin {
 public:
  explicit HeadReadPin(Head* head);
  ~HeadReadPin();
  HeadReadPin(const HeadReadPin&) = delete;
  HeadReadPin& operator=(const HeadReadPin&) = delete;

 private:
  Head* const head_;
  const int slot_;
};

struct HeadTruncateStats {
  uint64_t chunks_removed = 0;
  uint64_t series_removed = 0;
};

class Head : public storage::Appendable, public storage::Queryable {
 public:
  // `wal` and `mapper` are optional and must outlive the head. Without a WAL
  // commits are not logged; without a mapper full chunks stay in memory.
  Head(HeadOptions opts, wlog::WL* wal, chunks::ChunkDiskMapper* mapper);
  ~Head() override;
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  // Sets the WAL after replay (DB opens the writer once replay repaired it).
  void SetWAL(wlog::WL* wal) { wal_ = wal; }

  // Replays chunks_head (when a mapper is set) and then the WAL in `wal_dir`
  // (last checkpoint, then later segments). A corrupt WAL tail is repaired
  // with wlog::Repair when `repair` is set, else replay stops there; either
  // way it is logged and replay succeeds with everything before it. A
  // missing directory is an empty WAL. With a loaded chunk snapshot
  // (`snapshot`, from LoadChunkSnapshot) chunks_head is attached to the
  // snapshot's series and only the WAL after the snapshot's position is
  // read (the checkpoint only when it is at or after the snapshot's
  // segment), as Prometheus's Head.Init. If chunks_head lost a corrupt tail
  // then, the samples in it exist only in the WAL before the snapshot:
  // Corruption, and the caller replays a new head without the snapshot.
  // REQUIRES: called once, before use.
  Status Replay(const std::string& wal_dir, bool repair,
                const ChunkSnapshotPosition* snapshot = nullptr);

  // Chunk snapshots (head_snapshot.cc, format in head_snapshot.h).
  // Writes every series with its open chunk, and the tombstones, to
  // <root>/chunk_snapshot.<wal_segment>.<wal_offset> (via a .tmp directory,
  // fsynced, renamed), then deletes older snapshots. REQUIRES: no appends
  // since the WAL position was taken and full chunks are on disk (a chunk
  // kept in memory after a failed chunks_head write makes this fail with
  // Unavailable: the snapshot holds open chunks only). With `wal_dir`, the
  // sizes of its segments up to wal_segment go to a `wal_sizes` file in the
  // snapshot (ignored by Prometheus), so that a load notices a WAL changed
  // since (torn, cut) and replays it instead.
  Result<ChunkSnapshotStats> WriteChunkSnapshot(const std::string& root, int wal_segment,
                                                int64_t wal_offset, wlog::Compression compression,
                                                const std::string& wal_dir = "");
  // Loads the newest snapshot in `root` into this (empty) head and sets
  // *pos (pos->loaded() false when there is none, or when the WAL in
  // `wal_dir` ends before the snapshot's segment, or its segment is shorter
  // than the snapshot's offset: such a stale snapshot is deleted). On error the head holds part of
  // the snapshot: the caller discards this head, deletes the snapshot and replays the WAL in full.
  // REQUIRES: called before Replay.
  Status LoadChunkSnapshot(const std::string& root, const std::string& wal_dir,
                           ChunkSnapshotPosition* pos);
  // Reads chunks_head's chunk list (file reads and CRC checks) into memory
  // for the next Replay, which then does not read the files again. Touches
  // only the mapper and its own buffer, so it may run on a second thread
  // while LoadChunkSnapshot runs on this head (the two overlap on startup).
  // REQUIRES: before Replay; joined before Replay or the head's destruction.
  void PrescanChunksHead();

  std::unique_ptr<storage::Appender> NewAppender() override;
  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint_ms, int64_t maxt_ms) override;

  // Time range of the samples in the head; MinTime() > MaxTime() when empty.
  int64_t MinTime() const { return min_time_.load(std::memory_order_relaxed); }
  int64_t MaxTime() const { return max_time_.load(std::memory_order_relaxed); }
  uint64_t NumSeries() const { return num_series_.load(std::memory_order_relaxed); }
  const HeadStats& stats() const { return stats_; }

  // Appends are rejected (kWriteDisabled) after this, e.g. after a failed
  // WAL fsync: the state on disk is unknown, so stop writing.
  void DisableWrites(const Status& why);
  bool writes_disabled() const { return writes_disabled_.load(std::memory_order_acquire); }

  // Samples older than this are out of bounds (Prometheus's
  // appendableMinValidTime: newest sample minus half a chunk range, and
  // never below the newest block's max time).
  int64_t MinValidTime() const;
  // Raises the floor of MinValidTime to `t` (never lowers it). Replay skips
  // WAL samples and chunks_head chunks older than the floor, and commits
  // drop samples below it (counted as out of bounds).
  void SetMinValidTime(int64_t t);

  // Drops every chunk ending before `mint` and every series left without
  // samples and without a pending commit; sets the floor of MinValidTime to
  // `mint`. First waits (up to `wait`) for the readers and appenders that
  // started before the call, so none of them loses data it already saw; the
  // freed series and the chunks_head files no chunk refers to any more are
  // released once the readers that might still see them are gone (here, or
  // at a later call). Timeout, with nothing truncated, if readers are still
  // active after `wait`.
  Result<HeadTruncateStats> Truncate(int64_t mint, std::chrono::milliseconds wait);

  // Waits until every reader and appender registered before the call has
  // finished; false on timeout. Serialised with Truncate.
  bool WaitForPendingReaders(std::chrono::milliseconds wait);

  const HeadOptions& options() const { return opts_; }

  // The series with `ref`, or null. The pointer lives as long as the head.
  // Lock-free when ref == id + 1 (series the head created itself, in order).
  MemSeries* GetByRef(uint64_t ref) const;
  // The series with these labels, or null.
  MemSeries* GetByLabels(const labels::Labels& lset, uint64_t hash) const;
  // The labels of `s` (allocates).
  labels::Labels LabelsOf(const MemSeries& s) const;

  // Deletes the samples in [mint, maxt] of every series matching all of
  // `ms` (head_delete.cc): adds in-memory tombstones (clipped to the head's
  // time range), logged to the WAL as one tombstones record first, so that
  // Replay restores them. Queriers opened afterwards skip the samples.
  Status Delete(int64_t mint, int64_t maxt, const std::vector<labels::Matcher>& ms);
  // The head's tombstones by series ref (a snapshot; null when none).
  std::shared_ptr<const tombstones::MemTombstones> Tombstones() const;

 private:
  friend class HeadAppender;
  friend class HeadQuerier;
  friend class HeadSeriesSet;
  friend class HeadReadPin;

  // Epoch registration (head_truncate.cc). EnterRead returns the slot.
  int EnterRead();
  void ExitRead(int slot) { readers_[slot].fetch_sub(1, std::memory_order_seq_cst); }
  // REQUIRES: truncate_mu_ held.
  bool WaitReadersLocked(std::chrono::milliseconds wait);
  // REQUIRES: truncate_mu_ held, readers drained since retired_ was filled.
  void FreeRetiredLocked(bool truncate_files);
  void Unlink(MemSeries* s);

  static constexpr size_t kStripes = 4096;
  struct SeriesHash {
    using is_transparent = void;
    size_t operator()(uint64_t h) const { return absl::Hash<uint64_t>()(h); }
    size_t operator()(const MemSeries* s) const { return (*this)(s->hash); }
  };
  struct SeriesHashEq {
    using is_transparent = void;
    static uint64_t H(uint64_t h) { return h; }
    static uint64_t H(const MemSeries* s) { return s->hash; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return H(a) == H(b);
    }
  };
  struct Stripe {
    mutable std::mutex mu;
    // One series per label-set hash, the others with that hash chained via
    // next_same_hash; found by the hash alone (8 bytes a slot).
    absl::flat_hash_set<MemSeries*, SeriesHash, SeriesHashEq> by_hash;
    // Only series whose ref is not id + 1 (GetByRef finds the others by id).
    absl::flat_hash_map<uint64_t, MemSeries*> by_ref;
  };

  static SpinLock& SeriesLock(MemSeries* s) { return s->lock; }
  bool SameLabels(const MemSeries& s, const labels::Labels& lset) const;
  // Finds or creates the series; `ref` 0 assigns a new ref. *created tells
  // which. Returns null when the head is out of ids.
  MemSeries* GetOrCreate(const labels::Labels& lset, uint64_t hash, uint64_t ref, bool* created);

  // Appends one sample to `s` (REQUIRES: SeriesLock(s) held). Returns false
  // and appends nothing when t is not newer than the series' newest sample.
  bool AppendLocked(MemSeries* s, int64_t t, double v);
  void CutHeadChunk(MemSeries* s, int64_t t);
  void FlushHeadChunk(MemSeries* s);  // moves the open chunk to full_chunks
  // The bytes of a full chunk; views live as long as the head.
  Result<std::string_view> ChunkBytes(const ChunkMeta& c) const;
  void UpdateMinMax(int64_t mint, int64_t maxt);
  int Compare(const MemSeries& a, const MemSeries& b) const;  // labels order

  // Replay helpers (head_wal.cc).
  // *dropped (optional): whether a corrupt tail of chunks_head was cut off.
  // to_series: chunks of series that exist already are appended to their
  // full_chunks (unsorted, unfiltered: pass them through AttachMmapped).
  Status ReplayChunksHead(absl::flat_hash_map<uint64_t, std::vector<ChunkMeta>>* mmapped,
                          bool* dropped = nullptr, bool to_series = false);
  Status ReplayRecords(const std::string& dir, int first, int last, int64_t first_offset,
                       bool is_checkpoint, bool repair,
                       absl::flat_hash_map<uint64_t, std::vector<ChunkMeta>>* mmapped,
                       absl::flat_hash_map<uint64_t, MemSeries*>* aliases);
  void AttachMmapped(MemSeries* s, std::vector<ChunkMeta> chunks);
  // The result of PrescanChunksHead (consumed by ReplayChunksHead).
  struct Prescan {
    struct Chunk {
      uint64_t series_ref = 0;
      ChunkMeta meta;
    };
    std::vector<Chunk> chunks;  // XOR, in-order chunks, in file order
    Status status;
    int64_t dropped = 0;  // bytes of a corrupt tail that was cut off
  };
  std::unique_ptr<Prescan> prescan_;
  // Sets s->last_v_bits from the newest full chunk when it is not known
  // (after replay) and that chunk ends at s->last_t. False if unknown.
  // REQUIRES: s->lock held.
  bool RecoverLastValue(MemSeries* s) const;
  // A head chunk restored from a snapshot has no appender yet (app null):
  // builds it and the chunk's cut time as appending its samples would have.
  // False (chunk dropped) if the bytes do not decode. REQUIRES: s->lock held.
  bool PrepareRestoredChunk(MemSeries* s);

  const HeadOptions opts_;
  wlog::WL* wal_;
  chunks::ChunkDiskMapper* const mapper_;
  const log::Logger logger_{"tsdb"};

  SymbolTable symbols_;
  MemPostings postings_{&symbols_};
  std::unique_ptr<Stripe[]> stripes_;
  PagedArray<MemSeries*, 16, 1 << 16> by_id_;  // id -> series; writes under create_mu_

  std::mutex create_mu_;
  uint32_t next_id_ = 0;               // guarded by create_mu_
  std::atomic<uint32_t> num_ids_{0};   // next_id_, published after by_id_.Set
  std::atomic<uint64_t> next_ref_{1};  // next series ref to hand out
  std::atomic<uint64_t> num_series_{0};
  std::atomic<int64_t> min_time_{std::numeric_limits<int64_t>::max()};
  std::atomic<int64_t> max_time_{std::numeric_limits<int64_t>::min()};
  std::atomic<int64_t> min_valid_time_{std::numeric_limits<int64_t>::min()};
  std::atomic<bool> writes_disabled_{false};
  // While a chunk snapshot loads (single-threaded, before any use),
  // GetOrCreate leaves postings to one MemPostings::AddBatch at the end.
  bool bulk_load_ = false;

  std::atomic<uint64_t> epoch_{0};
  std::atomic<int64_t> readers_[2] = {0, 0};
  std::mutex truncate_mu_;
  // Unlinked series and the chunks_head file index below which no chunk is
  // referenced, released after the next reader drain. Guarded by truncate_mu_.
  std::vector<MemSeries*> retired_;
  uint32_t retired_files_before_ = 0;

  mutable std::mutex mem_chunks_mu_;
  std::deque<std::string> mem_chunks_;  // guarded by mem_chunks_mu_; elements never move

  // Copy-on-write tombstones: Delete and replay swap in a new set under
  // tomb_mu_; queriers keep the set they took. Null when there are none.
  mutable std::mutex tomb_mu_;
  std::shared_ptr<const tombstones::MemTombstones> tombstones_;
  // Adds `stones` to tombstones_ (under tomb_mu_).
  void AddTombstones(const std::vector<std::pair<uint64_t, tombstones::Interval>>& stones);

  HeadStats stats_;
};

}  // namespace ward::tsdb
