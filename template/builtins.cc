// Go text/template's predefined functions, with Go's results and error
// texts (funcs.go): comparisons refuse mixed kinds ("incompatible types for
// comparison"), index/slice/len check kinds and bounds, print* follow fmt.
#include "template/builtins.h"

#include "template/gofmt.h"

namespace ward::tmpl {
namespace {

using Args = std::span<const Value>;
using P = ParamType;

Status Err(std::string msg) { return Status::Execution(msg); }

std::string Str(const Value& v) {
  if (v.is_nil()) return "<nil>";
  std::string s;
  gofmt::AppendValue(&s, v);
  return s;
}

// The argument list of html/js/urlquery as one string (Go's evalArgs).
std::string EvalArgs(Args args) {
  if (args.size() == 1 && args[0].kind() == Value::Kind::kString) return args[0].string_value();
  // Each argument goes through printableValue first: nil prints as
  // "<no value>" and pointers to structs are dereferenced.
  std::vector<Value> printable(args.begin(), args.end());
  for (auto& v : printable) {
    if (v.is_nil()) {
      v = Value::String("<no value>");
    } else if (v.kind() == Value::Kind::kStruct && v.struct_data().pointer) {
      std::string s;
      gofmt::AppendPrintable(&s, v);
      v = Value::String(std::move(s));
    }
  }
  return gofmt::Sprint(printable);
}

enum class BasicKind { kInvalid, kBool, kInt, kFloat, kString, kOther };
BasicKind KindOf(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      return BasicKind::kInvalid;
    case Value::Kind::kBool:
      return BasicKind::kBool;
    case Value::Kind::kInt:
      return BasicKind::kInt;
    case Value::Kind::kFloat:
      return BasicKind::kFloat;
    case Value::Kind::kString:
      return BasicKind::kString;
    default:
      return BasicKind::kOther;
  }
}

constexpr const char* kBadComparisonType = "invalid type for comparison";
constexpr const char* kBadComparison = "incompatible types for comparison";
constexpr const char* kNoComparison = "missing argument for comparison";

Result<bool> Eq(const Value& a, Args rest) {
  if (rest.empty()) return Err(kNoComparison);
  BasicKind k1 = KindOf(a);
  for (const Value& b : rest) {
    BasicKind k2 = KindOf(b);
    bool truth = false;
    if (k1 != k2) {
      if (!a.is_nil() && !b.is_nil()) return Err(kBadComparison);
    } else {
      switch (k1) {
        case BasicKind::kBool:
          truth = a.bool_value() == b.bool_value();
          break;
        case BasicKind::kInt:
          truth = a.int_value() == b.int_value();
          break;
        case BasicKind::kFloat:
          truth = a.float_value() == b.float_value();
          break;
        case BasicKind::kString:
          truth = a.string_value() == b.string_value();
          break;
        case BasicKind::kInvalid:
          truth = true;
          break;
        case BasicKind::kOther:
          if (a.kind() != b.kind() || a.TypeName() != b.TypeName()) return Err(kBadComparison);
          if (a.kind() == Value::Kind::kMap || a.kind() == Value::Kind::kList) {
            return Err("non-comparable type " + Str(a) + ": " + a.TypeName());
          }
          if (a.kind() == Value::Kind::kStruct) {
            truth = &a.struct_data() == &b.struct_data();
          } else if (a.kind() == Value::Kind::kTime) {
            truth = a.time_value().sec == b.time_value().sec &&
                    a.time_value().nsec == b.time_value().nsec;
          } else if (a.kind() == Value::Kind::kDuration) {
            truth = a.duration_value().ns == b.duration_value().ns;
          }
          break;
      }
    }
    if (truth) return true;
  }
  return false;
}

Result<bool> Lt(const Value& a, const Value& b) {
  BasicKind k1 = KindOf(a), k2 = KindOf(b);
  if (k1 == BasicKind::kInvalid || k1 == BasicKind::kOther || k2 == BasicKind::kInvalid ||
      k2 == BasicKind::kOther) {
    return Err(kBadComparisonType);
  }
  if (k1 != k2) return Err(kBadComparison);
  switch (k1) {
    case BasicKind::kBool:
      return Err(kBadComparisonType);
    case BasicKind::kInt:
      return a.int_value() < b.int_value();
    case BasicKind::kFloat:
      return a.float_value() < b.float_value();
    case BasicKind::kString:
      return a.string_value() < b.string_value();
    default:
      return Err(kBadComparisonType);
  }
}

Result<Value> BoolResult(Result<bool> r) {
  if (!r.ok()) return r.status();
  return Value::Bool(*r);
}

// Go's indexArg: an int index into something of length cap.
Result<int64_t> IndexArg(const Value& index, int64_t cap) {
  if (index.is_nil()) return Err("cannot index slice/array with nil");
  if (index.kind() != Value::Kind::kInt)
    return Err("cannot index slice/array with type " + index.TypeName());
  int64_t x = index.int_value();
  if (x < 0 || x > cap) return Err("index out of range: " + std::to_string(x));
  return x;
}

Result<Value> Index(Args args) {
  Value item = args[0];
  if (item.is_nil()) return Err("index of untyped nil");
  for (size_t i = 1; i < args.size(); ++i) {
    const Value& index = args[i];
    if (item.is_nil()) return Err("index of nil pointer");
    switch (item.kind()) {
      case Value::Kind::kList:
      case Value::Kind::kString: {
        int64_t len = item.kind() == Value::Kind::kList
                          ? static_cast<int64_t>(item.list().items.size())
                          : static_cast<int64_t>(item.string_value().size());
        auto x = IndexArg(index, len);
        if (!x.ok()) return x.status();
        if (*x == len) return Err("index out of range: " + std::to_string(*x));
        if (item.kind() == Value::Kind::kList) {
          Value next = item.list().items[*x];
          item = std::move(next);
        } else {
          item = Value::Int(static_cast<unsigned char>(item.string_value()[*x]));
        }
        break;
      }
      case Value::Kind::kMap: {
        if (index.is_nil()) return Err("value is nil; should be of type string");
        if (index.kind() != Value::Kind::kString) {
          return Err("value has type " + index.TypeName() + "; should be string");
        }
        const MapData& m = item.map();
        const Value* v = m.Find(index.string_value());
        if (v != nullptr) {
          Value next = *v;
          item = std::move(next);
        } else {
          item = m.string_elems ? Value::String("") : Value();
        }
        break;
      }
      default: {
        std::string t = item.TypeName();
        if (!t.empty() && t[0] == '*') t.erase(0, 1);
        return Err("can't index item of type " + t);
      }
    }
  }
  return item;
}

Result<Value> Slice(Args args) {
  const Value& item = args[0];
  if (item.is_nil()) return Err("slice of untyped nil");
  size_t nidx = args.size() - 1;
  if (nidx > 3) return Err("too many slice indexes: " + std::to_string(nidx));
  int64_t cap;
  if (item.kind() == Value::Kind::kString) {
    if (nidx == 3) return Err("cannot 3-index slice a string");
    cap = static_cast<int64_t>(item.string_value().size());
  } else if (item.kind() == Value::Kind::kList) {
    cap = static_cast<int64_t>(item.list().items.size());
  } else {
    return Err("can't slice item of type " + item.TypeName());
  }
  int64_t idx[3] = {0, cap, cap};
  for (size_t i = 0; i < nidx; ++i) {
    auto x = IndexArg(args[i + 1], cap);
    if (!x.ok()) return x.status();
    idx[i] = *x;
  }
  if (idx[0] > idx[1])
    return Err("invalid slice index: " + std::to_string(idx[0]) + " > " + std::to_string(idx[1]));
  if (nidx < 3) {
    if (item.kind() == Value::Kind::kString) {
      return Value::String(item.string_value().substr(idx[0], idx[1] - idx[0]));
    }
  } else if (idx[1] > idx[2]) {
    return Err("invalid slice index: " + std::to_string(idx[1]) + " > " + std::to_string(idx[2]));
  }
  const auto& items = item.list().items;
  return MakeList(std::vector<Value>(items.begin() + idx[0], items.begin() + idx[1]),
                  item.list().type_name);
}

Result<Value> Len(Args args) {
  const Value& v = args[0];
  switch (v.kind()) {
    case Value::Kind::kNil:
      return Err("reflect: call of reflect.Value.Type on zero Value");
    case Value::Kind::kString:
      return Value::Int(static_cast<int64_t>(v.string_value().size()));
    case Value::Kind::kMap:
      return Value::Int(static_cast<int64_t>(v.map().items.size()));
    case Value::Kind::kList:
      return Value::Int(static_cast<int64_t>(v.list().items.size()));
    default: {
      std::string t = v.TypeName();
      if (!t.empty() && t[0] == '*') t.erase(0, 1);
      return Err("len of type " + t);
    }
  }
}

FuncMap BuildBuiltins() {
  FuncMap m;
  auto unreachable = [](const FuncEnv&, Args) -> Result<Value> { return Value(); };
  m["and"] = Func{{P::kReflect, P::kReflect}, true, unreachable};  // short-circuit in exec.cc
  m["or"] = Func{{P::kReflect, P::kReflect}, true, unreachable};
  m["call"] = Func{{P::kReflect, P::kReflect}, true, unreachable};  // finished in exec.cc
  m["not"] = Func{{P::kReflect}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                    return Value::Bool(!a[0].Truth());
                  }};
  m["len"] = Func{{P::kReflect}, false, [](const FuncEnv&, Args a) { return Len(a); }};
  m["index"] =
      Func{{P::kReflect, P::kReflect}, true, [](const FuncEnv&, Args a) { return Index(a); }};
  m["slice"] =
      Func{{P::kReflect, P::kReflect}, true, [](const FuncEnv&, Args a) { return Slice(a); }};
  m["print"] = Func{{P::kAny}, true, [](const FuncEnv&, Args a) -> Result<Value> {
                      return Value::String(gofmt::Sprint(a));
                    }};
  m["println"] = Func{{P::kAny}, true, [](const FuncEnv&, Args a) -> Result<Value> {
                        return Value::String(gofmt::Sprintln(a));
                      }};
  m["printf"] = Func{{P::kString, P::kAny}, true, [](const FuncEnv&, Args a) -> Result<Value> {
                       return Value::String(gofmt::Sprintf(a[0].string_value(), a.subspan(1)));
                     }};
  m["html"] = Func{{P::kAny}, true, [](const FuncEnv&, Args a) -> Result<Value> {
                     return Value::String(HTMLEscapeString(EvalArgs(a)));
                   }};
  m["js"] = Func{{P::kAny}, true, [](const FuncEnv&, Args a) -> Result<Value> {
                   return Value::String(JSEscapeString(EvalArgs(a)));
                 }};
  m["urlquery"] = Func{{P::kAny}, true, [](const FuncEnv&, Args a) -> Result<Value> {
                         return Value::String(gofmt::QueryEscape(EvalArgs(a)));
                       }};
  m["eq"] = Func{{P::kReflect, P::kReflect}, true, [](const FuncEnv&, Args a) {
                   return BoolResult(Eq(a[0], a.subspan(1)));
                 }};
  m["ne"] = Func{{P::kReflect, P::kReflect}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                   auto r = Eq(a[0], a.subspan(1));
                   if (!r.ok()) return r.status();
                   return Value::Bool(!*r);
                 }};
  m["lt"] = Func{{P::kReflect, P::kReflect}, false, [](const FuncEnv&, Args a) {
                   return BoolResult(Lt(a[0], a[1]));
                 }};
  m["le"] = Func{{P::kReflect, P::kReflect}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                   auto lt = Lt(a[0], a[1]);
                   if (!lt.ok()) return lt.status();
                   if (*lt) return Value::Bool(true);
                   return BoolResult(Eq(a[0], a.subspan(1)));
                 }};
  m["gt"] = Func{{P::kReflect, P::kReflect}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                   auto lt = Lt(a[0], a[1]);
                   if (!lt.ok()) return lt.status();
                   if (*lt) return Value::Bool(false);
                   auto eq = Eq(a[0], a.subspan(1));
                   if (!eq.ok()) return eq.status();
                   return Value::Bool(!*eq);
                 }};
  m["ge"] = Func{{P::kReflect, P::kReflect}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                   auto lt = Lt(a[0], a[1]);
                   if (!lt.ok()) return lt.status();
                   return Value::Bool(!*lt);
                 }};
  return m;
}

}  // namespace

const FuncMap& BuiltinFuncs() {
  static const FuncMap* const kFuncs = new FuncMap(BuildBuiltins());
  return *kFuncs;
}

std::string HTMLEscapeString(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\0':
        out += "\xef\xbf\xbd";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string JSEscapeString(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    if (c < 0x80) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '\'':
          out += "\\'";
          break;
        case '"':
          out += "\\\"";
          break;
        case '<':
          out += "\\u003C";
          break;
        case '>':
          out += "\\u003E";
          break;
        case '&':
          out += "\\u0026";
          break;
        case '=':
          out += "\\u003D";
          break;
        default:
          if (c < ' ') {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xf]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    int w;
    int32_t r = gofmt::DecodeRune(s, i, &w);
    bool printable = !(r == 0xfffd && w == 1) && !(r >= 0x80 && r < 0xa0) && r != 0xa0 &&
                     r != 0xad && !(r >= 0x2000 && r <= 0x200f) && !(r >= 0x2028 && r <= 0x202f) &&
                     r != 0xfeff;
    if (printable) {
      out.append(s.substr(i, w));
    } else {
      char buf[16];
      snprintf(buf, sizeof(buf), "\\u%04X", static_cast<unsigned>(r));
      out += buf;
    }
    i += w;
  }
  return out;
}

}  // namespace ward::tmpl
