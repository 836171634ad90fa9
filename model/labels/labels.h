// Labels: a series' identity, a set of name/value pairs kept sorted by name.
// The public value type passed between components (scrape -> Appender,
// Querier -> PromQL). The head stores series in interned form; this type is
// for interfaces. Thread-compatible value type.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ward::labels {

inline constexpr std::string_view kMetricName = "__name__";
inline constexpr std::string_view kInstance = "instance";
inline constexpr std::string_view kJob = "job";

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label& o) const = default;
};

class Labels {
 public:
  Labels() = default;
  // Sorts the given pairs by name. Later duplicates are kept (callers that
  // can produce duplicates check HasDuplicateNames()).
  Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);
  explicit Labels(std::vector<Label> sorted_or_not);

  size_t size() const { return ls_.size(); }
  bool empty() const { return ls_.empty(); }
  const Label& operator[](size_t i) const { return ls_[i]; }
  std::vector<Label>::const_iterator begin() const { return ls_.begin(); }
  std::vector<Label>::const_iterator end() const { return ls_.end(); }
  const std::vector<Label>& items() const { return ls_; }

  // The value of `name`, or "" when absent (as in Prometheus).
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::string_view MetricName() const { return Get(kMetricName); }

  // 64-bit xxHash3 of the pairs; equal label sets hash equal.
  uint64_t Hash() const;
  // Hash of only the given names (for `by`), or of all but them (`without`).
  uint64_t HashForLabels(const std::vector<std::string>& names) const;
  uint64_t HashWithoutLabels(const std::vector<std::string>& names) const;

  bool HasDuplicateNames() const;
  // Total bytes of names and values.
  size_t ByteSize() const;

  // {a="b", c="d"} with Go-style quoting of values, as Prometheus prints labels.
  std::string ToString() const;

  bool operator==(const Labels& o) const { return ls_ == o.ls_; }
  bool operator!=(const Labels& o) const { return !(ls_ == o.ls_); }
  // Orders label sets as Prometheus's labels.Compare does.
  static int Compare(const Labels& a, const Labels& b);
  bool operator<(const Labels& o) const { return Compare(*this, o) < 0; }

 private:
  std::vector<Label> ls_;
};

// Builder edits a base label set: Set/Del, then Labels() returns the sorted
// result. An empty value in Set deletes the label, as in Prometheus.
class Builder {
 public:
  Builder() = default;
  explicit Builder(const Labels& base) { Reset(base); }
  void Reset(const Labels& base);
  Builder& Set(std::string_view name, std::string_view value);
  Builder& Del(std::string_view name);
  // Keeps only the named labels.
  Builder& Keep(const std::vector<std::string>& names);
  std::string_view Get(std::string_view name) const;
  Labels Build() const;

 private:
  std::vector<Label> ls_;  // unsorted while building
};

// Appends a Go %q style quoted string (what Prometheus prints for values).
void AppendQuoted(std::string* out, std::string_view s);

}  // namespace ward::labels
