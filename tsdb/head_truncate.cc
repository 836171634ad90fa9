// Head truncation: drops chunks older than a time (they are in a block now)
// and the series left empty, with epoch-based reclamation so that readers
// never see freed memory or unmapped chunk files. Follows the steps of
// Prometheus's Head.Truncate / truncateMemory (tsdb/head.go).
#include <algorithm>
#include <thread>

#include "tsdb/chunks/head_chunks.h"
#include "tsdb/head.h"

namespace ward::tsdb {

HeadReadPin::HeadReadPin(Head* head) : head_(head), slot_(head->EnterRead()) {}
HeadReadPin::~HeadReadPin() { head_->ExitRead(slot_); }

int Head::EnterRead() {
  while (true) {
    uint64_t e = epoch_.load(std::memory_order_seq_cst);
    int slot = static_cast<int>(e & 1);
    readers_[slot].fetch_add(1, std::memory_order_seq_cst);
    // A flip between the load and the increment: the truncating thread may
    // already have seen this slot drained, so register in the new slot.
    if (epoch_.load(std::memory_order_seq_cst) == e) return slot;
    readers_[slot].fetch_sub(1, std::memory_order_seq_cst);
  }
}

bool Head::WaitReadersLocked(std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  auto drained = [&](int slot) {
    while (readers_[slot].load(std::memory_order_seq_cst) != 0) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
  };
  uint64_t e = epoch_.load(std::memory_order_seq_cst);
  // The other slot still holds readers of an earlier epoch (a previous wait
  // timed out): they must leave before the slot is reused.
  if (!drained(static_cast<int>((e + 1) & 1))) return false;
  epoch_.store(e + 1, std::memory_order_seq_cst);
  return drained(static_cast<int>(e & 1));
}

bool Head::WaitForPendingReaders(std::chrono::milliseconds wait) {
  std::lock_guard<std::mutex> l(truncate_mu_);
  bool ok = WaitReadersLocked(wait);
  if (ok) FreeRetiredLocked(/*truncate_files=*/false);
  return ok;
}

void Head::FreeRetiredLocked(bool truncate_files) {
  for (MemSeries* s : retired_) MemSeries::Free(s);
  retired_.clear();
  // Once per head truncation, as Prometheus: this also makes the mapper
  // start a new file, so the current one can go at a later truncation.
  if (truncate_files && mapper_ != nullptr && retired_files_before_ > 0) {
    Status st = mapper_->Truncate(retired_files_before_);
    if (!st.ok()) {
      logger_.Warn("Deleting old chunks_head files failed; retrying at the next truncation",
                   {{"err", st}});
    }
  }
}

void Head::SetMinValidTime(int64_t t) {
  int64_t cur = min_valid_time_.load(std::memory_order_relaxed);
  while (t > cur && !min_valid_time_.compare_exchange_weak(cur, t, std::memory_order_relaxed)) {
  }
}

void Head::Unlink(MemSeries* s) {
  {
    Stripe& st = stripes_[s->hash & (kStripes - 1)];
    std::lock_guard<std::mutex> l(st.mu);
    auto it = st.by_hash.find(s->hash);
    if (it != st.by_hash.end()) {
      if (*it == s) {
        st.by_hash.erase(it);
        if (s->next_same_hash != nullptr) st.by_hash.insert(s->next_same_hash);
      } else {
        for (MemSeries* c = *it; c != nullptr; c = c->next_same_hash) {
          if (c->next_same_hash == s) {
            c->next_same_hash = s->next_same_hash;
            break;
          }
        }
      }
    }
  }
  if (s->ref != uint64_t{s->id} + 1) {
    Stripe& st = stripes_[s->ref & (kStripes - 1)];
    std::lock_guard<std::mutex> l(st.mu);
    st.by_ref.erase(s->ref);
  }
  postings_.Delete(s->id, SeriesIds(*s).data(), s->nlabels);
  {
    std::lock_guard<std::mutex> cl(create_mu_);
    by_id_.Set(s->id, nullptr);
  }
  num_series_.fetch_sub(1, std::memory_order_relaxed);
}

Result<HeadTruncateStats> Head::Truncate(int64_t mint, std::chrono::milliseconds wait) {
  std::lock_guard<std::mutex> l(truncate_mu_);
  SetMinValidTime(mint);
  // Readers that started before the caller made the truncated data
  // available elsewhere (a block) must not lose it halfway.
  if (!WaitReadersLocked(wait)) {
    return Status::Timeout("head truncation: queries or appenders still running");
  }
  FreeRetiredLocked(/*truncate_files=*/false);

  HeadTruncateStats stats;
  // Chunks written from now on go to this file or later ones.
  uint32_t files_before = mapper_ != nullptr ? mapper_->CurrentFile() : 0;
  int64_t new_min = std::numeric_limits<int64_t>::max();
  uint32_t n = num_ids_.load(std::memory_order_acquire);
  for (uint32_t id = 0; id < n; ++id) {
    MemSeries* s = by_id_.Get(id);
    if (s == nullptr) continue;
    bool remove = false;
    {
      std::lock_guard<SpinLock> sl(s->lock);
      auto keep = std::find_if(s->full_chunks.begin(), s->full_chunks.end(),
                               [mint](const ChunkMeta& c) { return c.maxt >= mint; });
      stats.chunks_removed += static_cast<uint64_t>(keep - s->full_chunks.begin());
      s->full_chunks.erase(s->full_chunks.begin(), keep);
      if (s->head_chunk.has_value() && s->head_maxt() < mint) {
        s->head_chunk.reset();
        ++stats.chunks_removed;
      }
      if (s->full_chunks.empty() && !s->head_chunk.has_value()) {
        if (s->pending_commits == 0) {
          s->removed = true;
          remove = true;
        }
      } else {
        new_min =
            std::min(new_min, s->full_chunks.empty() ? s->head_mint : s->full_chunks.front().mint);
        for (const ChunkMeta& c : s->full_chunks) {
          if (!c.in_memory) files_before = std::min(files_before, chunks::ChunkRefFile(c.ref));
        }
      }
    }
    if (remove) {
      Unlink(s);
      retired_.push_back(s);
      ++stats.series_removed;
    }
  }
  min_time_.store(new_min, std::memory_order_relaxed);
  retired_files_before_ = std::max(retired_files_before_, files_before);
  // Free now if the readers that could still see the unlinked series are
  // already gone; otherwise the next truncation does it.
  if (WaitReadersLocked(std::min(wait, std::chrono::milliseconds(1000))))
    FreeRetiredLocked(/*truncate_files=*/true);
  return stats;
}

}  // namespace ward::tsdb
