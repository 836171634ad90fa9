// ScrapeCache: per-target memory of the series a target exposes, keyed by
// (a 128-bit hash of) the raw series bytes of the exposition ("name{labels}"
// exactly as written), so
// an unchanged line costs one hash-map probe: no parsing of labels, no label
// hashing, no allocation. An entry keeps the storage ref, not the labels
// (the head has them): appends and staleness markers name the series by
// ref, and only a ref the head has garbage-collected makes the scrape loop
// build the labels again from the exposition. It also tracks which series each scrape produced
// (generation counters, no per-scrape sets) to find series that went stale.
// Entries live in one vector in the order they were first seen, which for a
// stable target is the order of its exposition: a lookup first tries the
// entry after the previous hit (a sequential walk the CPU prefetches) and
// only then the hash index, so an unchanged scrape touches memory in order.
// Not thread-safe: owned and used by one ScrapeLoop, one scrape at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "storage/interface.h"

namespace ward::scrape {

class ScrapeCache {
 private:
  // Series are keyed by the 128-bit xxh3 of their raw bytes, not a copy of
  // them: 16 bytes an entry instead of the whole line. Two different lines
  // of one target share a key with a probability of about n^2 / 2^129
  // (1e-27 for a million series), far below any hardware error rate.
  struct Key {
    uint64_t lo = 0;
    uint64_t hi = 0;
    bool operator==(const Key&) const = default;
  };

 public:
  // Scrape generations are 32-bit (40 bytes an entry with its key): they
  // would wrap after 2^32 scrapes, 136 years at one scrape a second.
  struct Entry {
    Key key;
    storage::SeriesRef ref = 0;    // storage ref, updated after each append; 0: none yet
    uint32_t last_iter = 0;        // last scrape that exposed this series
    uint32_t stale_iter = 0;       // last scrape that tracked it for staleness
    uint32_t prev_stale_iter = 0;  // stale_iter before the current scrape touched it
    bool dropped = false;          // dropped by metric_relabel_configs: never appended
    bool live = false;             // false: a free slot
  };

  ScrapeCache() : index_(0, IndexHash{&entries_}, IndexEq{&entries_}) {}
  ScrapeCache(const ScrapeCache&) = delete;
  ScrapeCache& operator=(const ScrapeCache&) = delete;
  // Moves rebuild the index (its hash functions point at entries_).
  ScrapeCache(ScrapeCache&& o) noexcept : ScrapeCache() { *this = std::move(o); }
  ScrapeCache& operator=(ScrapeCache&& o) noexcept;

  // Starts a new scrape. Returns its generation number.
  uint32_t BeginScrape() {
    cursor_ = 0;
    return ++iter_;
  }

  // The entry for the raw series bytes, or nullptr. The pointer stays valid
  // until the next Add or EndScrape. Allocates nothing.
  Entry* Get(std::string_view series) {
    const Key k = KeyOf(series);
    if (cursor_ < entries_.size()) {
      Entry& e = entries_[cursor_];
      if (e.live && e.key == k) {
        cursor_++;
        return &e;
      }
    }
    auto it = index_.find(k);
    if (it == index_.end()) return nullptr;
    cursor_ = *it + 1;
    return &entries_[*it];
  }

  // Inserts (or replaces) the entry for `series`. Valid as for Get.
  Entry* Add(std::string_view series, bool dropped);

  // Marks `e` as exposed by the current scrape; `track_staleness` is false
  // for samples with explicit timestamps (they never get stale markers
  // unless track_timestamps_staleness is set).
  void MarkSeen(Entry* e, bool track_staleness) {
    e->last_iter = iter_;
    if (track_staleness && e->stale_iter != iter_) {
      e->prev_stale_iter = e->stale_iter;
      e->stale_iter = iter_;
    }
  }

  // Ends the current scrape. `success`: the samples were committed. Calls
  // fn(const Entry&) for each non-dropped series that needs a staleness
  // marker now: on success, those of the last successful scrape that this one
  // did not expose; on failure, all those of the last successful scrape.
  // Then forgets series unseen for many scrapes. Allocates nothing.
  template <typename Fn>
  void EndScrape(bool success, Fn&& fn);

  // Calls fn(const Entry&) for every series of the last successful scrape
  // (the target is going away). Afterwards nothing counts as current.
  template <typename Fn>
  void ForEachCurrent(Fn&& fn) {
    if (last_good_ == 0) return;
    for (const Entry& e : entries_) {
      if (e.live && !e.dropped && e.stale_iter == last_good_) fn(e);
    }
    last_good_ = 0;
  }

  size_t size() const { return index_.size(); }
  uint32_t iter() const { return iter_; }

  // Metric metadata (TYPE, HELP, UNIT) of the families the target exposes,
  // as Prometheus's scrape cache keeps it: set by the current scrape, kept
  // for kForgetAfter scrapes after the family disappears.
  struct Metadata {
    std::string type = "unknown";
    std::string help;
    std::string unit;
    uint32_t last_iter = 0;
  };
  // Each compares before writing: an unchanged line costs a probe, no
  // allocation. `type` is a MetricTypeName ("counter", ...).
  void SetType(std::string_view family, std::string_view type);
  void SetHelp(std::string_view family, std::string_view help);
  void SetUnit(std::string_view family, std::string_view unit);
  // True when metadata changed since the last TakeMetadataChanged().
  bool TakeMetadataChanged() {
    bool c = metadata_changed_;
    metadata_changed_ = false;
    return c;
  }
  const absl::flat_hash_map<std::string, Metadata>& metadata() const { return metadata_; }

 private:
  Metadata& MetadataEntry(std::string_view family);

  // Scrapes after which an unseen entry is forgotten.
  static constexpr uint32_t kForgetAfter = 10;

  static Key KeyOf(std::string_view series);
  // Frees entry i (REQUIRES: live).
  void Remove(uint32_t i);
  // Packs the entries when most slots are free. Invalidates entry pointers.
  void MaybeCompact();

  // The index holds entry positions (4 bytes a slot); hashing and equality
  // look at the entry's key, so a Key can be looked up directly.
  struct IndexHash {
    using is_transparent = void;
    const std::vector<Entry>* entries;
    size_t operator()(uint32_t i) const { return (*entries)[i].key.lo; }
    size_t operator()(const Key& k) const { return k.lo; }
  };
  struct IndexEq {
    using is_transparent = void;
    const std::vector<Entry>* entries;
    const Key& KeyAt(uint32_t i) const { return (*entries)[i].key; }
    const Key& KeyAt(const Key& k) const { return k; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return KeyAt(a) == KeyAt(b);
    }
  };

  std::vector<Entry> entries_;  // live entries and free slots
  std::vector<uint32_t> free_;  // free slots of entries_
  absl::flat_hash_set<uint32_t, IndexHash, IndexEq> index_;
  size_t cursor_ = 0;  // where the next series of this scrape is expected
  absl::flat_hash_map<std::string, Metadata> metadata_;
  bool metadata_changed_ = false;
  uint32_t iter_ = 0;
  uint32_t last_good_ = 0;  // generation of the last successful scrape, 0 = none
};

template <typename Fn>
void ScrapeCache::EndScrape(bool success, Fn&& fn) {
  const uint32_t cur = iter_;
  const uint32_t prev = last_good_;
  for (uint32_t i = 0; i < entries_.size(); i++) {
    Entry& e = entries_[i];
    if (!e.live) continue;
    if (prev != 0 && !e.dropped) {
      bool in_prev = e.stale_iter == prev || (e.stale_iter == cur && e.prev_stale_iter == prev);
      bool in_cur = e.stale_iter == cur;
      if (in_prev && (!success || !in_cur)) fn(static_cast<const Entry&>(e));
    }
    if (!success && e.stale_iter == cur) {
      // A failed scrape exposes nothing: undo its staleness tracking.
      e.stale_iter = e.prev_stale_iter;
    }
    if (cur - e.last_iter > kForgetAfter) Remove(i);
  }
  MaybeCompact();
  for (auto it = metadata_.begin(); it != metadata_.end();) {
    if (cur - it->second.last_iter > kForgetAfter) {
      metadata_.erase(it++);
      metadata_changed_ = true;
    } else {
      ++it;
    }
  }
  last_good_ = success ? cur : 0;
}

}  // namespace ward::scrape
