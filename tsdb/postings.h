// MemPostings: the head's inverted index, label pair -> set of series. A set
// is a CRoaring bitmap of dense series ids (Head assigns them, 0, 1, 2, ...),
// and the "all postings" set holds every series. ForMatchers resolves a
// selector's matchers exactly as Prometheus's PostingsForMatchers does
// (tsdb/querier.go): matchers that accept "" also select series lacking the
// label. A value held by one series (an id label, a pod name) costs one
// 8-byte map slot: its entry stores the series id inline, and only values of
// two or more series own a bitmap. Thread-safe: a shared mutex; Add and
// Delete are exclusive, reads are shared.
#pragma once

#include <cstdint>
#include <memory>
#include <roaring/roaring.hh>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "model/labels/matcher.h"
#include "tsdb/symbols.h"

namespace ward::tsdb {

class MemPostings {
 public:
  // `syms` must outlive this object; label ids passed to Add come from it.
  explicit MemPostings(const SymbolTable* syms) : syms_(syms) {}
  MemPostings(const MemPostings&) = delete;
  MemPostings& operator=(const MemPostings&) = delete;

  // Adds series `id` under each of its labels. `pairs` holds 2*n symbol ids,
  // name then value.
  void Add(uint32_t id, const uint32_t* pairs, size_t n);
  // One series for AddBatch.
  struct Entry {
    uint32_t id;
    const uint32_t* pairs;
    size_t n;
  };
  // Add for many series under one lock (bulk loads, e.g. a chunk snapshot);
  // fastest with ids ascending.
  void AddBatch(const std::vector<Entry>& entries);
  // Removes series `id` (added with the same pairs); empty sets are dropped.
  void Delete(uint32_t id, const uint32_t* pairs, size_t n);

  // The ids of the series matching all of `ms` (Prometheus semantics).
  // No matchers selects nothing, as in Prometheus.
  Roaring ForMatchers(const std::vector<labels::Matcher>& ms) const;
  // Every series.
  Roaring All() const;
  // Series having name=value (empty when absent).
  Roaring Get(std::string_view name, std::string_view value) const;

  // Sorted distinct label names / values of `name` over all series.
  std::vector<std::string> LabelNames() const;
  std::vector<std::string> LabelValues(std::string_view name) const;

 private:
  // A value's postings: a series id (< kBitmapFlag) when one series has the
  // value, else kBitmapFlag | index into bitmaps_.
  using Entry32 = uint32_t;
  static constexpr uint32_t kBitmapFlag = 0x80000000u;
  using ValueMap = absl::flat_hash_map<uint32_t, Entry32>;  // value id -> postings
  // Adds `id` to the postings `e`. REQUIRES: mu_ held exclusively.
  void AddTo(Entry32* e, uint32_t id);
  // A new empty bitmap; returns its index in bitmaps_.
  uint32_t NewBitmap();
  // The new entry for a value first seen with series `id`.
  Entry32 NewEntry(uint32_t id);
  // Removes `id` from `e`; true when the value has no series left (its
  // bitmap, if any, is released). REQUIRES: mu_ held exclusively.
  bool RemoveFrom(Entry32* e, uint32_t id);
  // The postings of `e` as a bitmap. REQUIRES: mu_ held (shared).
  Roaring ToRoaring(Entry32 e) const;
  // Union of the postings of values of `m.name()` for which m.Matches(v)
  // equals `want`. REQUIRES: mu_ held (shared).
  Roaring UnionWhere(const labels::Matcher& m, bool want) const;

  const SymbolTable* const syms_;
  mutable std::shared_mutex mu_;
  absl::flat_hash_map<uint32_t, ValueMap> index_;  // guarded by mu_: name id -> value id -> ids
  std::vector<std::unique_ptr<Roaring>> bitmaps_;  // guarded by mu_; null slots are free
  std::vector<uint32_t> free_bitmaps_;             // guarded by mu_: null slots of bitmaps_
  Roaring all_;                                    // guarded by mu_
};

}  // namespace ward::tsdb
