#include "promql/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>

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
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  char buf[512];
  auto r = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

std::string FormatFloatG(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  // Go's %g uses the shortest representation, switching to exponent form
  // when the exponent is < -4 or >= the number of digits (21 for 'g' -1).
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  size_t e = sci.find('e');
  int exp = std::stoi(sci.substr(e + 1));
  std::string mant = sci.substr(0, e);
  size_t ndigits = 0;
  for (char c : mant)
    if (c >= '0' && c <= '9') ndigits++;
  int eprec = static_cast<int>(ndigits);
  if (eprec > 21) eprec = 21;
  if (exp < -4 || exp >= std::max(eprec, 21)) {
    // Go prints e+06 style: at least two exponent digits.
    std::string out = mant + "e";
    out += exp < 0 ? "-" : "+";
    int ae = std::abs(exp);
    if (ae < 10) out += "0";
    out += std::to_string(ae);
    return out;
  }
  auto r2 = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::fixed);
  return std::string(buf, r2.ptr);
}

}  // namespace ward::promql
