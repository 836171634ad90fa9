// Values the PromQL engine produces and passes between its nodes: samples,
// points, series, vectors, matrices, scalars, strings, and the annotations
// (warnings and infos) returned beside a result. Mirrors Prometheus's
// promql/value.go and util/annotations. Plain value types: thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/labels/labels.h"

namespace ward::promql {

// One float point of a series.
struct FPoint {
  int64_t t = 0;  // ms since epoch
  double f = 0;
};

// One element of an instant vector. `drop_name` marks a sample whose
// __name__ is to be removed at the end of evaluation (delayed name removal).
struct Sample {
  labels::Labels metric;
  int64_t t = 0;
  double f = 0;
  bool drop_name = false;
};
using Vector = std::vector<Sample>;

// A series of a range vector or of a range query's result.
struct Series {
  labels::Labels metric;
  std::vector<FPoint> floats;
  bool drop_name = false;
};
using Matrix = std::vector<Series>;

struct Scalar {
  int64_t t = 0;
  double v = 0;
};

struct String {
  int64_t t = 0;
  std::string v;
};

// The result of a query: exactly one of these.
using Value = std::variant<Scalar, Vector, Matrix, String>;

// Name of the value's type as the HTTP API spells it: "scalar", "vector",
// "matrix", "string".
std::string_view ValueTypeName(const Value& v);

// Sorts a matrix by labels (Prometheus's order for range query results).
void SortMatrix(Matrix* m);

// One annotation: a warning or an info about part of the query. `msg`
// starts with "PromQL warning: " or "PromQL info: ". `pos` is the byte
// offset of the sub-expression it is about (-1 when unknown).
struct Annotation {
  bool warning = true;
  std::string msg;
  int pos = -1;
};

// A set of annotations, de-duplicated by message text (as Prometheus's
// map keyed by the error string).
class Annotations {
 public:
  void AddWarning(std::string text, int pos) { Add(true, "PromQL warning: " + text, pos); }
  void AddInfo(std::string text, int pos) { Add(false, "PromQL info: " + text, pos); }
  void Merge(const Annotations& o);
  bool empty() const { return items_.empty(); }
  const std::vector<Annotation>& items() const { return items_; }

  // "<msg> (line:col)" for each warning / info, with the position computed
  // in `query` (the query text as executed); without position when unknown.
  std::vector<std::string> Warnings(std::string_view query) const;
  std::vector<std::string> Infos(std::string_view query) const;

 private:
  void Add(bool warning, std::string msg, int pos);
  std::vector<Annotation> items_;
};

// Formats a float as Go's strconv.FormatFloat(f, 'f', -1, 64) does (used by
// count_values and label values), with "+Inf", "-Inf", "NaN".
std::string FormatFloatFixed(double f);
// Formats as Go's %g would for PromQL messages (shortest repr).
std::string FormatFloatG(double f);

}  // namespace ward::promql
