#include "template/value.h"

#include <algorithm>

namespace ward::tmpl {

const Value* MapData::Find(std::string_view key) const {
  auto it = std::lower_bound(items.begin(), items.end(), key,
                             [](const auto& item, std::string_view k) { return item.first < k; });
  if (it == items.end() || it->first != key) return nullptr;
  return &it->second;
}

const Value* StructData::Find(std::string_view name) const {
  for (const auto& f : fields) {
    if (f.first == name) return &f.second;
  }
  return nullptr;
}

Value Value::LabelMap(const labels::Labels& ls) {
  auto m = std::make_shared<MapData>();
  m->string_elems = true;
  m->items.reserve(ls.size());
  for (const auto& l : ls) m->items.emplace_back(l.name, Value::String(l.value));
  // Labels are sorted by name already; keep the invariant if they were not.
  if (!std::is_sorted(m->items.begin(), m->items.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; })) {
    std::stable_sort(m->items.begin(), m->items.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  return Value::Map(std::move(m));
}

Value Value::Sample(const labels::Labels& ls, double v) {
  auto s = std::make_shared<StructData>();
  s->type_name = kSampleType;
  s->pointer = true;
  s->fields.reserve(2);
  s->fields.emplace_back("Labels", LabelMap(ls));
  s->fields.emplace_back("Value", Value::Float(v));
  return Value::Struct(std::move(s));
}

std::string Value::TypeName() const {
  switch (kind()) {
    case Kind::kNil:
      return "<nil>";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kMap:
      return map().string_elems ? "map[string]string" : "map[string]interface {}";
    case Kind::kList:
      return std::string(list().type_name);
    case Kind::kStruct:
      return std::string(struct_data().type_name);
    case Kind::kTime:
      return "*time.Time";
    case Kind::kDuration:
      return "*time.Duration";
  }
  return "?";
}

bool Value::Truth() const {
  switch (kind()) {
    case Kind::kNil:
      return false;
    case Kind::kBool:
      return bool_value();
    case Kind::kInt:
      return int_value() != 0;
    case Kind::kFloat:
      return float_value() != 0;
    case Kind::kString:
      return !string_value().empty();
    case Kind::kMap:
      return !map().items.empty();
    case Kind::kList:
      return !list().items.empty();
    case Kind::kStruct:
      return true;
    case Kind::kTime:
    case Kind::kDuration:
      return true;  // non-nil pointers
  }
  return false;
}

Value MakeMap(std::vector<std::pair<std::string, Value>> items, bool string_elems) {
  auto m = std::make_shared<MapData>();
  m->string_elems = string_elems;
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& it : items) {
    if (!m->items.empty() && m->items.back().first == it.first) {
      m->items.back().second = std::move(it.second);
    } else {
      m->items.push_back(std::move(it));
    }
  }
  return Value::Map(std::move(m));
}

Value MakeList(std::vector<Value> items, std::string_view type_name) {
  auto l = std::make_shared<ListData>();
  l->type_name = type_name;
  l->items = std::move(items);
  return Value::List(std::move(l));
}

}  // namespace ward::tmpl
