// tsdb analyze (tools.h): label cardinality and churn of one block, in the
// sections and format of promtool 2.42.
#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tsdb/block/meta.h"
#include "tsdb/tools/tools.h"

namespace ward::tsdb::tools {
namespace {

struct Info {
  std::string key;
  uint64_t metric;
};

void PrintInfo(std::vector<Info>& infos, int limit, std::string& buf) {
  std::sort(infos.begin(), infos.end(), [](const Info& a, const Info& b) {
    if (a.metric != b.metric) return a.metric > b.metric;
    return a.key < b.key;
  });
  for (size_t i = 0; i < infos.size() && static_cast<int64_t>(i) < limit; ++i) {
    buf += std::to_string(infos[i].metric);
    buf += ' ';
    buf += infos[i].key;
    buf += '\n';
  }
}

// Promtool divides a uint64 sum by the span as float64, then truncates.
uint64_t PerSpan(uint64_t m, int64_t span) {
  return static_cast<uint64_t>(static_cast<double>(m) / static_cast<double>(span));
}

}  // namespace

Status AnalyzeBlock(const std::string& dir, const std::string& block_id, int limit,
                    std::ostream& out) {
  namespace fs = std::filesystem;
  std::string id = block_id;
  if (id.empty()) {
    // The newest ULID time; on a tie the first name in directory order.
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) return Status::IOError("open " + dir + ": " + ec.message());
    std::vector<std::string> names;
    for (const auto& e : it) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    int64_t best = 0;
    for (const auto& n : names) {
      int64_t t = 0;
      if (block::ParseULID(n, &t) && t > best) {
        best = t;
        id = n;
      }
    }
    if (id.empty()) return Status::NotFound("no blocks found in " + dir);
  } else if (!block::ParseULID(id)) {
    return Status::InvalidArgument("invalid block ID " + id);
  }
  std::error_code ec;
  if (!fs::is_directory(fs::path(dir) / id, ec)) {
    return Status::NotFound("invalid block ID " + id + ": no such block in " + dir);
  }
  WARD_ASSIGN_OR_RETURN(auto b, block::Block::Open((fs::path(dir) / id).string()));
  const block::BlockMeta meta = b->meta();
  const index::IndexReader& ir = b->index();
  const int64_t span = meta.max_time - meta.min_time;

  std::string buf;
  buf += "Block ID: " + meta.ulid + "\n";
  buf += "Duration: " + FormatGoDurationMs(span) + "\n";
  buf += "Series: " + std::to_string(meta.stats.num_series) + "\n";
  std::vector<std::string_view> names = ir.LabelNames();
  buf += "Label names: " + std::to_string(names.size()) + "\n";

  absl::flat_hash_map<std::string_view, uint64_t> names_uncovered;
  absl::flat_hash_map<std::pair<std::string_view, std::string_view>, std::pair<uint64_t, uint64_t>>
      pairs;  // (name, value) -> (uncovered, count)
  uint64_t entries = 0;
  std::vector<uint32_t> ids;
  WARD_RETURN_IF_ERROR(ir.AllPostings(&ids));
  std::vector<uint32_t> syms;
  std::vector<index::ChunkMeta> chks;
  for (uint32_t sid : ids) {
    WARD_RETURN_IF_ERROR(ir.SeriesRefs(sid, &syms, &chks));
    if (chks.empty()) continue;  // no time covered; promtool would crash here
    const uint64_t uncovered =
        static_cast<uint64_t>(span) - static_cast<uint64_t>(chks.back().maxt - chks.front().mint);
    for (size_t i = 0; i + 1 < syms.size(); i += 2) {
      WARD_ASSIGN_OR_RETURN(std::string_view n, ir.Symbol(syms[i]));
      WARD_ASSIGN_OR_RETURN(std::string_view v, ir.Symbol(syms[i + 1]));
      names_uncovered[n] += uncovered;
      auto& p = pairs[{n, v}];
      p.first += uncovered;
      p.second++;
      entries++;
    }
  }
  buf += "Postings (unique label pairs): " + std::to_string(pairs.size()) + "\n";
  buf += "Postings entries (total label pairs): " + std::to_string(entries) + "\n";

  std::vector<Info> infos;
  auto pair_key = [](const std::pair<std::string_view, std::string_view>& k) {
    std::string s(k.first);
    s += '=';
    s += k.second;
    return s;
  };
  for (const auto& [k, p] : pairs) infos.push_back({pair_key(k), PerSpan(p.first, span)});
  buf += "\nLabel pairs most involved in churning:\n";
  PrintInfo(infos, limit, buf);

  infos.clear();
  for (const auto& [k, m] : names_uncovered) infos.push_back({std::string(k), PerSpan(m, span)});
  buf += "\nLabel names most involved in churning:\n";
  PrintInfo(infos, limit, buf);

  infos.clear();
  for (const auto& [k, p] : pairs) infos.push_back({pair_key(k), p.second});
  buf += "\nMost common label pairs:\n";
  PrintInfo(infos, limit, buf);

  infos.clear();
  std::vector<Info> card;
  for (std::string_view n : names) {
    std::vector<std::string_view> values = ir.LabelValues(n);
    uint64_t len = 0;
    for (std::string_view v : values) len += v.size();
    infos.push_back({std::string(n), len});
    card.push_back({std::string(n), values.size()});
  }
  buf += "\nLabel names with highest cumulative label value length:\n";
  PrintInfo(infos, limit, buf);
  buf += "\nHighest cardinality labels:\n";
  PrintInfo(card, limit, buf);

  infos.clear();
  for (std::string_view v : ir.LabelValues(labels::kMetricName)) {
    ids.clear();
    WARD_RETURN_IF_ERROR(ir.Postings(labels::kMetricName, v, &ids));
    infos.push_back({std::string(v), ids.size()});
  }
  buf += "\nHighest cardinality metric names:\n";
  PrintInfo(infos, limit, buf);
  out << buf;
  return Status::OK();
}

}  // namespace ward::tsdb::tools
