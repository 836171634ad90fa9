// Test-only helpers shared by the tsdb tests: a comparable sample, a whole
// queryable read into a map, and gtest printers. Not part of ward_tsdb.
#pragma once

#include <cstring>
#include <limits>
#include <map>
#include <ostream>
#include <vector>

#include <gtest/gtest.h>

#include "model/labels/labels.h"
#include "model/labels/matcher.h"
#include "storage/interface.h"

namespace ward::labels {
inline void PrintTo(const Labels& l, std::ostream* os) { *os << l.ToString(); }
}  // namespace ward::labels

namespace ward::tsdb::testing {

// Equal when the timestamp and the value's bits are equal (NaNs compare).
struct Sample {
  int64_t t;
  double v;
  bool operator==(const Sample& o) const {
    return t == o.t && std::memcmp(&v, &o.v, sizeof v) == 0;
  }
};
inline void PrintTo(const Sample& s, std::ostream* os) { *os << s.t << ":" << s.v; }
using SeriesMap = std::map<labels::Labels, std::vector<Sample>>;

// Every float sample of every series of `q`.
inline SeriesMap QueryAll(storage::Queryable& q) {
  auto querier =
      q.NewQuerier(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(querier.ok());
  auto ss = (*querier)->Select(
      true, nullptr,
      {*labels::Matcher::Make(labels::MatchType::kRegexMatch, "__name__", ".+")});
  SeriesMap out;
  while (ss->Next()) {
    auto it = ss->At().Iterator();
    auto& v = out[ss->At().Labels()];
    Sample s;
    while (it->Next() == storage::ValueType::kFloat) {
      it->At(&s.t, &s.v);
      v.push_back(s);
    }
    EXPECT_TRUE(it->Err().ok()) << it->Err().ToString();
  }
  return out;
}

}  // namespace ward::tsdb::testing
