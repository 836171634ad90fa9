#include "tsdb/dump.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>

#include "tsdb/block/block.h"
#include "tsdb/block/merge_querier.h"
#include "tsdb/block/meta.h"
#include "tsdb/head.h"

namespace ward::tsdb {

std::string FormatGoFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip digits in scientific form: [-]d[.ddd]e[+-]x
  char sci[64];
  auto r = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  std::string s(sci, r.ptr);
  size_t e = s.find('e');
  int exp = std::atoi(s.c_str() + e + 1);
  // Go's strconv 'g' with precision -1 uses the %e form when the exponent
  // is < -4 or >= 6 (eprec is fixed at 6 for the shortest format).
  constexpr int eprec = 6;
  if (exp < -4 || exp >= eprec) {
    std::string out = s.substr(0, e);
    out += 'e';
    out += exp < 0 ? '-' : '+';
    int ax = exp < 0 ? -exp : exp;
    if (ax < 10) out += '0';
    out += std::to_string(ax);
    return out;
  }
  char fix[400];
  auto rf = std::to_chars(fix, fix + sizeof fix, v, std::chars_format::fixed);
  return std::string(fix, rf.ptr);
}

Status DumpSamples(const std::string& dir, int64_t mint, int64_t maxt,
                   const std::vector<labels::Matcher>& matchers, std::ostream& out) {
  std::vector<std::shared_ptr<block::Block>> blocks;
  {
    std::error_code ec;
    std::vector<std::string> names;
    for (auto it = std::filesystem::directory_iterator(dir, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      std::error_code dec;
      std::string name = it->path().filename().string();
      if (it->is_directory(dec) && block::ParseULID(name)) names.push_back(name);
    }
    // A missing directory holds nothing (as the head's replay treats it).
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return Status::IOError("list data directory " + dir + ": " + ec.message());
    }
    std::sort(names.begin(), names.end());  // ULIDs sort by creation time
    for (const std::string& name : names) {
      WARD_ASSIGN_OR_RETURN(std::shared_ptr<block::Block> b, block::Block::Open(dir + "/" + name));
      blocks.push_back(std::move(b));
    }
  }
  Head head(HeadOptions{}, nullptr, nullptr);
  int64_t blocks_maxt = std::numeric_limits<int64_t>::min();
  for (const auto& b : blocks) blocks_maxt = std::max(blocks_maxt, b->MaxTime());
  if (!blocks.empty()) head.SetMinValidTime(blocks_maxt);
  WARD_RETURN_IF_ERROR(head.Replay(dir + "/wal", /*repair=*/false));
  std::vector<std::unique_ptr<storage::Querier>> qs;
  for (const auto& b : blocks) {
    if (b->MinTime() > maxt || b->MaxTime() <= mint) continue;
    WARD_ASSIGN_OR_RETURN(std::unique_ptr<storage::Querier> bq, b->NewQuerier(mint, maxt));
    qs.push_back(std::move(bq));
  }
  WARD_ASSIGN_OR_RETURN(std::unique_ptr<storage::Querier> hq, head.NewQuerier(mint, maxt));
  qs.push_back(std::move(hq));
  std::unique_ptr<storage::Querier> q =
      qs.size() == 1 ? std::move(qs[0]) : std::make_unique<block::MergeQuerier>(std::move(qs));
  std::vector<labels::Matcher> ms = matchers;
  if (ms.empty()) {
    WARD_ASSIGN_OR_RETURN(labels::Matcher all,
                          labels::Matcher::Make(labels::MatchType::kRegexMatch, "", ".*"));
    ms.push_back(std::move(all));
  }
  std::unique_ptr<storage::SeriesSet> ss = q->Select(true, nullptr, ms);
  std::string line;
  while (ss->Next()) {
    const storage::Series& s = ss->At();
    std::string lstr = s.Labels().ToString();
    auto it = s.Iterator();
    while (it->Next() == storage::ValueType::kFloat) {
      int64_t t;
      double v;
      it->At(&t, &v);
      line.clear();
      line += lstr;
      line += ' ';
      line += FormatGoFloat(v);
      line += ' ';
      line += std::to_string(t);
      line += '\n';
      out << line;
    }
    WARD_RETURN_IF_ERROR(it->Err());
  }
  WARD_RETURN_IF_ERROR(ss->Err());
  if (!out) return Status::IOError("write dump output");
  return Status::OK();
}

}  // namespace ward::tsdb
