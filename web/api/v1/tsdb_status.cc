// /api/v1/status/tsdb and /api/v1/status/walreplay.
//
// status/tsdb counts, in one pass over the head's series, the series per
// metric name, the values per label name, the bytes of values per label
// name (value length times the series carrying it, as Prometheus's
// MemPostings.Stats) and the series per label pair, then keeps the `limit`
// largest of each, ordered by count descending, then name.
#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "web/api/v1/handlers.h"
#include "web/api/v1/params.h"

namespace ward::web::api::v1 {

namespace {

struct Stat {
  std::string name;
  uint64_t value = 0;
};

// The `limit` largest by value, then name ascending.
std::vector<Stat> TopN(std::vector<Stat> all, size_t limit) {
  auto less = [](const Stat& a, const Stat& b) {
    if (a.value != b.value) return a.value > b.value;
    return a.name < b.name;
  };
  if (all.size() > limit) {
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(limit), all.end(),
                      less);
    all.resize(limit);
  } else {
    std::sort(all.begin(), all.end(), less);
  }
  return all;
}

void WriteStats(JsonWriter& w, std::string_view key, const std::vector<Stat>& stats) {
  w.Key(key);
  w.BeginArray();
  for (const Stat& s : stats) {
    w.BeginObject();
    w.Key("name");
    w.String(s.name);
    w.Key("value");
    w.Int(static_cast<int64_t>(s.value));
    w.EndObject();
  }
  w.EndArray();
}

// Series count per label value, for one label name.
using ValueCounts = std::unordered_map<std::string, uint64_t>;

}  // namespace

void API::StatusTSDB(const Request& req, Response& resp) const {
  size_t limit = 10;
  std::string_view ls = req.FormValue("limit");
  if (!ls.empty()) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(ls.data(), ls.data() + ls.size(), v);
    if (ec != std::errc() || ptr != ls.data() + ls.size() || v < 1) {
      WriteError(resp, ErrorType::kBadData, "limit must be a positive number");
      return;
    }
    limit = static_cast<size_t>(v);
  }

  TSDBHeadStats hs;
  if (opts_.head_stats) hs = opts_.head_stats();
  int64_t mint = kMinTimeMs, maxt = kMaxTimeMs;
  if (opts_.head_stats && hs.min_time_ms <= hs.max_time_ms) {
    mint = hs.min_time_ms;
    maxt = hs.max_time_ms;
  }
  storage::Queryable* q = opts_.head != nullptr ? opts_.head : opts_.db;

  // label name -> (value -> series count).
  std::unordered_map<std::string, ValueCounts> postings;
  uint64_t series = 0;
  if (!opts_.head_stats || hs.num_series > 0) {
    auto querier = q->NewQuerier(mint, maxt);
    if (!querier.ok()) {
      WriteError(resp, ErrorTypeFor(querier.status()), querier.status().message());
      return;
    }
    auto all = labels::Matcher::Make(labels::MatchType::kRegexMatch, "__name__", ".+");
    if (!all.ok()) {
      WriteError(resp, ErrorType::kInternal, all.status().message());
      return;
    }
    storage::SelectHints hints;
    hints.start_ms = mint;
    hints.end_ms = maxt;
    hints.func = "series";  // labels only
    std::vector<labels::Matcher> ms{std::move(all).value()};
    auto set = (*querier)->Select(false, &hints, ms);
    while (set->Next()) {
      series++;
      for (const labels::Label& l : set->At().Labels()) postings[l.name][l.value]++;
    }
    if (Status st = set->Err(); !st.ok()) {
      WriteError(resp, ErrorTypeFor(st), st.message());
      return;
    }
  }

  std::vector<Stat> by_metric, value_counts, memory, pairs;
  uint64_t num_label_pairs = 0;
  for (const auto& [name, values] : postings) {
    value_counts.push_back({name, values.size()});
    num_label_pairs += values.size();
    uint64_t bytes = 0;
    for (const auto& [value, n] : values) {
      if (name == labels::kMetricName) by_metric.push_back({value, n});
      pairs.push_back({name + "=" + value, n});
      bytes += value.size() * n;
    }
    memory.push_back({name, bytes});
  }
  if (!opts_.head_stats) hs.num_series = series;

  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginObject();
    w.Key("headStats");
    w.BeginObject();
    w.Key("numSeries");
    w.Int(static_cast<int64_t>(hs.num_series));
    w.Key("numLabelPairs");
    w.Int(static_cast<int64_t>(num_label_pairs));
    w.Key("chunkCount");
    w.Int(hs.chunk_count);
    w.Key("minTime");
    w.Int(hs.min_time_ms);
    w.Key("maxTime");
    w.Int(hs.max_time_ms);
    w.EndObject();
    WriteStats(w, "seriesCountByMetricName", TopN(std::move(by_metric), limit));
    WriteStats(w, "labelValueCountByLabelName", TopN(std::move(value_counts), limit));
    WriteStats(w, "memoryInBytesByLabelName", TopN(std::move(memory), limit));
    WriteStats(w, "seriesCountByLabelValuePair", TopN(std::move(pairs), limit));
    w.EndObject();
  });
}

void API::StatusWALReplay(const Request& req, Response& resp) const {
  WALReplayStatus s;
  if (opts_.wal_replay) s = opts_.wal_replay();
  WriteSuccess(resp, [&](JsonWriter& w) {
    w.BeginObject();
    w.Key("min");
    w.Int(s.min);
    w.Key("max");
    w.Int(s.max);
    w.Key("current");
    w.Int(s.current);
    w.EndObject();
  });
}

}  // namespace ward::web::api::v1
