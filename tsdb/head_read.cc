#include "tsdb/head_read.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>

namespace ward::tsdb {

Result<std::unique_ptr<storage::Querier>> Head::NewQuerier(int64_t mint, int64_t maxt) {
  return std::unique_ptr<storage::Querier>(std::make_unique<HeadQuerier>(this, mint, maxt));
}

// ---- iterator ----

HeadSampleIterator::HeadSampleIterator(std::shared_ptr<const ChunkSnapshot> snap, int64_t mint,
                                       int64_t maxt)
    : snap_(std::move(snap)), mint_(mint), maxt_(maxt) {}

bool HeadSampleIterator::OpenChunk(size_t i) {
  idx_ = i;
  if (i >= snap_->chunks.size()) {
    it_.reset();
    return false;
  }
  it_.emplace(chunkenc::XORChunk::IterateBytes(snap_->chunks[i].bytes));
  return true;
}

storage::ValueType HeadSampleIterator::Next() {
  if (done_) return storage::ValueType::kNone;
  if (!started_) {
    started_ = true;
    if (!snap_->err.ok()) {
      err_ = snap_->err;
      return Done();
    }
    if (!OpenChunk(0)) return Done();
  }
  while (it_.has_value()) {
    if (it_->Next()) {
      int64_t t;
      double v;
      it_->At(&t, &v);
      if (t < mint_) continue;
      if (t > maxt_) return Done();
      if (!snap_->deleted.empty()) {
        const tombstones::Intervals& d = snap_->deleted;
        while (del_idx_ < d.size() && d[del_idx_].maxt < t) ++del_idx_;
        if (del_idx_ < d.size() && d[del_idx_].mint <= t) continue;
      }
      t_ = t;
      v_ = v;
      valid_ = true;
      return storage::ValueType::kFloat;
    }
    Status st = it_->Err();
    if (!st.ok()) {
      err_ = st.WithContext("read head chunk");
      return Done();
    }
    if (!OpenChunk(idx_ + 1)) break;
  }
  return Done();
}

storage::ValueType HeadSampleIterator::Seek(int64_t t) {
  if (done_) return storage::ValueType::kNone;
  if (valid_ && t_ >= t) return storage::ValueType::kFloat;
  if (!started_) {
    started_ = true;
    if (!snap_->err.ok()) {
      err_ = snap_->err;
      return Done();
    }
    if (!OpenChunk(0)) return Done();
  }
  t = std::max(t, mint_);
  // Skip whole chunks that end before t.
  size_t i = idx_;
  while (i < snap_->chunks.size() && snap_->chunks[i].maxt < t) ++i;
  if (i != idx_ && !OpenChunk(i)) return Done();
  if (!it_.has_value()) return Done();
  while (true) {
    auto vt = Next();
    if (vt == storage::ValueType::kNone) return vt;
    if (t_ >= t) return vt;
  }
}

// ---- series and series set ----

namespace {

class HeadSeries final : public storage::Series {
 public:
  // `s` and the symbols stay alive while the snapshot's pin is held (the
  // series is freed only after every reader that could see it is gone).
  HeadSeries(const Head* head, const SymbolTable* symbols, const MemSeries* s,
             std::shared_ptr<const ChunkSnapshot> snap, int64_t mint, int64_t maxt)
      : head_(head), symbols_(symbols), s_(s), snap_(std::move(snap)), mint_(mint), maxt_(maxt) {}
  // Built on first use: many queries (count, grouping by a few labels) never
  // need the whole label set of every series.
  const labels::Labels& Labels() const override {
    if (!lset_.has_value()) lset_ = head_->LabelsOf(*s_);
    return *lset_;
  }
  void LabelViews(std::vector<storage::LabelView>* out) const override {
    out->clear();
    s_->ForEachLabel([&](uint32_t n, uint32_t v) {
      out->push_back(storage::LabelView{symbols_->Get(n), symbols_->Get(v)});
      return true;
    });
  }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    return std::make_unique<HeadSampleIterator>(snap_, mint_, maxt_);
  }
  // From the series' newest sample: no chunk decoding. Unknown when that
  // sample is newer than maxt (an older one is wanted), or with tombstones.
  Latest LatestIn(int64_t mint, int64_t maxt, int64_t* t, double* v) const override {
    if (!snap_->has_last || !snap_->err.ok() || !snap_->deleted.empty()) return Latest::kUnknown;
    mint = std::max(mint, mint_);
    maxt = std::min(maxt, maxt_);
    if (snap_->last_t > maxt) return Latest::kUnknown;
    if (snap_->last_t < mint) return Latest::kNone;
    *t = snap_->last_t;
    *v = snap_->last_v;
    return Latest::kFound;
  }

 private:
  const Head* const head_;
  const SymbolTable* const symbols_;
  const MemSeries* const s_;
  mutable std::optional<labels::Labels> lset_;
  std::shared_ptr<const ChunkSnapshot> snap_;
  int64_t mint_, maxt_;
};

}  // namespace

class HeadSeriesSet final : public storage::SeriesSet {
 public:
  HeadSeriesSet(Head* head, std::shared_ptr<const HeadReadPin> pin, std::vector<MemSeries*> series,
                int64_t mint, int64_t maxt,
                std::shared_ptr<const tombstones::MemTombstones> tombstones)
      : head_(head),
        pin_(std::move(pin)),
        series_(std::move(series)),
        mint_(mint),
        maxt_(maxt),
        tombstones_(std::move(tombstones)) {}

  bool Next() override {
    while (pos_ < series_.size()) {
      MemSeries* s = series_[pos_++];
      auto snap = std::make_shared<ChunkSnapshot>();
      if (!Snapshot(s, snap.get())) continue;
      if (tombstones_ != nullptr && snap->err.ok()) {
        if (const tombstones::Intervals* d = tombstones_->Get(s->ref)) {
          // A series whose samples in range are all deleted is left out,
          // as Prometheus's querier does.
          int64_t lo = std::max(mint_, snap_mint_), hi = std::min(maxt_, snap_maxt_);
          bool all = false;
          for (const tombstones::Interval& iv : *d) all = all || (iv.mint <= lo && hi <= iv.maxt);
          if (all) continue;
          snap->deleted = *d;
        }
      }
      snap->pin = pin_;
      cur_ = std::make_unique<HeadSeries>(head_, &head_->symbols_, s, std::move(snap), mint_,
                                          maxt_);
      return true;
    }
    cur_.reset();
    return false;
  }
  const storage::Series& At() const override { return *cur_; }
  Status Err() const override { return Status::OK(); }

 private:
  // Copies the chunk list of `s` overlapping [mint_, maxt_]. False if none.
  bool Snapshot(MemSeries* s, ChunkSnapshot* snap) {
    std::vector<ChunkMeta> full;
    snap_mint_ = std::numeric_limits<int64_t>::max();
    snap_maxt_ = std::numeric_limits<int64_t>::min();
    {
      std::lock_guard<SpinLock> l(s->lock);
      for (const ChunkMeta& c : s->full_chunks) {
        if (c.maxt >= mint_ && c.mint <= maxt_) {
          full.push_back(c);
          snap_mint_ = std::min(snap_mint_, c.mint);
          snap_maxt_ = std::max(snap_maxt_, c.maxt);
        }
      }
      if (s->has_last_v && s->last_t != std::numeric_limits<int64_t>::min()) {
        snap->has_last = true;
        snap->last_t = s->last_t;
        std::memcpy(&snap->last_v, &s->last_v_bits, sizeof snap->last_v);
      }
      if (s->head_chunk.has_value() && s->head_maxt() >= mint_ && s->head_mint <= maxt_) {
        snap_mint_ = std::min(snap_mint_, s->head_mint);
        snap_maxt_ = std::max(snap_maxt_, s->head_maxt());
        snap->open_bytes.assign(s->head_chunk->Bytes());
        snap->chunks.reserve(full.size() + 1);
      }
    }
    for (const ChunkMeta& c : full) {
      Result<std::string_view> b = head_->ChunkBytes(c);
      if (!b.ok()) {
        snap->err = b.status().WithContext("read mmapped chunk");
        return true;  // report the error through the iterator
      }
      snap->chunks.push_back({*b, c.mint, c.maxt});
    }
    if (!snap->open_bytes.empty()) {
      // The open chunk's time range: it starts after the last full chunk.
      snap->chunks.push_back({snap->open_bytes, std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max()});
    }
    return !snap->chunks.empty();
  }

  Head* const head_;
  const std::shared_ptr<const HeadReadPin> pin_;
  std::vector<MemSeries*> series_;
  const int64_t mint_, maxt_;
  const std::shared_ptr<const tombstones::MemTombstones> tombstones_;  // null: none
  int64_t snap_mint_ = 0, snap_maxt_ = 0;  // time range of the last Snapshot's chunks
  size_t pos_ = 0;
  std::unique_ptr<storage::Series> cur_;
};

// ---- querier ----

std::unique_ptr<storage::SeriesSet> HeadQuerier::Select(
    bool sorted, const storage::SelectHints* hints, const std::vector<labels::Matcher>& matchers) {
  int64_t mint = mint_, maxt = maxt_;
  if (hints != nullptr) {
    mint = std::max(mint, hints->start_ms);
    maxt = std::min(maxt, hints->end_ms);
  }
  if (!Overlaps()) return storage::EmptySeriesSet();
  Roaring ids = head_->postings_.ForMatchers(matchers);
  std::vector<MemSeries*> series;
  series.reserve(ids.cardinality());
  for (uint32_t id : ids) {
    // Null when Truncate unlinked it after the postings lookup.
    if (MemSeries* s = head_->by_id_.Get(id)) series.push_back(s);
  }
  // Sorted by labels only when asked (merge queriers ask); otherwise in
  // postings (series id) order, as Prometheus's head returns them to the
  // PromQL engine. The label sort was up to 40% of a query over 1M series.
  if (sorted) {
    Head* h = head_;
    std::sort(series.begin(), series.end(),
              [h](const MemSeries* a, const MemSeries* b) { return h->Compare(*a, *b) < 0; });
  }
  return std::make_unique<HeadSeriesSet>(head_, pin_, std::move(series), mint, maxt,
                                         tombstones_);
}

Result<std::vector<std::string>> HeadQuerier::LabelValues(
    const std::string& name, const std::vector<labels::Matcher>& matchers) {
  if (!Overlaps()) return std::vector<std::string>{};
  if (matchers.empty()) return head_->postings_.LabelValues(name);
  uint32_t name_id;
  if (!head_->symbols_.Find(name, &name_id)) return std::vector<std::string>{};
  Roaring ids = head_->postings_.ForMatchers(matchers);
  absl::flat_hash_map<uint32_t, bool> seen;
  for (uint32_t id : ids) {
    const MemSeries* s = head_->by_id_.Get(id);
    if (s == nullptr) continue;
    s->ForEachLabel([&](uint32_t n, uint32_t v) {
      if (n != name_id) return true;
      seen.emplace(v, true);
      return false;
    });
  }
  std::vector<std::string> out;
  out.reserve(seen.size());
  for (const auto& [vid, unused] : seen) out.emplace_back(head_->symbols_.Get(vid));
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<std::string>> HeadQuerier::LabelNames(
    const std::vector<labels::Matcher>& matchers) {
  if (!Overlaps()) return std::vector<std::string>{};
  if (matchers.empty()) return head_->postings_.LabelNames();
  Roaring ids = head_->postings_.ForMatchers(matchers);
  absl::flat_hash_map<uint32_t, bool> seen;
  for (uint32_t id : ids) {
    const MemSeries* s = head_->by_id_.Get(id);
    if (s == nullptr) continue;
    s->ForEachLabel([&](uint32_t n, uint32_t) {
      seen.emplace(n, true);
      return true;
    });
  }
  std::vector<std::string> out;
  out.reserve(seen.size());
  for (const auto& [nid, unused] : seen) out.emplace_back(head_->symbols_.Get(nid));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ward::tsdb
