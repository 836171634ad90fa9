#include "promql/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "util/gostr.h"

namespace ward::promql {

std::string_view ValueTypeName(const Value& v) {
  switch (v.index()) {
    case 0:
      return "scalar";
    case 1:
      return "vector";
    case 2:
      return "matrix";
    default:
      return "string";
  }
}

void SortMatrix(Matrix* m) {
  std::sort(m->begin(), m->end(), [](const Series& a, const Series& b) {
    return labels::Labels::Compare(a.metric, b.metric) < 0;
  });
}

void Annotations::Add(bool warning, std::string msg, int pos) {
  for (const Annotation& a : items_) {
    if (a.msg == msg) return;
  }
  items_.push_back(Annotation{warning, std::move(msg), pos});
}

void Annotations::Merge(const Annotations& o) {
  for (const Annotation& a : o.items_) Add(a.warning, a.msg, a.pos);
}

namespace {
std::string WithPos(const Annotation& a, std::string_view query) {
  if (a.pos < 0 || a.pos > static_cast<int>(query.size())) return a.msg;
  int line = 1, col = 1;
  for (int i = 0; i < a.pos; i++) {
    if (query[i] == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return a.msg + " (" + std::to_string(line) + ":" + std::to_string(col) + ")";
}
}  // namespace

std::vector<std::string> Annotations::Warnings(std::string_view query) const {
  std::vector<std::string> out;
  for (const Annotation& a : items_)
    if (a.warning) out.push_back(WithPos(a, query));
  return out;
}

std::vector<std::string> Annotations::Infos(std::string_view query) const {
  std::vector<std::string> out;
  for (const Annotation& a : items_)
    if (!a.warning) out.push_back(WithPos(a, query));
  return out;
}

std::string FormatFloatFixed(double f) {
  std::string out;
  gostr::AppendFloatF(&out, f);
  return out;
}

std::string FormatFloatG(double f) {
  std::string out;
  gostr::AppendFloatV(&out, f);
  return out;
}

}  // namespace ward::promql
