// Test helpers for model/textparse: run a parser to the end and record every
// entry in a comparable form. Test-only; not part of ward_textparse.
#pragma once

#include <cmath>
#include <fstream>
#include <sstream>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "model/textparse/parser.h"

namespace ward::textparse::testing {

// The bytes of ../shared/fixtures/<name> (relative to the source tree), or
// "" when the shared test data is absent (callers skip then).
inline std::string ReadSharedFixture(const std::string& name) {
  std::ifstream f(std::string(WARD_SOURCE_DIR) + "/../shared/fixtures/" + name, std::ios::binary);
  if (!f) return "";
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Item {
  Entry entry = Entry::kInvalid;
  std::string m;  // series bytes, or metric name of HELP/TYPE/UNIT
  std::optional<int64_t> ts;
  double v = 0;
  std::string lset;  // Labels::ToString() of Metric()
  std::string help;
  MetricType typ = MetricType::kUnknown;
  std::string unit;
  std::string comment;
  bool has_exemplar = false;
  std::string ex_lset;
  double ex_v = 0;
  bool ex_has_ts = false;
  int64_t ex_ts = 0;
};

// Parses everything; returns the entries and the error status (OK at EOF).
inline std::vector<Item> ParseAll(Parser& p, Status* status, size_t limit = 1000000) {
  std::vector<Item> out;
  *status = Status::OK();
  for (size_t n = 0; n < limit; n++) {
    Result<Entry> r = p.Next();
    if (!r.ok()) {
      *status = r.status();
      return out;
    }
    if (*r == Entry::kEOF) return out;
    Item it;
    it.entry = *r;
    switch (*r) {
      case Entry::kSeries: {
        std::string_view s;
        p.Series(&s, &it.ts, &it.v);
        it.m = std::string(s);
        labels::Labels ls;
        p.Metric(&ls);
        it.lset = ls.ToString();
        Exemplar e;
        it.has_exemplar = p.GetExemplar(&e);
        if (it.has_exemplar) {
          it.ex_lset = e.labels.ToString();
          it.ex_v = e.value;
          it.ex_has_ts = e.has_ts;
          it.ex_ts = e.ts_ms;
        }
        break;
      }
      case Entry::kHelp: {
        std::string_view m;
        p.Help(&m, &it.help);
        it.m = std::string(m);
        break;
      }
      case Entry::kType: {
        std::string_view m;
        p.Type(&m, &it.typ);
        it.m = std::string(m);
        break;
      }
      case Entry::kUnit: {
        std::string_view m, u;
        p.Unit(&m, &u);
        it.m = std::string(m);
        it.unit = std::string(u);
        break;
      }
      case Entry::kComment: {
        std::string_view c;
        p.Comment(&c);
        it.comment = std::string(c);
        break;
      }
      default:
        break;
    }
    out.push_back(std::move(it));
  }
  *status = Status::Internal("too many entries");
  return out;
}

inline uint64_t Bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

}  // namespace ward::textparse::testing
