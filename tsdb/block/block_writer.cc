// WriteBlock: chunks first (streamed to segments) while labels are interned
// into compact symbol ids, then the sorted symbols and the index, then
// tombstones and meta.json.
#include "tsdb/block/block_writer.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <span>

#include "absl/container/flat_hash_map.h"
#include "tsdb/block/meta.h"
#include "tsdb/chunkenc/dense.h"
#include "tsdb/chunkenc/xor.h"
#include "tsdb/index/index.h"
#include "tsdb/tombstones/tombstones.h"

namespace ward::tsdb::block {
namespace {

// A series waiting for the index: its labels as local symbol ids and its
// chunks, both as ranges of shared arenas (no per-series allocation).
struct PendingSeries {
  size_t sym_begin;
  uint32_t nsyms;
  size_t chunk_begin;
  uint32_t nchunks;
};

// Interns label strings while chunks are written; ids are local (in order
// of first appearance) and remapped to sorted index symbol numbers later.
class Interner {
 public:
  uint32_t Intern(std::string_view s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    strs_.emplace_back(s);
    uint32_t id = static_cast<uint32_t>(strs_.size() - 1);
    ids_.emplace(strs_.back(), id);
    return id;
  }
  const std::deque<std::string>& strings() const { return strs_; }

 private:
  std::deque<std::string> strs_;  // stable addresses for the views in ids_
  absl::flat_hash_map<std::string_view, uint32_t> ids_;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status WriteBlockInto(const std::string& tmp, storage::SeriesSet& set, int64_t mint, int64_t maxt,
                      const WriteBlockOptions& opts, BlockMeta* meta) {
  if (::mkdir(tmp.c_str(), 0755) != 0) {
    return Status::IOError("mkdir " + tmp + ": " + std::strerror(errno));
  }
  WARD_ASSIGN_OR_RETURN(auto cw,
                        chunks::SegmentWriter::Open(tmp + "/chunks", opts.max_segment_size));
  std::vector<PendingSeries> series;
  std::vector<uint32_t> sym_arena;
  std::vector<index::ChunkMeta> chunk_arena;
  Interner interner;
  labels::Labels last;  // labels of the previous series, for the order check
  bool have_last = false;
  const bool dense = opts.chunk_encoding == chunkenc::Encoding::kDense;
  if (!dense && opts.chunk_encoding != chunkenc::Encoding::kXOR) {
    return Status::InvalidArgument("write block: unsupported chunk encoding " +
                                   std::string(chunkenc::EncodingName(opts.chunk_encoding)));
  }
  const int per_chunk =
      dense ? std::max(1, std::min<int>(opts.dense_samples_per_chunk, chunkenc::kDenseMaxSamples))
            : std::max(1, std::min(opts.samples_per_chunk, 65535));
  chunkenc::XORChunk chk;
  chunkenc::DenseEncoder dense_enc;
  std::string dense_buf;
  while (set.Next()) {
    const storage::Series& s = set.At();
    if (have_last && labels::Labels::Compare(last, s.Labels()) >= 0) {
      return Status::InvalidArgument(
          "write block: series not in strictly increasing label order: " + s.Labels().ToString() +
          " after " + last.ToString());
    }
    last = s.Labels();
    have_last = true;
    PendingSeries ps{sym_arena.size(), 0, chunk_arena.size(), 0};
    auto it = s.Iterator();
    int n = 0;
    int64_t cmint = 0, cmaxt = 0;
    auto flush = [&]() -> Status {
      std::string_view bytes;
      if (dense) {
        WARD_RETURN_IF_ERROR(dense_enc.Finish(&dense_buf));
        bytes = dense_buf;
      } else {
        bytes = chk.Bytes();
      }
      WARD_ASSIGN_OR_RETURN(uint64_t ref, cw->WriteChunk(opts.chunk_encoding, bytes));
      chunk_arena.push_back({ref, cmint, cmaxt});
      ps.nchunks++;
      meta->stats.num_chunks++;
      if (!dense) chk = chunkenc::XORChunk();
      n = 0;
      return Status::OK();
    };
    storage::ValueType vt = it->Seek(mint);
    for (; vt != storage::ValueType::kNone; vt = it->Next()) {
      if (vt != storage::ValueType::kFloat) {
        return Status::InvalidArgument("write block: only float samples are supported, series " +
                                       s.Labels().ToString());
      }
      int64_t t;
      double v;
      it->At(&t, &v);
      if (t < mint) continue;
      if (t >= maxt) break;
      if (n > 0 && t <= cmaxt) {
        return Status::InvalidArgument("write block: samples out of order in series " +
                                       s.Labels().ToString());
      }
      if (n == 0) cmint = t;
      if (dense) {
        dense_enc.Append(t, v);
      } else {
        chk.Append(t, v);
      }
      cmaxt = t;
      meta->stats.num_samples++;
      if (++n == per_chunk) WARD_RETURN_IF_ERROR(flush());
    }
    WARD_RETURN_IF_ERROR(it->Err());
    if (n > 0) WARD_RETURN_IF_ERROR(flush());
    if (ps.nchunks == 0) continue;
    for (const labels::Label& l : s.Labels()) {
      sym_arena.push_back(interner.Intern(l.name));
      sym_arena.push_back(interner.Intern(l.value));
    }
    ps.nsyms = static_cast<uint32_t>(sym_arena.size() - ps.sym_begin);
    series.push_back(ps);
  }
  WARD_RETURN_IF_ERROR(set.Err());
  WARD_RETURN_IF_ERROR(cw->Close());
  meta->stats.num_series = series.size();
  if (series.empty()) return Status::OK();

  // Symbols sorted; local ids remapped to their sorted position.
  const std::deque<std::string>& strs = interner.strings();
  std::vector<uint32_t> order(strs.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return strs[a] < strs[b]; });
  std::vector<uint32_t> remap(strs.size());
  for (uint32_t i = 0; i < order.size(); ++i) remap[order[i]] = i;
  for (uint32_t& x : sym_arena) x = remap[x];

  WARD_ASSIGN_OR_RETURN(auto iw, index::IndexWriter::Create(tmp + "/" + index::kIndexFilename));
  for (uint32_t i : order) WARD_RETURN_IF_ERROR(iw->AddSymbol(strs[i]));
  for (const PendingSeries& ps : series) {
    WARD_RETURN_IF_ERROR(iw->AddSeriesSymbols(
        std::span<const uint32_t>(sym_arena.data() + ps.sym_begin, ps.nsyms),
        std::span<const index::ChunkMeta>(chunk_arena.data() + ps.chunk_begin, ps.nchunks)));
  }
  WARD_RETURN_IF_ERROR(iw->Close());

  WARD_RETURN_IF_ERROR(tombstones::WriteFile(tmp, tombstones::MemTombstones()).status());
  WARD_RETURN_IF_ERROR(WriteMetaFile(tmp, *meta));
  return chunks::SyncDir(tmp);
}

}  // namespace

Result<std::string> WriteBlock(const std::string& dir, storage::SeriesSet& set, int64_t mint,
                               int64_t maxt, const WriteBlockOptions& opts) {
  if (mint >= maxt) return Status::InvalidArgument("write block: empty time range");
  BlockMeta meta;
  meta.ulid = opts.ulid.empty() ? NewULID(NowMs()) : opts.ulid;
  if (!ParseULID(meta.ulid)) return Status::InvalidArgument("write block: bad ULID " + meta.ulid);
  meta.min_time = mint;
  meta.max_time = maxt;
  meta.compaction.level = opts.compaction_level;
  meta.compaction.sources =
      opts.sources.empty() ? std::vector<std::string>{meta.ulid} : opts.sources;
  meta.compaction.parents = opts.parents;
  if (opts.chunk_encoding == chunkenc::Encoding::kDense) meta.version = kMetaVersionDense;

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string tmp = dir + "/" + meta.ulid + kTmpForCreationSuffix;
  std::string final_dir = dir + "/" + meta.ulid;
  std::filesystem::remove_all(tmp, ec);
  Status s = WriteBlockInto(tmp, set, mint, maxt, opts, &meta);
  if (!s.ok() || meta.stats.num_samples == 0) {
    std::filesystem::remove_all(tmp, ec);
    if (!s.ok()) return s.WithContext("write block " + meta.ulid);
    return std::string();
  }
  std::filesystem::remove_all(final_dir, ec);
  if (::rename(tmp.c_str(), final_dir.c_str()) != 0) {
    Status r = Status::IOError("rename " + tmp + ": " + std::strerror(errno));
    std::filesystem::remove_all(tmp, ec);
    return r;
  }
  WARD_RETURN_IF_ERROR(chunks::SyncDir(dir));
  return meta.ulid;
}

Result<std::string> WriteBlock(const std::string& dir, storage::Querier& q, int64_t mint,
                               int64_t maxt, const WriteBlockOptions& opts) {
  if (mint >= maxt) return Status::InvalidArgument("write block: empty time range");
  WARD_ASSIGN_OR_RETURN(labels::Matcher all,
                        labels::Matcher::Make(labels::MatchType::kRegexMatch, "__name__", ".*"));
  storage::SelectHints hints;
  hints.start_ms = mint;
  hints.end_ms = maxt - 1;
  auto set = q.Select(true, &hints, {all});
  return WriteBlock(dir, *set, mint, maxt, opts);
}

}  // namespace ward::tsdb::block
