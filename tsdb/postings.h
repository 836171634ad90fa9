// MemPostings: the head's inverted index, label pair -> set of series. A set
// is a CRoaring bitmap of dense series ids (Head assigns them, 0, 1, 2, ...),
// and the "all postings" set holds every series. ForMatchers resolves a
// selector's matchers exactly as Prometheus's PostingsForMatchers does
// (tsdb/querier.go): matchers that accept "" also select series lacking the
// label. Thread-safe: a shared mutex; Add and Delete are exclusive, reads are
// shared.
#pragma once

#include <cstdint>
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
  using ValueMap = absl::flat_hash_map<uint32_t, Roaring>;
  // Union of the postings of values of `m.name()` for which m.Matches(v)
  // equals `want`. REQUIRES: mu_ held (shared).
  Roaring UnionWhere(const labels::Matcher& m, bool want) const;

  const SymbolTable* const syms_;
  mutable std::shared_mutex mu_;
  absl::flat_hash_map<uint32_t, ValueMap> index_;  // guarded by mu_: name id -> value id -> ids
  Roaring all_;                                    // guarded by mu_
};

}  // namespace ward::tsdb
