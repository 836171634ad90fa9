// Chunk snapshots of the head: naming, records, writing on shutdown and
// loading on startup. Follows Prometheus's ChunkSnapshot /
// loadChunkSnapshot / DeleteChunkSnapshots (tsdb/head_wal.go), serially.
#include "tsdb/head_snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "tsdb/chunkenc/xor.h"
#include "tsdb/head.h"
#include "tsdb/tombstones/tombstones.h"
#include "tsdb/wlog/reader.h"
#include "tsdb/wlog/wlog.h"
#include "util/varint.h"

namespace ward::tsdb {

namespace {

// Parses "chunk_snapshot.N.M" (exactly two all-digit parts).
bool ParseSnapshotName(std::string_view name, int* segment, int64_t* offset) {
  constexpr std::string_view prefix = kChunkSnapshotPrefix;
  if (name.substr(0, prefix.size()) != prefix) return false;
  name.remove_prefix(prefix.size());
  size_t dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return false;
  std::string_view a = name.substr(0, dot), b = name.substr(dot + 1);
  if (b.find('.') != std::string_view::npos) return false;
  auto digits = [](std::string_view x, int64_t* out) {
    if (x.size() > 18) return false;
    int64_t v = 0;
    for (char c : x) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
  };
  int64_t seg = 0;
  if (!digits(a, &seg) || !digits(b, offset) || seg > std::numeric_limits<int>::max()) return false;
  *segment = static_cast<int>(seg);
  return true;
}

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open directory " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("fsync directory " + dir);
  return Status::OK();
}

// Reads a fixed-size big-endian field; false when short.
bool GetBE64(std::string_view* b, uint64_t* v) {
  if (b->size() < 8) return false;
  *v = varint::BE64(b->data());
  b->remove_prefix(8);
  return true;
}

bool GetUvarint(std::string_view* b, uint64_t* v) {
  const char* p = b->data();
  if (!varint::GetUvarint(&p, b->data() + b->size(), v)) return false;
  b->remove_prefix(static_cast<size_t>(p - b->data()));
  return true;
}

bool GetUvarintBytes(std::string_view* b, std::string_view* out) {
  uint64_t n = 0;
  if (!GetUvarint(b, &n) || n > b->size()) return false;
  *out = b->substr(0, n);
  b->remove_prefix(n);
  return true;
}

}  // namespace

std::string ChunkSnapshotDir(const std::string& root, int segment, int64_t offset) {
  char name[64];
  std::snprintf(name, sizeof name, "%s%06d.%010" PRId64, kChunkSnapshotPrefix, segment, offset);
  return root + "/" + name;
}

Result<ChunkSnapshotPosition> LastChunkSnapshot(const std::string& root) {
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Status::NotFound("no chunk snapshot in " + root);
    return Errno("read directory " + root);
  }
  ChunkSnapshotPosition best;
  Status err;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    int seg = 0;
    int64_t off = 0;
    if (!ParseSnapshotName(name, &seg, &off)) continue;
    std::string path = root + "/" + std::string(name);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      err = Status::Corruption("chunk snapshot " + path + " is not a directory");
      break;
    }
    if (seg > best.segment || (seg == best.segment && off > best.offset)) {
      best.segment = seg;
      best.offset = off;
      best.dir = std::move(path);
    }
  }
  ::closedir(d);
  if (!err.ok()) return err;
  if (!best.loaded()) return Status::NotFound("no chunk snapshot in " + root);
  return best;
}

Status DeleteChunkSnapshots(const std::string& root, int max_segment, int64_t max_offset,
                            bool tmp) {
  DIR* d = ::opendir(root.c_str());
  if (d == nullptr) return errno == ENOENT ? Status::OK() : Errno("read directory " + root);
  std::vector<std::string> doomed;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    int seg = 0;
    int64_t off = 0;
    bool old = ParseSnapshotName(name, &seg, &off) &&
               (seg < max_segment || (seg == max_segment && off < max_offset));
    bool leftover = tmp &&
                    name.substr(0, sizeof(kChunkSnapshotPrefix) - 1) == kChunkSnapshotPrefix &&
                    name.size() > 4 && name.substr(name.size() - 4) == ".tmp";
    if (old || leftover) doomed.push_back(root + "/" + std::string(name));
  }
  ::closedir(d);
  Status result;
  for (const std::string& p : doomed) {
    std::error_code ec;
    std::filesystem::remove_all(p, ec);
    if (ec && result.ok())
      result = Status::IOError("delete chunk snapshot " + p + ": " + ec.message());
  }
  return result;
}

namespace snapshot_internal {

void PutSeriesHeader(std::string* out, uint64_t ref, uint32_t nlabels) {
  out->push_back(static_cast<char>(kSnapshotRecordSeries));
  varint::PutBE64(out, ref);
  varint::PutUvarint(out, nlabels);
}

void PutLabel(std::string* out, std::string_view name, std::string_view value) {
  varint::PutUvarint(out, name.size());
  out->append(name);
  varint::PutUvarint(out, value.size());
  out->append(value);
}

void PutChunk(std::string* out, int64_t chunk_range, std::string_view chunk, int64_t mint,
              int64_t maxt) {
  varint::PutBE64(out, static_cast<uint64_t>(chunk_range));
  if (chunk.empty()) {
    varint::PutUvarint(out, 0);
    return;
  }
  varint::PutUvarint(out, 1);
  varint::PutBE64(out, static_cast<uint64_t>(mint));
  varint::PutBE64(out, static_cast<uint64_t>(maxt));
  out->push_back(static_cast<char>(chunkenc::Encoding::kXOR));
  varint::PutUvarint(out, chunk.size());
  out->append(chunk);
  // The last four samples, newest last; zeros where the chunk has fewer.
  int64_t ts[4] = {0, 0, 0, 0};
  double vs[4] = {0, 0, 0, 0};
  int n = 0;
  auto it = chunkenc::XORChunk::IterateBytes(chunk);
  while (it.Next()) {
    ts[n & 3] = it.AtT();
    vs[n & 3] = it.AtV();
    ++n;
  }
  const int have = std::min(n, 4);
  for (int slot = 0; slot < 4; ++slot) {
    int64_t t = 0;
    double v = 0;
    int back = 4 - slot;  // 4 = oldest of the four, 1 = newest
    if (back <= have) {
      int idx = (n - back) & 3;
      t = ts[idx];
      v = vs[idx];
    }
    varint::PutBE64(out, static_cast<uint64_t>(t));
    varint::PutBE64(out, varint::Float64Bits(v));
  }
}

}  // namespace snapshot_internal

Status DecodeSnapshotSeries(std::string_view rec, SnapshotSeries* out) {
  auto bad = [](const char* why) {
    return Status::Corruption(std::string("chunk snapshot series record: ") + why);
  };
  if (rec.empty() || static_cast<uint8_t>(rec[0]) != kSnapshotRecordSeries) {
    return bad("wrong record type");
  }
  rec.remove_prefix(1);
  uint64_t u = 0;
  if (!GetBE64(&rec, &out->ref)) return bad("truncated ref");
  uint64_t n = 0;
  if (!GetUvarint(&rec, &n) || n > rec.size() / 2) return bad("bad label count");
  std::vector<labels::Label> ls;
  ls.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name, value;
    if (!GetUvarintBytes(&rec, &name) || !GetUvarintBytes(&rec, &value)) {
      return bad("truncated label");
    }
    ls.push_back(labels::Label{std::string(name), std::string(value)});
  }
  out->lset = labels::Labels(std::move(ls));
  if (!GetBE64(&rec, &u)) return bad("truncated chunk range");
  out->chunk_range = static_cast<int64_t>(u);
  uint64_t exists = 0;
  if (!GetUvarint(&rec, &exists)) return bad("truncated chunk flag");
  out->has_chunk = exists != 0;
  if (!out->has_chunk) {
    if (!rec.empty()) return bad("unexpected bytes left");
    return Status::OK();
  }
  if (!GetBE64(&rec, &u)) return bad("truncated chunk mint");
  out->mint = static_cast<int64_t>(u);
  if (!GetBE64(&rec, &u)) return bad("truncated chunk maxt");
  out->maxt = static_cast<int64_t>(u);
  if (rec.empty()) return bad("truncated chunk encoding");
  out->encoding = static_cast<uint8_t>(rec[0]);
  rec.remove_prefix(1);
  if (!GetUvarintBytes(&rec, &out->chunk)) return bad("truncated chunk");
  if (out->encoding != static_cast<uint8_t>(chunkenc::Encoding::kXOR)) {
    // Histogram chunks carry a last histogram instead of the sample buffer;
    // ward's head keeps floats only, so the caller skips the chunk.
    return Status::OK();
  }
  for (int i = 0; i < 4; ++i) {
    uint64_t t = 0, v = 0;
    if (!GetBE64(&rec, &t) || !GetBE64(&rec, &v)) return bad("truncated sample buffer");
    out->buf_t[i] = static_cast<int64_t>(t);
    out->buf_v[i] = varint::Float64FromBits(v);
  }
  if (!rec.empty()) return bad("unexpected bytes left");
  return Status::OK();
}

void EncodeSnapshotTombstones(const tombstones::MemTombstones& ts, std::string* out) {
  std::string body;
  body.push_back(static_cast<char>(tombstones::kTombstoneFormatV1));
  for (const auto& [ref, ivs] : ts.Sorted()) {
    for (const tombstones::Interval& iv : *ivs) {
      varint::PutUvarint(&body, ref);
      varint::PutVarint(&body, iv.mint);
      varint::PutVarint(&body, iv.maxt);
    }
  }
  out->clear();
  out->push_back(static_cast<char>(kSnapshotRecordTombstones));
  varint::PutUvarint(out, body.size());
  out->append(body);
}

Status DecodeSnapshotTombstones(std::string_view rec,
                                std::vector<std::pair<uint64_t, tombstones::Interval>>* out) {
  auto bad = [](const char* why) {
    return Status::Corruption(std::string("chunk snapshot tombstones record: ") + why);
  };
  if (rec.empty() || static_cast<uint8_t>(rec[0]) != kSnapshotRecordTombstones) {
    return bad("wrong record type");
  }
  rec.remove_prefix(1);
  std::string_view b;
  if (!GetUvarintBytes(&rec, &b) || !rec.empty()) return bad("bad length");
  if (b.empty() || static_cast<uint8_t>(b[0]) != tombstones::kTombstoneFormatV1) {
    return bad("unknown tombstones format");
  }
  const char* p = b.data() + 1;
  const char* end = b.data() + b.size();
  while (p < end) {
    uint64_t ref = 0;
    int64_t mint = 0, maxt = 0;
    if (!varint::GetUvarint(&p, end, &ref) || !varint::GetVarint(&p, end, &mint) ||
        !varint::GetVarint(&p, end, &maxt)) {
      return bad("truncated interval");
    }
    out->push_back({ref, tombstones::Interval{mint, maxt}});
  }
  return Status::OK();
}

namespace {

Status WriteWALSizes(const std::string& wal_dir, int up_to, const std::string& path) {
  WARD_ASSIGN_OR_RETURN(auto segs, wlog::ListSegments(wal_dir));
  std::string text;
  for (const auto& [idx, name] : segs) {
    if (idx > up_to) break;
    struct stat st;
    std::string seg = wal_dir + "/" + name;
    if (::stat(seg.c_str(), &st) != 0) return Errno("stat " + seg);
    text += std::to_string(idx) + " " + std::to_string(st.st_size) + "\n";
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("create " + path);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  Status st = ok ? Status::OK() : Errno("write " + path);
  ::close(fd);
  return st;
}

// OK when every WAL segment listed in the snapshot's wal_sizes still has
// that size (or is gone: a checkpoint covers it); Corruption naming the
// first that changed. A snapshot without the file (Prometheus's) passes.
Status CheckWALSizes(const std::string& snapshot_dir, const std::string& wal_dir) {
  std::string path = snapshot_dir + "/" + kSnapshotWALSizesFile;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? Status::OK() : Errno("open " + path);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (n < 0) return Errno("read " + path);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) return Status::Corruption(path + ": unterminated line");
    long long idx = -1, size = -1;
    if (std::sscanf(text.c_str() + pos, "%lld %lld", &idx, &size) != 2 || idx < 0 || size < 0 ||
        idx > std::numeric_limits<int>::max()) {
      return Status::Corruption(path + ": bad line");
    }
    pos = nl + 1;
    struct stat st;
    std::string seg = wlog::SegmentName(wal_dir, static_cast<int>(idx));
    if (::stat(seg.c_str(), &st) != 0) continue;  // checkpointed away
    if (st.st_size != size) {
      return Status::Corruption("WAL segment " + seg + " is " + std::to_string(st.st_size) +
                                " bytes, was " + std::to_string(size) + " at the snapshot");
    }
  }
  return Status::OK();
}

}  // namespace

Result<ChunkSnapshotStats> Head::WriteChunkSnapshot(const std::string& root, int wal_segment,
                                                    int64_t wal_offset,
                                                    wlog::Compression compression,
                                                    const std::string& wal_dir) {
  ChunkSnapshotStats stats;
  Result<ChunkSnapshotPosition> last = LastChunkSnapshot(root);
  if (last.ok() && last->segment == wal_segment && last->offset == wal_offset) {
    stats.dir = last->dir;  // nothing was written since
    return stats;
  }
  const std::string dir = ChunkSnapshotDir(root, wal_segment, wal_offset);
  const std::string tmp = dir + ".tmp";
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);
  std::filesystem::create_directories(tmp, ec);
  if (ec) return Status::IOError("create chunk snapshot dir " + tmp + ": " + ec.message());
  stats.dir = dir;

  Status st = [&]() -> Status {
    wlog::Options wo;
    wo.compression = compression;
    WARD_ASSIGN_OR_RETURN(std::unique_ptr<wlog::WL> w, wlog::WL::Open(tmp, wo));
    std::string buf;
    std::vector<size_t> ends;
    std::vector<std::string_view> recs;
    auto flush = [&]() -> Status {
      recs.clear();
      size_t start = 0;
      for (size_t end : ends) {
        recs.emplace_back(buf.data() + start, end - start);
        start = end;
      }
      WARD_RETURN_IF_ERROR(w->Log(recs));
      buf.clear();
      ends.clear();
      return Status::OK();
    };
    const uint32_t n = num_ids_.load(std::memory_order_acquire);
    for (uint32_t id = 0; id < n; ++id) {
      MemSeries* s = by_id_.Get(id);
      // A series without a record in the WAL has no committed sample (its
      // appender never committed): a WAL replay would not have it either.
      if (s == nullptr || !s->in_wal.load(std::memory_order_acquire)) continue;
      {
        std::lock_guard<SpinLock> l(s->lock);
        if (s->removed) continue;
        for (const ChunkMeta& c : s->full_chunks) {
          if (c.in_memory) {
            return Status::Unavailable(
                "a full head chunk is held in memory only (chunks_head write failed); a snapshot "
                "would lose it");
          }
        }
        std::string_view chunk;
        if (s->head_chunk.has_value() && s->head_chunk->NumSamples() > 0) {
          chunk = s->head_chunk->Bytes();
          ++stats.head_chunks;
        }
        const SeriesIds ids(*s);
        EncodeSnapshotSeries(
            &buf, s->ref, s->nlabels,
            [&](uint32_t i, std::string_view* name, std::string_view* value) {
              *name = symbols_.Get(ids[2 * i]);
              *value = symbols_.Get(ids[2 * i + 1]);
            },
            opts_.chunk_range_ms, chunk, s->head_mint, s->head_maxt());
      }
      ends.push_back(buf.size());
      ++stats.series;
      if (buf.size() >= (8 << 20)) {
        stats.bytes += buf.size();
        WARD_RETURN_IF_ERROR(flush());
      }
    }
    // One tombstones record, always present (empty set included), as
    // Prometheus writes it.
    std::string rec;
    {
      std::shared_ptr<const tombstones::MemTombstones> ts = Tombstones();
      EncodeSnapshotTombstones(ts ? *ts : tombstones::MemTombstones(), &rec);
    }
    stats.bytes += buf.size() + rec.size();
    buf.append(rec);
    ends.push_back(buf.size());
    WARD_RETURN_IF_ERROR(flush());
    WARD_RETURN_IF_ERROR(w->Close());  // pads, fsyncs
    if (!wal_dir.empty()) {
      WARD_RETURN_IF_ERROR(WriteWALSizes(wal_dir, wal_segment, tmp + "/" + kSnapshotWALSizesFile));
    }
    return SyncDir(tmp);
  }();
  if (st.ok()) {
    std::filesystem::remove_all(dir, ec);
    if (::rename(tmp.c_str(), dir.c_str()) != 0) st = Errno("rename chunk snapshot to " + dir);
  }
  if (!st.ok()) {
    std::filesystem::remove_all(tmp, ec);
    return st.WithContext("chunk snapshot");
  }
  WARD_RETURN_IF_ERROR(SyncDir(root));
  Status del = DeleteChunkSnapshots(root, wal_segment, wal_offset);
  if (!del.ok()) {
    // Older snapshots left behind are never loaded (the newest wins).
    logger_.Error("Deleting old chunk snapshots failed", {{"err", del}});
  }
  return stats;
}

Status Head::LoadChunkSnapshot(const std::string& root, const std::string& wal_dir,
                               ChunkSnapshotPosition* pos) {
  *pos = ChunkSnapshotPosition();
  Result<ChunkSnapshotPosition> last = LastChunkSnapshot(root);
  if (!last.ok()) return last.status().IsNotFound() ? Status::OK() : last.status();
  // The WAL must reach the snapshot's segment; a WAL that ends before it
  // was replaced or cut since, and the snapshot no longer matches it.
  int wal_last = -1;
  {
    std::error_code ec;
    if (std::filesystem::is_directory(wal_dir, ec)) {
      WARD_ASSIGN_OR_RETURN(auto range, wlog::SegmentRange(wal_dir));
      wal_last = range.second;
    }
  }
  // ward also checks the offset: a snapshot segment shorter than the
  // snapshot's offset lost bytes the snapshot saw (a torn or cut WAL); the
  // WAL is the record, so it is replayed (and repaired) instead.
  int64_t seg_size = -1;
  if (wal_last >= last->segment) {
    struct stat st;
    if (::stat(wlog::SegmentName(wal_dir, last->segment).c_str(), &st) == 0) {
      seg_size = st.st_size;
    }
  }
  Status changed = CheckWALSizes(last->dir, wal_dir);
  if (!changed.ok()) {
    logger_.Warn("The WAL changed since the chunk snapshot was taken; replaying the WAL",
                 {{"snapshot", last->dir}, {"err", changed}});
  }
  if (!changed.ok() || wal_last < last->segment || (seg_size >= 0 && seg_size < last->offset)) {
    logger_.Warn(
        "The WAL ends before the chunk snapshot's position; deleting snapshots",
        {{"snapshot", last->dir}, {"last_wal_segment", wal_last}, {"segment_size", seg_size}});
    Status del = DeleteChunkSnapshots(root);
    if (!del.ok()) logger_.Error("Deleting chunk snapshots failed", {{"err", del}});
    return Status::OK();
  }

  WARD_ASSIGN_OR_RETURN(std::unique_ptr<wlog::Reader> reader, wlog::Reader::Open(last->dir));
  // Postings are added in one batch below (GetOrCreate skips them). On an
  // error return this head is thrown away, postings and all.
  bulk_load_ = true;
  struct Reset {
    bool* flag;
    ~Reset() { *flag = false; }
  } reset{&bulk_load_};
  const uint32_t first_id = num_ids_.load(std::memory_order_acquire);
  const int64_t floor = min_valid_time_.load(std::memory_order_relaxed);
  SnapshotSeries ss;
  uint64_t series = 0, chunks = 0, skipped_chunks = 0;
  int64_t mint = std::numeric_limits<int64_t>::max();
  int64_t maxt = std::numeric_limits<int64_t>::min();
  while (reader->Next()) {
    std::string_view rec = reader->Record();
    if (rec.empty()) return Status::Corruption("empty chunk snapshot record");
    switch (static_cast<uint8_t>(rec[0])) {
      case kSnapshotRecordSeries: {
        WARD_RETURN_IF_ERROR(DecodeSnapshotSeries(rec, &ss));
        bool created = false;
        MemSeries* s = GetOrCreate(ss.lset, ss.lset.Hash(), ss.ref, &created);
        if (s == nullptr) return Status::Unavailable("head is out of series ids");
        if (!created || s->ref != ss.ref) {
          return Status::Corruption("chunk snapshot holds series " + ss.lset.ToString() + " twice");
        }
        ++series;
        s->in_wal.store(true, std::memory_order_release);  // its record is in the WAL
        if (!ss.has_chunk) break;
        if (ss.encoding != static_cast<uint8_t>(chunkenc::Encoding::kXOR)) {
          ++skipped_chunks;  // histograms are not kept by ward's head yet
          break;
        }
        if (ss.maxt < floor) break;  // a block holds it
        Result<chunkenc::XORChunk> c = chunkenc::XORChunk::FromBytes(ss.chunk);
        if (!c.ok()) return c.status().WithContext("chunk of series " + ss.lset.ToString());
        if (c->NumSamples() == 0 || ss.mint > ss.maxt) break;
        std::lock_guard<SpinLock> l(s->lock);
        if (ss.mint < floor) {
          // Part of it is in a block: keep the samples from the floor on,
          // as a WAL replay would.
          chunkenc::XORChunk kept;
          auto* app = kept.GetAppender();
          int64_t first = 0;
          auto it = c->NewIterator();
          while (it.Next()) {
            if (it.AtT() < floor) continue;
            if (kept.NumSamples() == 0) first = it.AtT();
            app->Append(it.AtT(), it.AtV());
          }
          if (!it.Err().ok()) return it.Err().WithContext("chunk of series " + ss.lset.ToString());
          if (kept.NumSamples() == 0) break;
          ss.mint = first;
          s->head_chunk.emplace(std::move(kept));
        } else {
          s->head_chunk.emplace(std::move(c).value());
        }
        s->restored_chunk = true;  // append state built on the first append
        s->head_mint = ss.mint;
        s->last_t = ss.maxt;
        std::memcpy(&s->last_v_bits, &ss.buf_v[3], sizeof(double));
        s->has_last_v = true;
        stats_.chunks_created.fetch_add(1, std::memory_order_relaxed);
        mint = std::min(mint, ss.mint);
        maxt = std::max(maxt, ss.maxt);
        ++chunks;
        break;
      }
      case kSnapshotRecordTombstones: {
        std::vector<std::pair<uint64_t, tombstones::Interval>> add;
        WARD_RETURN_IF_ERROR(DecodeSnapshotTombstones(rec, &add));
        if (!add.empty()) AddTombstones(add);
        break;
      }
      case kSnapshotRecordExemplars:
        break;  // ward keeps no exemplars (Prometheus skips them when disabled)
      default:
        return Status::Corruption("unsupported chunk snapshot record type " +
                                  std::to_string(static_cast<uint8_t>(rec[0])));
    }
  }
  if (!reader->Err().ok()) return reader->Err().WithContext("read chunk snapshot " + last->dir);
  bulk_load_ = false;
  {
    const uint32_t end_id = num_ids_.load(std::memory_order_acquire);
    std::vector<MemPostings::Entry> entries;
    entries.reserve(end_id - first_id);
    // The series keep their ids varint-packed: decode them into one array
    // (offsets first, since the array grows).
    std::vector<uint32_t> all_ids;
    std::vector<size_t> offsets;
    for (uint32_t id = first_id; id < end_id; ++id) {
      const MemSeries* s = by_id_.Get(id);
      if (s == nullptr) continue;
      offsets.push_back(all_ids.size());
      all_ids.resize(all_ids.size() + 2 * size_t{s->nlabels});
      s->DecodeIds(all_ids.data() + offsets.back());
      entries.push_back({s->id, nullptr, s->nlabels});
    }
    for (size_t i = 0; i < entries.size(); ++i) entries[i].pairs = all_ids.data() + offsets[i];
    postings_.AddBatch(entries);
  }
  if (mint <= maxt) UpdateMinMax(mint, maxt);
  *pos = *last;
  logger_.Info("Chunk snapshot loaded", {{"dir", last->dir},
                                         {"series", series},
                                         {"head_chunks", chunks},
                                         {"skipped_histogram_chunks", skipped_chunks}});
  return Status::OK();
}

}  // namespace ward::tsdb
