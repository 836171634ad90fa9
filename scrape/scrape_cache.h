// ScrapeCache: per-target memory of the series a target exposes, keyed by
// (a 128-bit hash of) the raw series bytes of the exposition ("name{labels}"
// exactly as written), so
// an unchanged line costs one hash-map probe: no parsing of labels, no label
// hashing, no allocation. An entry keeps the storage ref, not the labels
// (the head has them): appends and staleness markers name the series by
// ref, and only a ref the head has garbage-collected makes the scrape loop
// build the labels again from the exposition. It also tracks which series each scrape produced
// (generation counters, no per-scrape sets) to find series that went stale.
// Not thread-safe: owned and used by one ScrapeLoop, one scrape at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "storage/interface.h"

namespace ward::scrape {

class ScrapeCache {
 public:
  // Scrape generations are 32-bit (24 bytes an entry): they would wrap
  // after 2^32 scrapes, 136 years at one scrape a second.
  struct Entry {
    storage::SeriesRef ref = 0;    // storage ref, updated after each append; 0: none yet
    uint32_t last_iter = 0;        // last scrape that exposed this series
    uint32_t stale_iter = 0;       // last scrape that tracked it for staleness
    uint32_t prev_stale_iter = 0;  // stale_iter before the current scrape touched it
    bool dropped = false;          // dropped by metric_relabel_configs: never appended
  };

  // Starts a new scrape. Returns its generation number.
  uint32_t BeginScrape() { return ++iter_; }

  // The entry for the raw series bytes, or nullptr. The pointer stays valid
  // until the next Add or EndScrape. Allocates nothing.
  Entry* Get(std::string_view series) {
    auto it = series_.find(KeyOf(series));
    return it == series_.end() ? nullptr : &it->second;
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
    for (auto& [k, e] : series_) {
      if (!e.dropped && e.stale_iter == last_good_) fn(static_cast<const Entry&>(e));
    }
    last_good_ = 0;
  }

  size_t size() const { return series_.size(); }
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

  // Series are keyed by the 128-bit xxh3 of their raw bytes, not a copy of
  // them: 16 bytes an entry instead of the whole line. Two different lines
  // of one target share a key with a probability of about n^2 / 2^129
  // (1e-27 for a million series), far below any hardware error rate.
  struct Key {
    uint64_t lo = 0;
    uint64_t hi = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return static_cast<size_t>(k.lo); }
  };
  static Key KeyOf(std::string_view series);

  absl::flat_hash_map<Key, Entry, KeyHash> series_;
  absl::flat_hash_map<std::string, Metadata> metadata_;
  bool metadata_changed_ = false;
  uint32_t iter_ = 0;
  uint32_t last_good_ = 0;  // generation of the last successful scrape, 0 = none
};

template <typename Fn>
void ScrapeCache::EndScrape(bool success, Fn&& fn) {
  const uint32_t cur = iter_;
  const uint32_t prev = last_good_;
  for (auto it = series_.begin(); it != series_.end();) {
    Entry& e = it->second;
    if (prev != 0 && !e.dropped) {
      bool in_prev = e.stale_iter == prev || (e.stale_iter == cur && e.prev_stale_iter == prev);
      bool in_cur = e.stale_iter == cur;
      if (in_prev && (!success || !in_cur)) fn(static_cast<const Entry&>(e));
    }
    if (!success && e.stale_iter == cur) {
      // A failed scrape exposes nothing: undo its staleness tracking.
      e.stale_iter = e.prev_stale_iter;
    }
    if (cur - e.last_iter > kForgetAfter) {
      series_.erase(it++);
    } else {
      ++it;
    }
  }
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
