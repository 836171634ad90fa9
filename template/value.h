// Value: the dynamic value a template works on, a small model of the Go
// values Prometheus hands to text/template (nil, bool, int, float64, string,
// maps, slices, structs such as the alert data and query samples, and the
// *time.Time / *time.Duration results of toTime / toDuration). Values are
// immutable; containers are shared, so copying a Value is cheap.
// Thread-compatible value type (shared containers are never mutated).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "model/labels/labels.h"

namespace ward::tmpl {

class Value;

// A Go map with string keys, kept sorted by key (fmt and range sort maps).
// string_elems: map[string]string (a missing key reads as ""); otherwise
// map[string]interface {} (a missing key reads as nil, printed "<no value>").
struct MapData {
  bool string_elems = false;
  std::vector<std::pair<std::string, Value>> items;  // sorted by key
  // Returns nullptr when absent.
  const Value* Find(std::string_view key) const;
};

// A Go slice. type_name is its Go type, e.g. "[]interface {}" or
// "template.queryResult" (the result of query and sortByLabel); it must
// outlive the value (use string literals or constants).
struct ListData {
  std::string_view type_name = "[]interface {}";
  std::vector<Value> items;
};

// A Go struct or pointer to struct; fields in declaration order.
struct StructData {
  std::string_view type_name;  // e.g. "*template.sample"; a literal or constant

  bool pointer = false;  // printed as &{...} by fmt
  std::vector<std::pair<std::string, Value>> fields;
  const Value* Find(std::string_view name) const;
};

// *time.Time in UTC (seconds + nanoseconds since the epoch).
struct TimeValue {
  int64_t sec = 0;
  int64_t nsec = 0;  // 0..999999999
};
// *time.Duration in nanoseconds.
struct DurationValue {
  int64_t ns = 0;
};

inline constexpr std::string_view kQueryResultType = "template.queryResult";
inline constexpr std::string_view kSampleType = "*template.sample";

class Value {
 public:
  enum class Kind : uint8_t {
    kNil,
    kBool,
    kInt,
    kFloat,
    kString,
    kMap,
    kList,
    kStruct,
    kTime,
    kDuration
  };

  Value() = default;  // nil
  static Value Bool(bool b) { return Value(Rep(std::in_place_index<1>, b)); }
  static Value Int(int64_t i) { return Value(Rep(std::in_place_index<2>, i)); }
  static Value Float(double f) { return Value(Rep(std::in_place_index<3>, f)); }
  static Value String(std::string s) { return Value(Rep(std::in_place_index<4>, std::move(s))); }
  static Value Map(std::shared_ptr<const MapData> m) {
    return Value(Rep(std::in_place_index<5>, std::move(m)));
  }
  static Value List(std::shared_ptr<const ListData> l) {
    return Value(Rep(std::in_place_index<6>, std::move(l)));
  }
  static Value Struct(std::shared_ptr<const StructData> s) {
    return Value(Rep(std::in_place_index<7>, std::move(s)));
  }
  static Value Time(TimeValue t) { return Value(Rep(std::in_place_index<8>, t)); }
  static Value Duration(DurationValue d) { return Value(Rep(std::in_place_index<9>, d)); }

  // map[string]string from a label set.
  static Value LabelMap(const labels::Labels& ls);
  // A Prometheus query sample (*template.sample {Labels, Value}).
  static Value Sample(const labels::Labels& ls, double v);

  Kind kind() const { return static_cast<Kind>(rep_.index()); }
  bool is_nil() const { return kind() == Kind::kNil; }
  bool bool_value() const { return std::get<1>(rep_); }
  int64_t int_value() const { return std::get<2>(rep_); }
  double float_value() const { return std::get<3>(rep_); }
  const std::string& string_value() const { return std::get<4>(rep_); }
  const MapData& map() const { return *std::get<5>(rep_); }
  const ListData& list() const { return *std::get<6>(rep_); }
  const StructData& struct_data() const { return *std::get<7>(rep_); }
  TimeValue time_value() const { return std::get<8>(rep_); }
  DurationValue duration_value() const { return std::get<9>(rep_); }
  bool IsQueryResult() const {
    return kind() == Kind::kList && list().type_name == kQueryResultType;
  }
  bool IsSample() const {
    return kind() == Kind::kStruct && struct_data().type_name == kSampleType;
  }

  // The Go type name (%T): "int", "float64", "map[string]string", ...
  std::string TypeName() const;
  // Go's truth: false, 0, nil, empty string/map/slice are false.
  bool Truth() const;

 private:
  using Rep = std::variant<std::monostate, bool, int64_t, double, std::string,
                           std::shared_ptr<const MapData>, std::shared_ptr<const ListData>,
                           std::shared_ptr<const StructData>, TimeValue, DurationValue>;
  explicit Value(Rep r) : rep_(std::move(r)) {}
  Rep rep_;
};

// Builds a map[string]interface {} (string_elems=false) or map[string]string.
// Items need not be sorted; later duplicates win.
Value MakeMap(std::vector<std::pair<std::string, Value>> items, bool string_elems);
// REQUIRES: type_name outlives the list (a literal or constant).
Value MakeList(std::vector<Value> items, std::string_view type_name = "[]interface {}");

}  // namespace ward::tmpl
