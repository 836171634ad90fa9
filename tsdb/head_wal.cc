// Head replay at startup: chunks_head first (full chunks on disk), then the
// WAL's last checkpoint and the segments after it. Follows Prometheus's
// Head.Init / loadWAL (tsdb/head_wal.go), serially.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "tsdb/chunks/head_chunks.h"
#include "tsdb/head.h"
#include "tsdb/head_snapshot.h"
#include "tsdb/record/record.h"
#include "tsdb/wlog/checkpoint.h"
#include "tsdb/wlog/reader.h"
#include "tsdb/wlog/wlog.h"

namespace ward::tsdb {

namespace {
bool DirExists(const std::string& d) {
  struct stat st;
  return ::stat(d.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
}  // namespace

Status Head::ReplayChunksHead(absl::flat_hash_map<uint64_t, std::vector<ChunkMeta>>* mmapped,
                              bool* dropped_tail, bool to_series) {
  if (mapper_ == nullptr) return Status::OK();
  int64_t dropped = 0;
  // With to_series, chunks of existing series (a loaded snapshot) go
  // straight to their full_chunks, which AttachMmapped finishes later:
  // chunk files list series in about creation order, so this walks the
  // series sequentially instead of through a hash map.
  MemSeries* last = nullptr;
  auto take = [&](uint64_t series_ref, uint64_t chunk_ref, int64_t mint, int64_t maxt,
                  uint16_t num_samples, chunkenc::Encoding enc, bool out_of_order) -> Status {
        // Histogram and out-of-order chunks: not kept by ward's head yet.
        if (enc != chunkenc::Encoding::kXOR || out_of_order) return Status::OK();
        ChunkMeta m;
        m.ref = chunk_ref;
        m.mint = mint;
        m.maxt = maxt;
        m.num_samples = num_samples;
        if (to_series) {
          MemSeries* s = last != nullptr && last->ref == series_ref ? last : GetByRef(series_ref);
          if (s != nullptr) {
            last = s;
            std::lock_guard<SpinLock> l(s->lock);
            s->full_chunks.push_back(m);
            return Status::OK();
          }
        }
        (*mmapped)[series_ref].push_back(m);
        return Status::OK();
  };
  Status st;
  if (prescan_ != nullptr) {
    // Read already (PrescanChunksHead, while a snapshot loaded).
    std::unique_ptr<Prescan> pre = std::move(prescan_);
    st = pre->status;
    dropped = pre->dropped;
    for (size_t i = 0; st.ok() && i < pre->chunks.size(); ++i) {
      const Prescan::Chunk& c = pre->chunks[i];
      st = take(c.series_ref, c.meta.ref, c.meta.mint, c.meta.maxt, c.meta.num_samples,
                chunkenc::Encoding::kXOR, false);
    }
  } else {
    st = mapper_->IterateAllChunks(take, &dropped);
  }
  if (!st.ok()) return st.WithContext("replay chunks_head");
  if (dropped_tail != nullptr) *dropped_tail = dropped > 0;
  if (dropped > 0) {
    logger_.Warn("Dropped a torn or corrupt tail of chunks_head; the WAL has those samples",
                 {{"dropped_bytes", dropped}});
  }
  for (auto& [ref, list] : *mmapped) {
    std::sort(list.begin(), list.end(),
              [](const ChunkMeta& a, const ChunkMeta& b) { return a.mint < b.mint; });
  }
  return Status::OK();
}

void Head::PrescanChunksHead() {
  if (mapper_ == nullptr) return;
  auto pre = std::make_unique<Prescan>();
  pre->status = mapper_->IterateAllChunks(
      [&](uint64_t series_ref, uint64_t chunk_ref, int64_t mint, int64_t maxt, uint16_t num_samples,
          chunkenc::Encoding enc, bool out_of_order) -> Status {
        if (enc != chunkenc::Encoding::kXOR || out_of_order) return Status::OK();
        Prescan::Chunk c;
        c.series_ref = series_ref;
        c.meta.ref = chunk_ref;
        c.meta.mint = mint;
        c.meta.maxt = maxt;
        c.meta.num_samples = num_samples;
        pre->chunks.push_back(c);
        return Status::OK();
      },
      &pre->dropped);
  prescan_ = std::move(pre);
}

void Head::AttachMmapped(MemSeries* s, std::vector<ChunkMeta> chunks) {
  if (chunks.empty()) return;
  std::lock_guard<SpinLock> l(s->lock);
  if (!s->full_chunks.empty()) return;  // already attached
  // Drop chunks overlapping a previous one (left by an unclean cut) and
  // chunks a block already holds (older than the min valid time).
  const int64_t floor = min_valid_time_.load(std::memory_order_relaxed);
  std::vector<ChunkMeta> kept;
  for (const ChunkMeta& c : chunks) {
    if (c.maxt < floor) continue;
    if (!kept.empty() && c.mint <= kept.back().maxt) continue;
    kept.push_back(c);
  }
  if (kept.empty()) return;
  s->full_chunks = std::move(kept);
  const ChunkMeta& last = s->full_chunks.back();
  if (s->head_chunk.has_value()) {
    // A head chunk from the chunk snapshot: if a chunk written after the
    // snapshot reaches into it, that chunk already holds its samples (the
    // head chunk was cut after a restart), so drop it, as Prometheus does.
    if (last.maxt < s->head_mint) {
      UpdateMinMax(s->full_chunks.front().mint, last.maxt);
      return;
    }
    s->head_chunk.reset();
  }
  s->last_t = last.maxt;
  // The newest value is read from the chunk only if an append at exactly
  // last_t needs it (RecoverLastValue): decoding every series' last chunk
  // here cost a seventh of the replay.
  s->has_last_v = false;
  UpdateMinMax(s->full_chunks.front().mint, last.maxt);
}

Status Head::ReplayRecords(const std::string& dir, int first, int last, int64_t first_offset,
                           bool is_checkpoint, bool repair,
                           absl::flat_hash_map<uint64_t, std::vector<ChunkMeta>>* mmapped,
                           absl::flat_hash_map<uint64_t, MemSeries*>* aliases) {
  WARD_ASSIGN_OR_RETURN(std::unique_ptr<wlog::Reader> reader,
                        wlog::Reader::Open(dir, first, last, first_offset));
  std::vector<record::RefSeries> series;
  std::vector<record::RefSample> samples;
  uint64_t records = 0;
  Status decode_err;
  // Where the current record starts: records never span segments, so a
  // record in a new segment starts at offset 0.
  int last_seg = first, bad_seg = -1;
  int64_t last_end = first_offset, bad_off = 0;
  while (reader->Next()) {
    int seg = reader->Segment();
    int64_t start = seg == last_seg ? last_end : 0;
    last_seg = seg;
    last_end = reader->Offset();
    std::string_view rec = reader->Record();
    ++records;
    switch (record::GetType(rec)) {
      case record::Type::kSeries: {
        series.clear();
        Status st = record::DecodeSeries(rec, &series);
        if (!st.ok()) {
          decode_err = st;
          break;
        }
        for (record::RefSeries& rs : series) {
          bool created = false;
          MemSeries* s = GetOrCreate(rs.labels, rs.labels.Hash(), rs.ref, &created);
          if (s == nullptr) return Status::Unavailable("head is out of series ids");
          s->in_wal.store(true, std::memory_order_release);
          if (!created && s->ref != rs.ref) (*aliases)[rs.ref] = s;  // same labels, another ref
          auto it = mmapped->find(s->ref);
          if (it != mmapped->end()) {
            AttachMmapped(s, std::move(it->second));
            mmapped->erase(it);
          }
        }
        break;
      }
      case record::Type::kSamples: {
        samples.clear();
        Status st = record::DecodeSamples(rec, &samples);
        if (!st.ok()) {
          decode_err = st;
          break;
        }
        int64_t mint = std::numeric_limits<int64_t>::max();
        int64_t maxt = std::numeric_limits<int64_t>::min();
        const int64_t floor = min_valid_time_.load(std::memory_order_relaxed);
        for (const record::RefSample& rs : samples) {
          if (rs.t < floor) continue;  // a block holds it (head truncated before a crash)
          MemSeries* s = nullptr;
          if (!aliases->empty()) {
            auto it = aliases->find(rs.ref);
            if (it != aliases->end()) s = it->second;
          }
          if (s == nullptr) s = GetByRef(rs.ref);
          if (s == nullptr) {
            stats_.wal_replay_unknown_refs.fetch_add(1, std::memory_order_relaxed);
            continue;
          }
          std::lock_guard<SpinLock> l(s->lock);
          // Samples already in an mmapped chunk, or otherwise not newer, are
          // skipped, as Prometheus does.
          if (AppendLocked(s, rs.t, rs.v)) {
            stats_.wal_replay_samples.fetch_add(1, std::memory_order_relaxed);
            mint = std::min(mint, rs.t);
            maxt = std::max(maxt, rs.t);
          }
        }
        if (mint <= maxt) UpdateMinMax(mint, maxt);
        break;
      }
      case record::Type::kTombstones: {
        std::vector<record::Stone> stones;
        Status st = record::DecodeTombstones(rec, &stones);
        if (!st.ok()) {
          decode_err = st;
          break;
        }
        std::vector<std::pair<uint64_t, tombstones::Interval>> add;
        for (const record::Stone& rs : stones) {
          MemSeries* s = nullptr;
          if (!aliases->empty()) {
            auto it = aliases->find(rs.ref);
            if (it != aliases->end()) s = it->second;
          }
          if (s == nullptr) s = GetByRef(rs.ref);
          if (s == nullptr) continue;  // series gone (truncated): nothing to hide
          add.push_back({s->ref, {rs.mint, rs.maxt}});
        }
        if (!add.empty()) AddTombstones(add);
        break;
      }
      default:
        // Exemplars, metadata, mmap markers, histograms: not kept
        // by ward's head yet; skipping them keeps float data intact.
        break;
    }
    if (!decode_err.ok()) {
      bad_seg = seg;
      bad_off = start;
      break;
    }
  }
  Status err = reader->Err();
  if (err.ok() && !decode_err.ok()) {
    err = decode_err.WithContext("decode WAL record in segment " + std::to_string(bad_seg) +
                                 " at offset " + std::to_string(bad_off));
  }
  if (err.ok()) return Status::OK();
  if (is_checkpoint) return err.WithContext("replay WAL checkpoint " + dir);
  if (!err.IsCorruption()) return err.WithContext("replay WAL");
  int seg = bad_seg >= 0 ? bad_seg : reader->Segment();
  int64_t off = bad_seg >= 0 ? bad_off : reader->Offset();
  if (!repair) {
    logger_.Warn("WAL is damaged; replay stops there",
                 {{"err", err}, {"segment", seg}, {"offset", off}, {"records_read", records}});
    return Status::OK();
  }
  logger_.Warn("Encountered WAL read error, attempting repair",
               {{"err", err}, {"segment", seg}, {"offset", off}, {"records_read", records}});
  reader.reset();
  Status rst = wlog::Repair(dir, seg, off);
  if (!rst.ok()) return rst.WithContext("repair WAL");
  logger_.Info("WAL repaired; records after the corruption were dropped", {});
  return Status::OK();
}

Status Head::Replay(const std::string& wal_dir, bool repair,
                    const ChunkSnapshotPosition* snapshot) {
  absl::flat_hash_map<uint64_t, std::vector<ChunkMeta>> mmapped;
  bool dropped_tail = false;
  const int snap_seg = snapshot != nullptr && snapshot->loaded() ? snapshot->segment : -1;
  WARD_RETURN_IF_ERROR(ReplayChunksHead(&mmapped, &dropped_tail, /*to_series=*/snap_seg >= 0));
  if (snap_seg >= 0 && dropped_tail) {
    return Status::Corruption(
        "chunks_head lost chunks whose samples are in the WAL before the chunk snapshot");
  }
  if (snap_seg >= 0) {
    // The snapshot's series take their chunks_head chunks now (collected in
    // their full_chunks); the rest go to series the WAL creates.
    const uint32_t n = num_ids_.load(std::memory_order_acquire);
    for (uint32_t id = 0; id < n; ++id) {
      MemSeries* s = by_id_.Get(id);
      if (s == nullptr || s->full_chunks.empty()) continue;
      std::vector<ChunkMeta> list;
      {
        std::lock_guard<SpinLock> l(s->lock);
        list = s->full_chunks.Take();
      }
      if (!std::is_sorted(list.begin(), list.end(),
                          [](const ChunkMeta& a, const ChunkMeta& b) { return a.mint < b.mint; })) {
        std::sort(list.begin(), list.end(),
                  [](const ChunkMeta& a, const ChunkMeta& b) { return a.mint < b.mint; });
      }
      AttachMmapped(s, std::move(list));
    }
  }
  absl::flat_hash_map<uint64_t, MemSeries*> aliases;
  if (!DirExists(wal_dir)) return Status::OK();

  // As Prometheus: the checkpoint only when it is at or after the
  // snapshot's segment, then the segments from the later of the two, the
  // snapshot's segment from its offset.
  int start_from = 0;
  Result<std::pair<std::string, int>> cp = wlog::LastCheckpoint(wal_dir);
  if (cp.ok()) {
    start_from = cp->second;
    if (cp->second >= snap_seg) {
      logger_.Info("Replaying WAL checkpoint", {{"checkpoint", cp->first}});
      WARD_RETURN_IF_ERROR(ReplayRecords(cp->first, -1, -1, 0, true, false, &mmapped, &aliases));
      start_from = cp->second + 1;
    }
  } else if (!cp.status().IsNotFound()) {
    return cp.status().WithContext("find WAL checkpoint");
  }
  start_from = std::max(start_from, snap_seg);

  WARD_ASSIGN_OR_RETURN(auto segs, wlog::ListSegments(wal_dir));
  int first = -1, last = -1;
  for (const auto& [idx, path] : segs) {
    if (idx < start_from) continue;
    if (first < 0) first = idx;
    last = idx;
  }
  if (first >= 0) {
    const int64_t offset = first == snap_seg ? snapshot->offset : 0;
    logger_.Info(
        "Replaying WAL",
        {{"first_segment", first}, {"last_segment", last}, {"first_segment_offset", offset}});
    WARD_RETURN_IF_ERROR(
        ReplayRecords(wal_dir, first, last, offset, false, repair, &mmapped, &aliases));
  }
  logger_.Info("WAL replay completed", {{"series", NumSeries()},
                                        {"samples", stats_.wal_replay_samples.load()},
                                        {"unknown_refs", stats_.wal_replay_unknown_refs.load()}});
  return Status::OK();
}

}  // namespace ward::tsdb
