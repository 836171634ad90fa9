// Strict YAML decoding helpers; see decode.h.
#include "config/decode.h"

#include <cstdlib>
#include <limits>

#include "model/labels/labels.h"
#include "model/relabel/relabel.h"

namespace ward::config::internal {
namespace {

bool IsBoolWord(std::string_view s, bool* v) {
  // YAML 1.1 booleans, as yaml.v2 resolves them.
  static constexpr std::string_view kTrue[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                               "True", "TRUE", "on",  "On",  "ON"};
  static constexpr std::string_view kFalse[] = {"n",     "N",     "no",  "No",  "NO", "false",
                                                "False", "FALSE", "off", "Off", "OFF"};
  for (auto t : kTrue) {
    if (s == t) {
      *v = true;
      return true;
    }
  }
  for (auto f : kFalse) {
    if (s == f) {
      *v = false;
      return true;
    }
  }
  return false;
}

bool IsIntText(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if ((s[i] < '0' || s[i] > '9') && s[i] != '_') return false;
  }
  return true;
}

bool IsFloatText(std::string_view s) {
  if (s.empty()) return false;
  std::string tmp(s);
  char* end = nullptr;
  std::strtod(tmp.c_str(), &end);
  return end == tmp.c_str() + tmp.size() &&
         (s.find('.') != std::string_view::npos || s.find('e') != std::string_view::npos ||
          s.find('E') != std::string_view::npos);
}

bool IsPlain(const YAML::Node& n) { return n.Tag() == "?" || n.Tag().empty(); }

Status TypeError(const YAML::Node& n, std::string_view into) {
  std::string msg = "cannot unmarshal " + GoTag(n);
  if (n.IsScalar()) msg += " `" + n.Scalar() + "`";
  msg += " into ";
  msg += into;
  return ErrorAt(n, msg);
}

bool IsShellSpecial(char c) {
  return c == '*' || c == '#' || c == '$' || c == '@' || c == '!' || c == '?' || c == '-' ||
         (c >= '0' && c <= '9');
}

bool IsAlnum(char c) {
  return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Go's os.getShellName: the variable name after '$' and how many bytes it
// used; name "" with w > 0 means bad syntax (the bytes are dropped).
std::string_view ShellName(std::string_view s, size_t* w) {
  if (s[0] == '{') {
    if (s.size() > 2 && IsShellSpecial(s[1]) && s[2] == '}') {
      *w = 3;
      return s.substr(1, 1);
    }
    for (size_t i = 1; i < s.size(); ++i) {
      if (s[i] == '}') {
        if (i == 1) {
          *w = 2;
          return {};
        }
        *w = i + 1;
        return s.substr(1, i - 1);
      }
    }
    *w = 1;
    return {};
  }
  if (IsShellSpecial(s[0])) {
    *w = 1;
    return s.substr(0, 1);
  }
  size_t i = 0;
  while (i < s.size() && IsAlnum(s[i])) ++i;
  *w = i;
  return s.substr(0, i);
}

}  // namespace

int LineOf(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;
  YAML::Mark m = n.Mark();
  return m.is_null() ? 0 : m.line + 1;
}

Status ErrorAtLine(int line, std::string_view msg) {
  if (line <= 0) return Status::InvalidArgument(msg);
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + std::string(msg));
}

Status ErrorAt(const YAML::Node& n, std::string_view msg) { return ErrorAtLine(LineOf(n), msg); }

std::string Quote(std::string_view s) {
  // Go's %q: printable text as is, escapes for quotes, backslashes, control
  // characters, and \xNN for bytes that are not valid UTF-8.
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\r':
          out += "\\r";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
          } else {
            out.push_back(char(c));
          }
      }
      ++i;
      continue;
    }
    size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (len > 0 && i + len <= s.size() && relabel::IsValidLabelName(s.substr(i, len))) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
      ++i;
    }
  }
  out.push_back('"');
  return out;
}

std::string GoTag(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "!!null";
  if (n.IsMap()) return "!!map";
  if (n.IsSequence()) return "!!seq";
  const std::string& tag = n.Tag();
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return "!!str";
  if (tag.rfind("tag:yaml.org,2002:", 0) == 0) return "!!" + tag.substr(18);
  const std::string& s = n.Scalar();
  bool b;
  if (IsBoolWord(s, &b)) return "!!bool";
  if (IsIntText(s)) return "!!int";
  if (IsFloatText(s)) return "!!float";
  return "!!str";
}

Status DecodeString(const YAML::Node& n, std::string* out) {
  if (!n.IsScalar()) return TypeError(n, "string");
  *out = n.Scalar();
  return Status::OK();
}

Status DecodeBool(const YAML::Node& n, bool* out) {
  if (!n.IsScalar() || !IsPlain(n) || !IsBoolWord(n.Scalar(), out)) return TypeError(n, "bool");
  return Status::OK();
}

Status DecodeUint(const YAML::Node& n, uint64_t* out) {
  if (!n.IsScalar() || !IsPlain(n)) return TypeError(n, "uint");
  const std::string& s = n.Scalar();
  if (!IsIntText(s) || s[0] == '-') return TypeError(n, "uint");
  uint64_t v = 0;
  for (char c : s) {
    if (c == '+' || c == '_') continue;
    if (v > (std::numeric_limits<uint64_t>::max() - (c - '0')) / 10) return TypeError(n, "uint");
    v = v * 10 + (c - '0');
  }
  *out = v;
  return Status::OK();
}

Status DecodeInt(const YAML::Node& n, int64_t* out) {
  if (!n.IsScalar() || !IsPlain(n) || !IsIntText(n.Scalar())) return TypeError(n, "int");
  std::string s;
  for (char c : n.Scalar()) {
    if (c != '_') s.push_back(c);
  }
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return TypeError(n, "int");
  *out = v;
  return Status::OK();
}

Status DecodeDuration(const YAML::Node& n, Duration* out) {
  std::string s;
  if (!n.IsScalar()) return TypeError(n, "model.Duration");
  s = n.Scalar();
  auto d = ParseDuration(s);
  if (!d.ok()) return ErrorAt(n, d.status().message());
  *out = *d;
  return Status::OK();
}

Status DecodeSize(const YAML::Node& n, int64_t* out) {
  if (!n.IsScalar()) return TypeError(n, "units.Base2Bytes");
  auto v = ParseSize(n.Scalar());
  if (!v.ok()) return ErrorAt(n, v.status().message());
  *out = *v;
  return Status::OK();
}

Status DecodeStringList(const YAML::Node& n, std::vector<std::string>* out) {
  if (!n.IsSequence()) return TypeError(n, "[]string");
  out->clear();
  for (const auto& item : n) {
    std::string s;
    WARD_RETURN_IF_ERROR(DecodeString(item, &s));
    out->push_back(std::move(s));
  }
  return Status::OK();
}

Status DecodeStringMap(const YAML::Node& n, std::map<std::string, std::string>* out) {
  if (!n.IsMap()) return TypeError(n, "map[string]string");
  out->clear();
  for (const auto& kv : n) {
    std::string k, v;
    WARD_RETURN_IF_ERROR(DecodeString(kv.first, &k));
    if (out->count(k)) return ErrorAt(kv.first, "key " + Quote(k) + " already set in map");
    if (!kv.second.IsNull()) WARD_RETURN_IF_ERROR(DecodeString(kv.second, &v));
    (*out)[k] = std::move(v);
  }
  return Status::OK();
}

MapDecoder::MapDecoder(const YAML::Node& node, std::string type_name)
    : node_(node), type_name_(std::move(type_name)) {}

Status MapDecoder::Init() {
  if (!node_.IsDefined() || node_.IsNull()) return Status::OK();
  if (!node_.IsMap()) return TypeError(node_, type_name_);
  std::vector<YAML::Node> merges;
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar()) return TypeError(kv.first, "string");
    std::string key = kv.first.Scalar();
    if (key == "<<" && IsPlain(kv.first)) {
      // YAML 1.1 merge key (yaml.v2 supports it; yaml-cpp does not).
      if (kv.second.IsMap()) {
        merges.push_back(kv.second);
      } else if (kv.second.IsSequence()) {
        for (const auto& m : kv.second) {
          if (!m.IsMap()) return ErrorAt(m, "map merge requires map or sequence of maps as the value");
          merges.push_back(m);
        }
      } else {
        return ErrorAt(kv.second, "map merge requires map or sequence of maps as the value");
      }
      continue;
    }
    if (Find(key) != nullptr) {
      return ErrorAt(kv.first, "field " + key + " already set in type " + type_name_);
    }
    entries_.push_back(Entry{std::move(key), kv.first, kv.second, false});
  }
  // Explicit keys win over merged ones; earlier merge sources win over later.
  for (const auto& m : merges) {
    for (const auto& kv : m) {
      if (!kv.first.IsScalar()) return TypeError(kv.first, "string");
      if (Find(kv.first.Scalar()) == nullptr) {
        entries_.push_back(Entry{kv.first.Scalar(), kv.first, kv.second, false});
      }
    }
  }
  return Status::OK();
}

MapDecoder::Entry* MapDecoder::Find(std::string_view key) {
  for (auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

const MapDecoder::Entry* MapDecoder::Find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

YAML::Node MapDecoder::Take(std::string_view key) {
  Entry* e = Find(key);
  if (e == nullptr) return YAML::Node(YAML::NodeType::Undefined);
  e->used = true;
  if (e->value.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  return e->value;
}

bool MapDecoder::Has(std::string_view key) const {
  const Entry* e = Find(key);
  return e != nullptr && !e->value.IsNull();
}

int MapDecoder::KeyLine(std::string_view key) const {
  const Entry* e = Find(key);
  return e == nullptr ? 0 : LineOf(e->key_node);
}

Status MapDecoder::Str(std::string_view key, std::string* out) {
  YAML::Node v = Take(key);
  return v.IsDefined() ? DecodeString(v, out) : Status::OK();
}

Status MapDecoder::SecretField(std::string_view key, Secret* out) {
  YAML::Node v = Take(key);
  if (!v.IsDefined()) return Status::OK();
  if (!v.IsScalar()) return TypeError(v, "config.Secret");
  out->value = v.Scalar();
  return Status::OK();
}

Status MapDecoder::Bool(std::string_view key, bool* out) {
  YAML::Node v = Take(key);
  return v.IsDefined() ? DecodeBool(v, out) : Status::OK();
}

Status MapDecoder::Uint(std::string_view key, uint64_t* out) {
  YAML::Node v = Take(key);
  return v.IsDefined() ? DecodeUint(v, out) : Status::OK();
}

Status MapDecoder::Int(std::string_view key, int64_t* out) {
  YAML::Node v = Take(key);
  return v.IsDefined() ? DecodeInt(v, out) : Status::OK();
}

Status MapDecoder::Dur(std::string_view key, Duration* out) {
  YAML::Node v = Take(key);
  return v.IsDefined() ? DecodeDuration(v, out) : Status::OK();
}

Status MapDecoder::Size(std::string_view key, int64_t* out) {
  YAML::Node v = Take(key);
  return v.IsDefined() ? DecodeSize(v, out) : Status::OK();
}

Status MapDecoder::StrList(std::string_view key, std::vector<std::string>* out) {
  YAML::Node v = Take(key);
  return v.IsDefined() ? DecodeStringList(v, out) : Status::OK();
}

Status MapDecoder::StrMap(std::string_view key, std::map<std::string, std::string>* out) {
  YAML::Node v = Take(key);
  return v.IsDefined() ? DecodeStringMap(v, out) : Status::OK();
}

void MapDecoder::Ignore(std::string_view key, std::vector<std::string>* unsupported,
                        std::string_view what) {
  bool present = Has(key);
  Take(key);
  if (present && unsupported != nullptr) unsupported->emplace_back(what);
}

Status MapDecoder::Finish() const {
  for (const auto& e : entries_) {
    if (!e.used) {
      return ErrorAt(e.key_node, "field " + e.key + " not found in type " + type_name_);
    }
  }
  return Status::OK();
}

std::string JoinDir(std::string_view dir, std::string_view path) {
  if (path.empty() || path[0] == '/' || dir.empty() || dir == ".") return std::string(path);
  while (path.size() > 2 && path.substr(0, 2) == "./") path.remove_prefix(2);
  std::string out(dir);
  if (out.back() != '/') out.push_back('/');
  out.append(path);
  return out;
}

std::string ExpandEnv(std::string_view s) {
  std::string out;
  size_t i = 0;
  for (size_t j = 0; j < s.size(); ++j) {
    if (s[j] != '$' || j + 1 >= s.size()) continue;
    out.append(s.substr(i, j - i));
    size_t w = 0;
    std::string_view name = ShellName(s.substr(j + 1), &w);
    if (name.empty() && w > 0) {
      // Bad syntax such as "${}": the characters are dropped.
    } else if (name.empty()) {
      out.push_back('$');
    } else if (name == "$") {
      out.push_back('$');
    } else {
      const char* v = std::getenv(std::string(name).c_str());
      if (v != nullptr) out.append(v);
    }
    j += w;
    i = j + 1;
  }
  if (i == 0 && out.empty()) return std::string(s);
  if (i < s.size()) out.append(s.substr(i));
  return out;
}

}  // namespace ward::config::internal
