// create-blocks-from openmetrics (tools.h): one parse of the input into
// per-series sample vectors, validation of the whole input, then one block
// per occupied aligned range, written through block::WriteBlock from an
// in-memory sorted series set.
#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/textparse/parser.h"
#include "tsdb/block/block_writer.h"
#include "tsdb/tools/tools.h"

namespace ward::tsdb::tools {
namespace {

struct Sample {
  int64_t t;
  double v;
};

struct InputSeries {
  labels::Labels lset;
  std::vector<Sample> samples;  // stable-sorted by block range, file order within
  size_t pos = 0;               // cursor: first sample of the next block
};

// Iterates one series' samples of one block: [begin, end).
class SpanIterator final : public storage::SampleIterator {
 public:
  SpanIterator(const Sample* begin, const Sample* end) : begin_(begin), end_(end) {}
  storage::ValueType Next() override {
    if (i_ + 1 >= end_ - begin_) {
      i_ = end_ - begin_;
      return storage::ValueType::kNone;
    }
    ++i_;
    return storage::ValueType::kFloat;
  }
  storage::ValueType Seek(int64_t t) override {
    if (i_ < 0) i_ = 0;
    while (i_ < end_ - begin_ && begin_[i_].t < t) ++i_;
    return i_ < end_ - begin_ ? storage::ValueType::kFloat : storage::ValueType::kNone;
  }
  void At(int64_t* t, double* v) const override {
    *t = begin_[i_].t;
    *v = begin_[i_].v;
  }
  int64_t AtT() const override { return begin_[i_].t; }
  Status Err() const override { return Status::OK(); }

 private:
  const Sample* begin_;
  const Sample* end_;
  std::ptrdiff_t i_ = -1;
};

class SpanSeries final : public storage::Series {
 public:
  const labels::Labels& Labels() const override { return *lset_; }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    return std::make_unique<SpanIterator>(begin_, end_);
  }
  const labels::Labels* lset_ = nullptr;
  const Sample* begin_ = nullptr;
  const Sample* end_ = nullptr;
};

// The series of one block, in label order.
class BlockSeriesSet final : public storage::SeriesSet {
 public:
  explicit BlockSeriesSet(std::vector<SpanSeries> series) : series_(std::move(series)) {}
  bool Next() override { return ++i_ < series_.size(); }
  const storage::Series& At() const override { return series_[i_]; }
  Status Err() const override { return Status::OK(); }

 private:
  std::vector<SpanSeries> series_;
  size_t i_ = static_cast<size_t>(-1);
};

bool SameValue(double a, double b) {
  uint64_t x, y;
  std::memcpy(&x, &a, 8);
  std::memcpy(&y, &b, 8);
  return x == y;
}

}  // namespace

int64_t CompatibleBlockDuration(int64_t max_block_duration_ms) {
  int64_t d = kDefaultBlockDurationMs;
  if (max_block_duration_ms <= d) return d;
  // Ranges 2h * 3^i for i < 10; the largest not above the request.
  int64_t r = d;
  for (int i = 1; i < 10; ++i) {
    int64_t next = r * 3;
    if (next > max_block_duration_ms) break;
    r = next;
  }
  return r;
}

Status CreateBlocksFromOpenMetrics(std::string_view input, const std::string& out_dir,
                                   const CreateBlocksOptions& opts, std::ostream& out) {
  for (const auto& [n, unused] : opts.labels) {
    bool ok = !n.empty() && !(n[0] >= '0' && n[0] <= '9');
    for (char c : n) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_');
    }
    if (!ok) return Status::InvalidArgument("invalid label name \"" + n + "\"");
  }
  const int64_t dur = CompatibleBlockDuration(opts.max_block_duration_ms);
  auto parser = textparse::NewOpenMetricsParser(input);
  absl::flat_hash_map<std::string_view, uint32_t> by_raw;  // raw series text -> index
  absl::flat_hash_map<uint64_t, std::vector<uint32_t>> by_hash;
  std::vector<InputSeries> series;
  int64_t mint = std::numeric_limits<int64_t>::max();
  int64_t maxt = std::numeric_limits<int64_t>::min();
  labels::Labels scratch;
  labels::Builder builder;
  for (;;) {
    auto e = parser->Next();
    if (!e.ok()) return Status::InvalidArgument("parse: " + e.status().ToString());
    if (*e == textparse::Entry::kEOF) break;
    if (*e != textparse::Entry::kSeries) continue;
    std::string_view raw;
    std::optional<int64_t> ts;
    double v;
    parser->Series(&raw, &ts, &v);
    uint32_t idx;
    auto it = by_raw.find(raw);
    if (it != by_raw.end()) {
      idx = it->second;
    } else {
      parser->Metric(&scratch);
      if (!opts.labels.empty()) {
        builder.Reset(scratch);
        for (const auto& [name, value] : opts.labels) builder.Set(name, value);
        scratch = builder.Build();
      }
      // The same series may be written differently (spacing, label order).
      auto& bucket = by_hash[scratch.Hash()];
      idx = UINT32_MAX;
      for (uint32_t c : bucket) {
        if (labels::Labels::Compare(series[c].lset, scratch) == 0) idx = c;
      }
      if (idx == UINT32_MAX) {
        idx = static_cast<uint32_t>(series.size());
        bucket.push_back(idx);
        series.push_back(InputSeries{scratch, {}});
      }
      by_raw.emplace(raw, idx);
    }
    if (!ts.has_value()) {
      return Status::InvalidArgument("expected timestamp for series " +
                                     series[idx].lset.ToString() + ", got none");
    }
    series[idx].samples.push_back({*ts, v});
    mint = std::min(mint, *ts);
    maxt = std::max(maxt, *ts);
  }
  if (series.empty()) return Status::OK();
  const int64_t base = dur * (mint / dur);  // truncating, as promtool
  int64_t spread;
  if (maxt == std::numeric_limits<int64_t>::max() || __builtin_sub_overflow(maxt, base, &spread)) {
    return Status::InvalidArgument("sample timestamps span too wide a range: " +
                                   std::to_string(mint) + " to " + std::to_string(maxt));
  }
  auto block_of = [&](int64_t t) { return (t - base) / dur; };

  // Per block range: the first and last sample time.
  std::map<int64_t, std::pair<int64_t, int64_t>> ranges;
  for (auto& s : series) {
    std::stable_sort(s.samples.begin(), s.samples.end(), [&](const Sample& a, const Sample& b) {
      return block_of(a.t) < block_of(b.t);
    });
    // Validate order within each block range, dropping exact repeats.
    size_t w = 0;
    for (size_t r = 0; r < s.samples.size(); ++r) {
      const Sample& cur = s.samples[r];
      if (w > 0 && block_of(s.samples[w - 1].t) == block_of(cur.t)) {
        const Sample& prev = s.samples[w - 1];
        if (cur.t < prev.t) {
          return Status::InvalidArgument("out of order sample for series " + s.lset.ToString() +
                                         ": timestamp " + std::to_string(cur.t) + " after " +
                                         std::to_string(prev.t));
        }
        if (cur.t == prev.t) {
          if (SameValue(cur.v, prev.v)) continue;
          return Status::InvalidArgument("duplicate sample for timestamp " + std::to_string(cur.t) +
                                         " with a different value " + "for series " +
                                         s.lset.ToString());
        }
      }
      s.samples[w++] = cur;
    }
    s.samples.resize(w);
    for (const Sample& x : s.samples) {
      auto [rit, inserted] = ranges.try_emplace(block_of(x.t), x.t, x.t);
      if (!inserted) {
        rit->second.first = std::min(rit->second.first, x.t);
        rit->second.second = std::max(rit->second.second, x.t);
      }
    }
  }
  std::vector<uint32_t> order(series.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return series[a].lset < series[b].lset; });

  bool wrote_header = false;
  std::vector<SpanSeries> spans;
  for (const auto& [blk, range] : ranges) {
    spans.clear();
    for (uint32_t i : order) {
      InputSeries& s = series[i];
      size_t b = s.pos, e = b;
      while (e < s.samples.size() && block_of(s.samples[e].t) == blk) ++e;
      s.pos = e;
      if (e == b) continue;
      SpanSeries sp;
      sp.lset_ = &s.lset;
      sp.begin_ = s.samples.data() + b;
      sp.end_ = s.samples.data() + e;
      spans.push_back(sp);
    }
    BlockSeriesSet set(std::move(spans));
    spans = {};
    block::WriteBlockOptions wo;
    wo.chunk_encoding = opts.chunk_encoding;
    auto ulid = block::WriteBlock(out_dir, set, range.first, range.second + 1, wo);
    if (!ulid.ok()) return Status::IOError("write block: " + ulid.status().ToString());
    if (opts.quiet || ulid->empty()) continue;
    auto opened = block::Block::Open(out_dir + "/" + *ulid);
    if (!opened.ok()) return opened.status();
    PrintBlocks({*opened}, !wrote_header, opts.human_readable, out);
    wrote_header = true;
  }
  return Status::OK();
}

}  // namespace ward::tsdb::tools
