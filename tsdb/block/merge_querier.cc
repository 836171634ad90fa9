// MergeQuerier, the k-way series set merge and the chaining sample
// iterator. Semantics: merge_querier.h.
#include "tsdb/block/merge_querier.h"

#include <algorithm>
#include <limits>

namespace ward::tsdb::block {
namespace {

// Chains the samples of several iterators of one series by timestamp.
class ChainIterator final : public storage::SampleIterator {
 public:
  explicit ChainIterator(std::vector<std::unique_ptr<storage::SampleIterator>> its)
      : its_(std::move(its)), state_(its_.size(), storage::ValueType::kNone) {}

  storage::ValueType Next() override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < its_.size(); ++i) state_[i] = its_[i]->Next();
    } else if (cur_ >= 0) {
      int64_t t = its_[cur_]->AtT();
      for (size_t i = 0; i < its_.size(); ++i) {
        if (state_[i] != storage::ValueType::kNone && its_[i]->AtT() == t) {
          state_[i] = its_[i]->Next();
        }
      }
    } else {
      return storage::ValueType::kNone;
    }
    return Pick();
  }

  storage::ValueType Seek(int64_t t) override {
    if (started_ && cur_ >= 0 && its_[cur_]->AtT() >= t) return state_[cur_];
    if (started_ && cur_ < 0) return storage::ValueType::kNone;
    // Children at or past t stay put (Seek may stay on the current sample);
    // exhausted children stay exhausted.
    bool first = !started_;
    started_ = true;
    for (size_t i = 0; i < its_.size(); ++i) {
      if (first || state_[i] != storage::ValueType::kNone) state_[i] = its_[i]->Seek(t);
    }
    return Pick();
  }

  void At(int64_t* t, double* v) const override { its_[cur_]->At(t, v); }
  int64_t AtT() const override { return its_[cur_]->AtT(); }
  Status Err() const override {
    for (const auto& it : its_) {
      Status s = it->Err();
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

 private:
  storage::ValueType Pick() {
    cur_ = -1;
    int64_t best = std::numeric_limits<int64_t>::max();
    for (size_t i = 0; i < its_.size(); ++i) {
      if (state_[i] == storage::ValueType::kNone) continue;
      int64_t t = its_[i]->AtT();
      if (cur_ < 0 || t < best) {
        best = t;
        cur_ = static_cast<int>(i);
      }
    }
    return cur_ < 0 ? storage::ValueType::kNone : state_[cur_];
  }

  std::vector<std::unique_ptr<storage::SampleIterator>> its_;
  std::vector<storage::ValueType> state_;
  int cur_ = -1;
  bool started_ = false;
};

class MergedSeries final : public storage::Series {
 public:
  const labels::Labels& Labels() const override { return parts_[0]->Labels(); }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    std::vector<std::unique_ptr<storage::SampleIterator>> its;
    its.reserve(parts_.size());
    for (const storage::Series* s : parts_) its.push_back(s->Iterator());
    return std::make_unique<ChainIterator>(std::move(its));
  }
  std::vector<const storage::Series*> parts_;
};

class MergeSet final : public storage::SeriesSet {
 public:
  explicit MergeSet(std::vector<std::unique_ptr<storage::SeriesSet>> sets)
      : sets_(std::move(sets)), has_(sets_.size(), false) {}

  bool Next() override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < sets_.size(); ++i) has_[i] = sets_[i]->Next();
    } else {
      for (size_t i : cur_) has_[i] = sets_[i]->Next();
    }
    cur_.clear();
    for (size_t i = 0; i < sets_.size(); ++i) {
      if (!has_[i]) continue;
      if (cur_.empty()) {
        cur_.push_back(i);
        continue;
      }
      int c = labels::Labels::Compare(sets_[i]->At().Labels(), sets_[cur_[0]]->At().Labels());
      if (c < 0) {
        cur_.clear();
        cur_.push_back(i);
      } else if (c == 0) {
        cur_.push_back(i);
      }
    }
    if (cur_.empty()) return false;
    merged_.parts_.clear();
    for (size_t i : cur_) merged_.parts_.push_back(&sets_[i]->At());
    return true;
  }

  const storage::Series& At() const override {
    if (cur_.size() == 1) return *merged_.parts_[0];
    return merged_;
  }

  Status Err() const override {
    for (const auto& s : sets_) {
      Status st = s->Err();
      if (!st.ok()) return st;
    }
    return Status::OK();
  }

  std::vector<std::string> Warnings() const override {
    std::vector<std::string> w;
    for (const auto& s : sets_) {
      auto x = s->Warnings();
      w.insert(w.end(), x.begin(), x.end());
    }
    return w;
  }

 private:
  std::vector<std::unique_ptr<storage::SeriesSet>> sets_;
  std::vector<bool> has_;
  std::vector<size_t> cur_;
  bool started_ = false;
  MergedSeries merged_;
};

std::vector<std::string> UnionSorted(std::vector<std::vector<std::string>> lists) {
  std::vector<std::string> out;
  for (auto& l : lists) {
    std::vector<std::string> m;
    m.reserve(out.size() + l.size());
    std::set_union(std::make_move_iterator(out.begin()), std::make_move_iterator(out.end()),
                   std::make_move_iterator(l.begin()), std::make_move_iterator(l.end()),
                   std::back_inserter(m));
    out = std::move(m);
  }
  return out;
}

}  // namespace

std::unique_ptr<storage::SeriesSet> MergeSeriesSets(
    std::vector<std::unique_ptr<storage::SeriesSet>> sets) {
  if (sets.empty()) return storage::EmptySeriesSet();
  if (sets.size() == 1) return std::move(sets[0]);
  return std::make_unique<MergeSet>(std::move(sets));
}

MergeQuerier::MergeQuerier(std::vector<std::unique_ptr<storage::Querier>> queriers)
    : qs_(std::move(queriers)) {}

std::unique_ptr<storage::SeriesSet> MergeQuerier::Select(
    bool sorted, const storage::SelectHints* hints, const std::vector<labels::Matcher>& matchers) {
  std::vector<std::unique_ptr<storage::SeriesSet>> sets;
  sets.reserve(qs_.size());
  for (auto& q : qs_) sets.push_back(q->Select(true, hints, matchers));
  (void)sorted;
  return MergeSeriesSets(std::move(sets));
}

Result<std::vector<std::string>> MergeQuerier::LabelValues(
    const std::string& name, const std::vector<labels::Matcher>& matchers) {
  std::vector<std::vector<std::string>> lists;
  for (auto& q : qs_) {
    WARD_ASSIGN_OR_RETURN(auto l, q->LabelValues(name, matchers));
    lists.push_back(std::move(l));
  }
  return UnionSorted(std::move(lists));
}

Result<std::vector<std::string>> MergeQuerier::LabelNames(
    const std::vector<labels::Matcher>& matchers) {
  std::vector<std::vector<std::string>> lists;
  for (auto& q : qs_) {
    WARD_ASSIGN_OR_RETURN(auto l, q->LabelNames(matchers));
    lists.push_back(std::move(l));
  }
  return UnionSorted(std::move(lists));
}

}  // namespace ward::tsdb::block
