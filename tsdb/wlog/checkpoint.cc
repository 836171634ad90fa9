// WAL checkpoints. Record filtering follows Prometheus's
// tsdb/wlog/checkpoint.go.
#include "tsdb/wlog/checkpoint.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <unordered_map>
#include <vector>

#include "tsdb/record/record.h"
#include "tsdb/wlog/reader.h"

namespace ward::tsdb::wlog {

namespace {

constexpr std::string_view kCheckpointPrefix = "checkpoint.";

struct CheckpointRef {
  int index;
  std::string name;
};

Result<std::vector<CheckpointRef>> ListCheckpoints(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Status::IOError("list WAL dir " + dir + ": " + std::strerror(errno));
  std::vector<CheckpointRef> out;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name.substr(0, kCheckpointPrefix.size()) != kCheckpointPrefix) continue;
    std::string_view num = name.substr(kCheckpointPrefix.size());
    if (num.empty() || num.size() > 9) continue;
    if (!std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    std::string path = dir + "/" + std::string(name);
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) continue;
    out.push_back({std::stoi(std::string(num)), std::string(name)});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return out;
}

Status SyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("open " + path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IOError("fsync " + path + ": " + std::strerror(errno));
  return Status::OK();
}

}  // namespace

std::string CheckpointDir(const std::string& wal_dir, int index) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "checkpoint.%08d", index);
  return wal_dir + "/" + buf;
}

Result<std::pair<std::string, int>> LastCheckpoint(const std::string& wal_dir) {
  WARD_ASSIGN_OR_RETURN(auto cps, ListCheckpoints(wal_dir));
  if (cps.empty()) return Status::NotFound("no WAL checkpoint in " + wal_dir);
  return std::make_pair(wal_dir + "/" + cps.back().name, cps.back().index);
}

Status DeleteCheckpoints(const std::string& wal_dir, int max_index) {
  WARD_ASSIGN_OR_RETURN(auto cps, ListCheckpoints(wal_dir));
  for (const auto& c : cps) {
    if (c.index >= max_index) break;
    std::error_code ec;
    std::filesystem::remove_all(wal_dir + "/" + c.name, ec);
    if (ec) return Status::IOError("delete checkpoint " + c.name + ": " + ec.message());
  }
  return Status::OK();
}

Result<CheckpointStats> Checkpoint(const std::string& wal_dir, int from, int to,
                                   const std::function<bool(uint64_t)>& keep, int64_t mint,
                                   Compression compression) {
  CheckpointStats stats;
  std::vector<Reader::SegmentFile> inputs;
  {
    auto last = LastCheckpoint(wal_dir);
    if (!last.ok() && !last.status().IsNotFound()) return last.status();
    if (last.ok()) {
      if (from > last->second + 1) {
        return Status::InvalidArgument("unexpected gap to last checkpoint: expected segment " +
                                       std::to_string(last->second + 1) + ", requested " +
                                       std::to_string(from));
      }
      from = last->second + 1;  // segments below the checkpoint are already in it
      WARD_ASSIGN_OR_RETURN(auto cp_segs, ListSegments(last->first));
      for (auto& [idx, name] : cp_segs) inputs.push_back({idx, last->first + "/" + name});
    }
    WARD_ASSIGN_OR_RETURN(auto segs, ListSegments(wal_dir));
    for (auto& [idx, name] : segs) {
      if (idx < from) continue;
      if (idx > to) break;
      inputs.push_back({idx, wal_dir + "/" + name});
    }
  }

  const std::string cpdir = CheckpointDir(wal_dir, to);
  const std::string tmpdir = cpdir + ".tmp";
  std::error_code ec;
  std::filesystem::remove_all(tmpdir, ec);
  if (ec) return Status::IOError("remove previous temporary checkpoint: " + ec.message());

  Options opts;
  opts.compression = compression;
  WARD_ASSIGN_OR_RETURN(auto cp, WL::Open(tmpdir, opts));

  Reader r(std::move(inputs));
  std::vector<record::RefSeries> series;
  std::vector<record::RefSample> samples;
  std::vector<record::Stone> stones;
  std::vector<record::RefExemplar> exemplars;
  std::vector<record::RefMetadata> metadata;
  std::unordered_map<uint64_t, record::RefMetadata> latest_metadata;
  std::vector<std::string> out;  // encoded records waiting to be logged
  size_t out_bytes = 0;
  auto flush = [&]() -> Status {
    if (out.empty()) return Status::OK();
    std::vector<std::string_view> views(out.begin(), out.end());
    WARD_RETURN_IF_ERROR(cp->Log(views));
    out.clear();
    out_bytes = 0;
    return Status::OK();
  };

  while (r.Next()) {
    std::string_view rec = r.Record();
    std::string enc;
    switch (record::GetType(rec)) {
      case record::Type::kSeries: {
        series.clear();
        WARD_RETURN_IF_ERROR(record::DecodeSeries(rec, &series));
        auto end = std::remove_if(series.begin(), series.end(),
                                  [&](const auto& s) { return !keep(s.ref); });
        const int kept = static_cast<int>(end - series.begin());
        stats.total_series += static_cast<int>(series.size());
        stats.dropped_series += static_cast<int>(series.size()) - kept;
        if (kept > 0) record::EncodeSeries(std::span(series.data(), kept), &enc);
        break;
      }
      case record::Type::kSamples: {
        samples.clear();
        WARD_RETURN_IF_ERROR(record::DecodeSamples(rec, &samples));
        auto end = std::remove_if(samples.begin(), samples.end(),
                                  [&](const auto& s) { return s.t < mint; });
        const int kept = static_cast<int>(end - samples.begin());
        stats.total_samples += static_cast<int>(samples.size());
        stats.dropped_samples += static_cast<int>(samples.size()) - kept;
        if (kept > 0) record::EncodeSamples(std::span(samples.data(), kept), &enc);
        break;
      }
      case record::Type::kTombstones: {
        stones.clear();
        WARD_RETURN_IF_ERROR(record::DecodeTombstones(rec, &stones));
        auto end = std::remove_if(stones.begin(), stones.end(),
                                  [&](const auto& s) { return s.maxt < mint; });
        const int kept = static_cast<int>(end - stones.begin());
        stats.total_tombstones += static_cast<int>(stones.size());
        stats.dropped_tombstones += static_cast<int>(stones.size()) - kept;
        if (kept > 0) record::EncodeTombstones(std::span(stones.data(), kept), &enc);
        break;
      }
      case record::Type::kExemplars: {
        exemplars.clear();
        WARD_RETURN_IF_ERROR(record::DecodeExemplars(rec, &exemplars));
        auto end = std::remove_if(exemplars.begin(), exemplars.end(),
                                  [&](const auto& e) { return e.t < mint; });
        const int kept = static_cast<int>(end - exemplars.begin());
        stats.total_exemplars += static_cast<int>(exemplars.size());
        stats.dropped_exemplars += static_cast<int>(exemplars.size()) - kept;
        if (kept > 0) record::EncodeExemplars(std::span(exemplars.data(), kept), &enc);
        break;
      }
      case record::Type::kMetadata: {
        metadata.clear();
        WARD_RETURN_IF_ERROR(record::DecodeMetadata(rec, &metadata));
        int fresh = 0;
        for (auto& m : metadata) {
          if (!keep(m.ref)) continue;
          if (latest_metadata.find(m.ref) == latest_metadata.end()) ++fresh;
          latest_metadata[m.ref] = std::move(m);
        }
        stats.total_metadata += static_cast<int>(metadata.size());
        stats.dropped_metadata += static_cast<int>(metadata.size()) - fresh;
        break;
      }
      default:
        // Histograms and unknown (newer) record types are not carried over.
        break;
    }
    if (enc.empty()) continue;
    out_bytes += enc.size();
    out.push_back(std::move(enc));
    if (out_bytes > (1 << 20)) WARD_RETURN_IF_ERROR(flush());
  }
  // A checkpoint over damaged input would silently lose series.
  if (!r.Err().ok()) return r.Err().WithContext("read segments for checkpoint");
  WARD_RETURN_IF_ERROR(flush());
  if (!latest_metadata.empty()) {
    std::vector<record::RefMetadata> md;
    md.reserve(latest_metadata.size());
    for (auto& [ref, m] : latest_metadata) md.push_back(std::move(m));
    std::sort(md.begin(), md.end(), [](const auto& a, const auto& b) { return a.ref < b.ref; });
    std::string enc;
    record::EncodeMetadata(md, &enc);
    WARD_RETURN_IF_ERROR(cp->Log(enc));
  }
  WARD_RETURN_IF_ERROR(cp->Close());
  cp.reset();
  WARD_RETURN_IF_ERROR(SyncPath(tmpdir));
  std::filesystem::remove_all(cpdir, ec);
  if (::rename(tmpdir.c_str(), cpdir.c_str()) != 0) {
    return Status::IOError("rename checkpoint " + tmpdir + ": " + std::strerror(errno));
  }
  WARD_RETURN_IF_ERROR(SyncPath(wal_dir));
  return stats;
}

}  // namespace ward::tsdb::wlog
