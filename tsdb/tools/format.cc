// Go-compatible formatting of durations, sizes and times, and the block
// table of `tsdb list` (tools.h).
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "tsdb/block/meta.h"
#include "tsdb/tools/tools.h"

namespace ward::tsdb::tools {

std::string FormatGoDurationMs(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  // Work on the magnitude; INT64_MIN ms cannot occur for a valid block.
  uint64_t u = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  if (ms < 0) out.push_back('-');
  char buf[64];
  if (u < 1000) {
    std::snprintf(buf, sizeof(buf), "%" PRIu64 "ms", u);
    return out + buf;
  }
  uint64_t frac = u % 1000;
  uint64_t secs = u / 1000;
  std::string sec_part = std::to_string(secs % 60);
  if (frac != 0) {
    std::snprintf(buf, sizeof(buf), "%03" PRIu64, frac);
    std::string f = buf;
    while (!f.empty() && f.back() == '0') f.pop_back();
    sec_part += "." + f;
  }
  sec_part += "s";
  uint64_t mins = secs / 60;
  if (mins > 0) {
    uint64_t hours = mins / 60;
    if (hours > 0) out += std::to_string(hours) + "h";
    out += std::to_string(mins % 60) + "m";
  }
  return out + sec_part;
}

Result<int64_t> ParseGoDurationMs(std::string_view s) {
  const std::string orig(s);
  auto bad = [&] { return Status::InvalidArgument("invalid duration \"" + orig + "\""); };
  if (s == "0") return int64_t{0};
  if (s.empty()) return bad();
  double total_ns = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == 0) return bad();
    std::string num(s.substr(0, i));
    if (std::count(num.begin(), num.end(), '.') > 1 || num == ".") return bad();
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && !((s[u] >= '0' && s[u] <= '9') || s[u] == '.')) ++u;
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    double scale;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else
      return bad();
    total_ns += std::stod(num) * scale;
  }
  if (total_ns > 9.2e18) return bad();
  return static_cast<int64_t>(total_ns / 1e6);
}

std::string FormatBase2Bytes(int64_t n) {
  static const char* const kUnits[] = {"", "K", "M", "G", "T", "P", "E"};
  constexpr int kN = 7;
  std::string parts[kN];
  for (int i = 0; i < kN; ++i) {
    if (n % 1024 != 0 || (i == 0 && n == 0)) {
      parts[kN - 1 - i] = std::to_string(n % 1024) + kUnits[i] + (i == 0 ? "B" : "iB");
    }
    n /= 1024;
    if (n == 0) break;
  }
  std::string out;
  for (const auto& p : parts) out += p;
  return out;
}

std::string FormatGoUTC(int64_t ms) {
  int64_t secs = ms / 1000;  // truncates toward zero, as Go's integer division
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y += 1;
  char buf[96];
  std::snprintf(buf, sizeof(buf),
                "%04" PRId64 "-%02" PRId64 "-%02" PRId64 " %02" PRId64 ":%02" PRId64 ":%02" PRId64
                " +0000 UTC",
                y, m, d, rem / 3600, rem / 60 % 60, rem % 60);
  return buf;
}

void PrintBlocks(const std::vector<std::shared_ptr<block::Block>>& blocks, bool header,
                 bool human_readable, std::ostream& out) {
  // Go's tabwriter with minwidth 13 and padding 2: every cell but the last of
  // a line is padded to the widest cell of its column plus 2, at least 13.
  std::vector<std::vector<std::string>> rows;
  if (header) {
    rows.push_back({"BLOCK ULID", "MIN TIME", "MAX TIME", "DURATION", "NUM SAMPLES", "NUM CHUNKS",
                    "NUM SERIES", "SIZE"});
  }
  auto fmt_time = [&](int64_t t) { return human_readable ? FormatGoUTC(t) : std::to_string(t); };
  for (const auto& b : blocks) {
    block::BlockMeta m = b->meta();
    rows.push_back({m.ulid, fmt_time(m.min_time), fmt_time(m.max_time),
                    FormatGoDurationMs(m.max_time - m.min_time),
                    std::to_string(m.stats.num_samples), std::to_string(m.stats.num_chunks),
                    std::to_string(m.stats.num_series),
                    human_readable ? FormatBase2Bytes(b->Size()) : std::to_string(b->Size())});
  }
  if (rows.empty()) return;
  const size_t cols = rows[0].size();
  std::vector<size_t> width(cols, 0);
  for (const auto& r : rows) {
    for (size_t c = 0; c + 1 < cols; ++c) width[c] = std::max(width[c], r[c].size() + 2);
  }
  for (auto& w : width) w = std::max<size_t>(w, 13);
  std::string line;
  for (const auto& r : rows) {
    line.clear();
    for (size_t c = 0; c + 1 < cols; ++c) {
      line += r[c];
      line.append(width[c] - r[c].size(), ' ');
    }
    line += r[cols - 1];
    line += '\n';
    out << line;
  }
}

Result<std::vector<std::shared_ptr<block::Block>>> OpenBlocks(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::IOError("open " + dir + ": " + ec.message());
  std::vector<std::string> names;
  for (const auto& e : it) {
    std::string name = e.path().filename().string();
    if (e.is_directory(ec) && block::ParseULID(name)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::vector<std::shared_ptr<block::Block>> blocks;
  for (const auto& name : names) {
    auto b = block::Block::Open((fs::path(dir) / name).string());
    if (!b.ok()) return b.status();
    blocks.push_back(std::move(*b));
  }
  std::stable_sort(blocks.begin(), blocks.end(),
                   [](const auto& a, const auto& b) { return a->MinTime() < b->MinTime(); });
  return blocks;
}

Status ListBlocks(const std::string& dir, bool human_readable, std::ostream& out) {
  WARD_ASSIGN_OR_RETURN(auto blocks, OpenBlocks(dir));
  PrintBlocks(blocks, true, human_readable, out);
  return Status::OK();
}

}  // namespace ward::tsdb::tools
