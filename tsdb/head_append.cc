#include "tsdb/head_append.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>

#include "absl/container/flat_hash_set.h"
#include "tsdb/wlog/wlog.h"

namespace ward::tsdb {

std::unique_ptr<storage::Appender> Head::NewAppender() {
  return std::make_unique<HeadAppender>(this);
}

HeadAppender::HeadAppender(Head* head)
    : head_(head), read_slot_(head->EnterRead()), min_valid_time_(head->MinValidTime()) {}

HeadAppender::~HeadAppender() {
  if (!done_) Rollback().IgnoreError();  // nothing to report from a destructor
}

void HeadAppender::Finish() {
  for (MemSeries* s : sample_series_) {
    std::lock_guard<SpinLock> l(s->lock);
    --s->pending_commits;
  }
  samples_.clear();
  sample_series_.clear();
  new_series_.clear();
  new_series_ptrs_.clear();
  head_->ExitRead(read_slot_);
}

Result<storage::SeriesRef> HeadAppender::Append(storage::SeriesRef ref, const labels::Labels& lset,
                                                int64_t t, double v) {
  if (head_->writes_disabled()) {
    return Status::Rejected(StatusSubcode::kWriteDisabled,
                            "head is not accepting writes after a WAL failure");
  }
  if (t < min_valid_time_) {
    head_->stats_.out_of_bounds.fetch_add(1, std::memory_order_relaxed);
    return Status::Rejected(StatusSubcode::kOutOfBounds, "out of bounds");
  }
  MemSeries* s = ref != 0 ? head_->GetByRef(ref) : nullptr;
  labels::Labels removed_labels;
  const labels::Labels* want = &lset;
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof v);
  for (int attempt = 0;; ++attempt) {
    if (s == nullptr) {
      // As Prometheus: labels with empty values do not exist.
      const labels::Labels* ls = want;
      labels::Labels without_empty;
      if (std::any_of(want->begin(), want->end(),
                      [](const labels::Label& l) { return l.value.empty(); })) {
        std::vector<labels::Label> kept;
        for (const labels::Label& l : *want) {
          if (!l.value.empty()) kept.push_back(l);
        }
        without_empty = labels::Labels(std::move(kept));
        ls = &without_empty;
      }
      if (ls->empty()) {
        if (ref != 0 && want->empty())
          return Status::InvalidArgument("unknown series ref and no labels");
        return Status::InvalidArgument("invalid sample: empty labelset");
      }
      uint64_t hash = ls->Hash();
      s = head_->GetByLabels(*ls, hash);
      if (s == nullptr) {
        if (ls->size() > std::numeric_limits<uint16_t>::max()) {
          return Status::InvalidArgument("invalid sample: more than 65535 labels");
        }
        for (size_t i = 1; i < ls->size(); ++i) {
          if ((*ls)[i].name == (*ls)[i - 1].name) {
            return Status::InvalidArgument("invalid sample: label name \"" + (*ls)[i].name +
                                           "\" is not unique");
          }
        }
        bool created = false;
        s = head_->GetOrCreate(*ls, hash, 0, &created);
        if (s == nullptr) return Status::Unavailable("head is out of series ids");
        if (created) {
          new_series_.push_back(record::RefSeries{s->ref, *ls});
          new_series_ptrs_.push_back(s);
        }
      }
    }
    {
      std::lock_guard<SpinLock> l(s->lock);
      if (s->removed) {
        // Truncate unlinked it (it had no samples left) after the lookup: the
        // same labels get a new series. This appender's epoch registration
        // keeps `s` itself alive meanwhile.
        if (attempt >= 3) return Status::Unavailable("series keeps being truncated");
        if (want->empty()) {
          removed_labels = head_->LabelsOf(*s);
          want = &removed_labels;
        }
        s = nullptr;
        continue;
      }
      if (t < s->last_t) {
        head_->stats_.out_of_order.fetch_add(1, std::memory_order_relaxed);
        return Status::Rejected(StatusSubcode::kOutOfOrder, "out of order sample");
      }
      if (t == s->last_t) {
        if (head_->RecoverLastValue(s) && s->last_v_bits == bits)
          return s->ref;  // exact duplicate: drop silently
        head_->stats_.duplicates.fetch_add(1, std::memory_order_relaxed);
        return Status::Rejected(StatusSubcode::kDuplicate, "duplicate sample for timestamp");
      }
      ++s->pending_commits;  // released by Finish
    }
    break;
  }
  samples_.push_back(record::RefSample{s->ref, t, v});
  sample_series_.push_back(s);
  return s->ref;
}

void HeadAppender::AddUnloggedSeries() {
  absl::flat_hash_set<const MemSeries*> listed;
  for (MemSeries* s : sample_series_) {
    if (s->in_wal.load(std::memory_order_acquire)) continue;
    if (listed.empty()) listed.insert(new_series_ptrs_.begin(), new_series_ptrs_.end());
    if (!listed.insert(s).second) continue;
    new_series_.push_back(record::RefSeries{s->ref, head_->LabelsOf(*s)});
    new_series_ptrs_.push_back(s);
  }
}

Status HeadAppender::Commit() {
  if (done_) return Status::Internal("appender already committed or rolled back");
  done_ = true;
  if (samples_.empty() && new_series_.empty()) {
    Finish();
    return Status::OK();
  }
  if (head_->wal_ != nullptr) {
    AddUnloggedSeries();
    std::string series_rec, samples_rec;
    std::vector<std::string_view> recs;
    if (!new_series_.empty()) {
      record::EncodeSeries(new_series_, &series_rec);
      recs.push_back(series_rec);
    }
    if (!samples_.empty()) {
      record::EncodeSamples(samples_, &samples_rec);
      recs.push_back(samples_rec);
    }
    Status st = head_->wal_->Log(recs);
    if (!st.ok()) {
      // The batch is not durable, so it must not become visible.
      Finish();
      return st.WithContext("write to WAL");
    }
    for (MemSeries* s : new_series_ptrs_) s->in_wal.store(true, std::memory_order_release);
  }
  int64_t mint = std::numeric_limits<int64_t>::max();
  int64_t maxt = std::numeric_limits<int64_t>::min();
  uint64_t appended = 0, dropped = 0, out_of_bounds = 0;
  // A head truncation may have raised the floor since Append checked: those
  // samples are dropped (a block now owns their range; replay skips them).
  const int64_t floor = head_->min_valid_time_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < samples_.size(); ++i) {
    MemSeries* s = sample_series_[i];
    const record::RefSample& rs = samples_[i];
    bool ok = false;
    {
      std::lock_guard<SpinLock> l(s->lock);
      --s->pending_commits;  // released here, not by Finish (one lock per
                             // sample)
      if (rs.t < floor) {
        ++out_of_bounds;
        continue;
      }
      ok = head_->AppendLocked(s, rs.t, rs.v);
    }
    if (ok) {
      ++appended;
      mint = std::min(mint, rs.t);
      maxt = std::max(maxt, rs.t);
    } else {
      ++dropped;  // another batch (or this one) already wrote a newer sample
    }
  }
  if (appended > 0) head_->UpdateMinMax(mint, maxt);
  head_->stats_.samples_appended.fetch_add(appended, std::memory_order_relaxed);
  if (dropped > 0) head_->stats_.out_of_order.fetch_add(dropped, std::memory_order_relaxed);
  if (out_of_bounds > 0) {
    head_->stats_.out_of_bounds.fetch_add(out_of_bounds, std::memory_order_relaxed);
  }
  sample_series_.clear();  // pending commits already released
  Finish();
  return Status::OK();
}

Status HeadAppender::Rollback() {
  if (done_) return Status::OK();
  done_ = true;
  // Series created by this batch stay (empty), as in Prometheus; they are
  // logged so that a later sample record never names an unknown ref.
  if (head_->wal_ != nullptr && !new_series_.empty()) {
    std::string series_rec;
    record::EncodeSeries(new_series_, &series_rec);
    Status st = head_->wal_->Log(std::string_view(series_rec));
    if (!st.ok()) {
      Finish();
      return st.WithContext("write to WAL");
    }
    for (MemSeries* s : new_series_ptrs_) s->in_wal.store(true, std::memory_order_release);
  }
  Finish();
  return Status::OK();
}

}  // namespace ward::tsdb
