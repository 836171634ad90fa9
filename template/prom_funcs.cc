// Prometheus's template functions (Prometheus 3.x template/template.go and
// prometheus/common helpers/templates), re-implemented with the same outputs
// and error texts: query/first/label/value/strvalue/sortByLabel, humanize*,
// toTime/toDuration/now/parseDuration, string and regexp helpers, links.
#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "template/gofmt.h"
#include "template/template.h"

namespace ward::tmpl {
namespace {

using Args = std::span<const Value>;
using P = ParamType;

Status Err(std::string msg) { return Status::Execution(msg); }
constexpr const char* kNilDeref =
    "runtime error: invalid memory address or nil pointer dereference";

std::string FloatV(double f) {
  std::string s;
  gofmt::AppendFloatShortest(&s, f);
  return s;
}

// common/helpers/templates.ConvertToFloat.
Result<double> ConvertToFloat(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kFloat:
      return v.float_value();
    case Value::Kind::kInt:
      return static_cast<double>(v.int_value());
    case Value::Kind::kString:
      return gofmt::ParseFloat(v.string_value());
    default:
      return Err("can't convert " + v.TypeName() + " to float");
  }
}

std::string G4(double v) { return gofmt::FormatFloat(v, 'g', 4); }

std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return G4(v);
  if (std::fabs(v) >= 1) {
    const char* prefix = "";
    for (const char* p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return G4(v) + prefix;
  }
  const char* prefix = "";
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return G4(v) + prefix;
}

std::string Humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return G4(v);
  const char* prefix = "";
  for (const char* p : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return G4(v) + prefix;
}

std::string HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) return G4(v);
  if (v == 0) return G4(v) + "s";
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    int64_t d = v >= 9.2e18 ? INT64_MAX : static_cast<int64_t>(v);
    int64_t seconds = d % 60, minutes = (d / 60) % 60, hours = (d / 3600) % 24, days = d / 86400;
    auto s = [](int64_t x) { return std::to_string(x); };
    if (days != 0)
      return sign + s(days) + "d " + s(hours) + "h " + s(minutes) + "m " + s(seconds) + "s";
    if (hours != 0) return sign + s(hours) + "h " + s(minutes) + "m " + s(seconds) + "s";
    if (minutes != 0) return sign + s(minutes) + "m " + s(seconds) + "s";
    return sign + G4(v) + "s";
  }
  const char* prefix = "";
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return G4(v) + prefix + "s";
}

// common's floatToTime: seconds -> UTC time at millisecond precision
// (model.TimeFromUnixNano truncates to milliseconds).
Result<TimeValue> FloatToTime(double v) {
  if (std::isnan(v) || std::isinf(v)) return Err("value is NaN or Inf");
  double ts = v * 1e9;
  if (ts >= 9.223372036854775807e18 || ts < -9.223372036854775808e18) {
    return Err(FloatV(v) +
               " cannot be represented as a nanoseconds timestamp since it overflows int64");
  }
  int64_t ms = static_cast<int64_t>(ts) / 1000000;
  int64_t sec = ms / 1000, rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    --sec;
  }
  return TimeValue{sec, rem * 1000000};
}

Result<int64_t> FloatToDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) return Err("value is NaN or Inf");
  double d = v * 1e9;
  if (d >= 9.223372036854775807e18 || d < -9.223372036854775808e18) {
    return Err(FloatV(v) +
               " cannot be represented as a nanoseconds duration since it overflows int64");
  }
  return static_cast<int64_t>(d);
}

// common/model.ParseDuration, returned in seconds.
Result<double> ParseDurationSeconds(std::string_view s) {
  if (s == "0") return 0.0;
  if (s.empty()) return Err("empty duration string");
  std::string q;
  gofmt::AppendQuote(&q, s);
  auto invalid = [&] { return Err("not a valid duration string: " + q); };
  struct Unit {
    std::string_view name;
    int pos;
    uint64_t mult;
  };
  static constexpr Unit kUnits[] = {
      {"y", 1, 365ull * 24 * 3600 * 1000000000ull},
      {"w", 2, 7ull * 24 * 3600 * 1000000000ull},
      {"d", 3, 24ull * 3600 * 1000000000ull},
      {"h", 4, 3600ull * 1000000000ull},
      {"m", 5, 60ull * 1000000000ull},
      {"s", 6, 1000000000ull},
      {"ms", 7, 1000000ull},
  };
  uint64_t dur = 0;
  int last_pos = 0;
  std::string_view rest = s;
  auto isdigit = [](char c) { return c >= '0' && c <= '9'; };
  while (!rest.empty()) {
    if (!isdigit(rest[0])) return invalid();
    size_t i = 0;
    while (i < rest.size() && isdigit(rest[i])) ++i;
    uint64_t v = 0;
    for (size_t k = 0; k < i; ++k) {
      if (v > (UINT64_MAX - 9) / 10) return invalid();
      v = v * 10 + (rest[k] - '0');
    }
    rest.remove_prefix(i);
    size_t j = 0;
    while (j < rest.size() && !isdigit(rest[j])) ++j;
    if (j == 0) return invalid();
    std::string_view u = rest.substr(0, j);
    rest.remove_prefix(j);
    const Unit* unit = nullptr;
    for (const auto& cand : kUnits) {
      if (cand.name == u) unit = &cand;
    }
    if (unit == nullptr) {
      std::string uq;
      gofmt::AppendQuote(&uq, u);
      return Err("unknown unit " + uq + " in duration " + q);
    }
    if (unit->pos <= last_pos) return invalid();
    last_pos = unit->pos;
    if (v > (1ull << 63) / unit->mult) return Err("duration out of range");
    dur += v * unit->mult;
    if (dur > static_cast<uint64_t>(INT64_MAX)) return Err("duration out of range");
  }
  return static_cast<double>(static_cast<int64_t>(dur)) / 1e9;
}

// ---- regexp (Go's regexp package on top of RE2) ----

std::string RegexpErrorCode(RE2::ErrorCode c) {
  switch (c) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    case RE2::ErrorPatternTooLarge:
      return "expression too large";
    default:
      return "internal error";
  }
}

Result<std::unique_ptr<RE2>> CompileRegexp(std::string_view pattern) {
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), opts);
  if (!re->ok()) {
    std::string arg = re->error_code() == RE2::ErrorTrailingBackslash ? "" : re->error_arg();
    return Err("error parsing regexp: " + RegexpErrorCode(re->error_code()) + ": `" + arg + "`");
  }
  return re;
}

// Go's Regexp.expand for a "$1 ${name}" replacement template.
void ExpandTemplate(std::string* dst, std::string_view tmpl, const RE2& re,
                    const re2::StringPiece* groups, int ngroups) {
  auto is_word = [](unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; };
  while (!tmpl.empty()) {
    size_t d = tmpl.find('$');
    if (d == std::string_view::npos) break;
    dst->append(tmpl.substr(0, d));
    tmpl.remove_prefix(d + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      dst->push_back('$');
      tmpl.remove_prefix(1);
      continue;
    }
    // extract: name of letters, digits, underscore; optionally in braces.
    std::string_view str = tmpl;
    bool brace = false;
    if (!str.empty() && str[0] == '{') {
      brace = true;
      str.remove_prefix(1);
    }
    size_t i = 0;
    while (i < str.size() && is_word(str[i])) ++i;
    bool ok = i > 0;
    std::string_view name = str.substr(0, i);
    if (ok && brace) {
      if (i >= str.size() || str[i] != '}') {
        ok = false;
      } else {
        ++i;
      }
    }
    if (!ok) {
      dst->push_back('$');
      continue;
    }
    tmpl = str.substr(i);
    int num = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (name.size() > 1 && name[0] == '0') num = -1;
    if (num < 0) {
      auto it = re.NamedCapturingGroups().find(std::string(name));
      if (it != re.NamedCapturingGroups().end()) num = it->second;
    }
    if (num >= 0 && num < ngroups && groups[num].data() != nullptr) {
      dst->append(groups[num].data(), groups[num].size());
    }
  }
  dst->append(tmpl);
}

// Go's Regexp.ReplaceAllString.
std::string ReplaceAll(const RE2& re, std::string_view src, std::string_view repl) {
  int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(ngroups);
  re2::StringPiece text(src.data(), src.size());
  std::string out;
  size_t last_end = 0;
  size_t search = 0;
  while (search <= src.size()) {
    if (!re.Match(text, search, src.size(), RE2::UNANCHORED, groups.data(), ngroups)) break;
    size_t a0 = groups[0].data() - src.data();
    size_t a1 = a0 + groups[0].size();
    out.append(src.substr(last_end, a0 - last_end));
    if (a1 > last_end || a0 == 0) ExpandTemplate(&out, repl, re, groups.data(), ngroups);
    last_end = a1;
    int width;
    gofmt::DecodeRune(src, search, &width);
    if (search + width > a1) {
      search += width;
    } else if (search + 1 > a1) {
      ++search;
    } else {
      search = a1;
    }
  }
  if (last_end < src.size()) out.append(src.substr(last_end));
  return out;
}

std::string GoRegexpQuote(std::string_view s) {
  if (gofmt::CanBackquote(s)) return "`" + std::string(s) + "`";
  std::string q;
  gofmt::AppendQuote(&q, s);
  return q;
}

// ---- strings ----

int32_t UpperRune(int32_t r) {
  if (r >= 'a' && r <= 'z') return r - 32;
  if ((r >= 0xe0 && r <= 0xfe && r != 0xf7)) return r - 32;
  if (r == 0xff) return 0x178;
  return r;
}
int32_t LowerRune(int32_t r) {
  if (r >= 'A' && r <= 'Z') return r + 32;
  if ((r >= 0xc0 && r <= 0xde && r != 0xd7)) return r + 32;
  if (r == 0x178) return 0xff;
  return r;
}
template <typename F>
std::string MapRunes(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    int w;
    int32_t r = gofmt::DecodeRune(s, i, &w);
    if (r == 0xfffd && w == 1) {
      out.push_back(s[i]);
    } else {
      gofmt::AppendRune(&out, f(r));
    }
    i += w;
  }
  return out;
}
bool IsWordRune(int32_t r) {
  return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_' ||
         (r >= 0xc0 && r != 0xd7 && r != 0xf7 && !(r >= 0x2000 && r <= 0x2bff) &&
          !(r >= 0x3000 && r <= 0x303f));
}

// cases.Title(language.AmericanEnglish, cases.NoLower): upper-cases the first
// letter of each word, leaves the rest alone. "." "'" ":" between word
// characters do not start a new word.
std::string Title(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  int32_t prev = ' ', prev2 = ' ';
  for (size_t i = 0; i < s.size();) {
    int w;
    int32_t r = gofmt::DecodeRune(s, i, &w);
    bool in_word =
        IsWordRune(prev) || ((prev == '.' || prev == '\'' || prev == ':') && IsWordRune(prev2));
    if (r == 0xfffd && w == 1) {
      out.push_back(s[i]);
    } else {
      gofmt::AppendRune(&out, in_word ? r : UpperRune(r));
    }
    prev2 = prev;
    prev = r;
    i += w;
  }
  return out;
}

// net.SplitHostPort; returns false on any error Go would report.
bool SplitHostPort(std::string_view hp, std::string_view* host, std::string_view* port) {
  size_t i = hp.rfind(':');
  if (i == std::string_view::npos) return false;
  size_t j = 0, k = 0;
  if (!hp.empty() && hp[0] == '[') {
    size_t end = hp.find(']');
    if (end == std::string_view::npos) return false;
    if (end + 1 == hp.size()) return false;
    if (end + 1 != i) return false;
    *host = hp.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    *host = hp.substr(0, i);
    if (host->find(':') != std::string_view::npos) return false;
  }
  if (hp.substr(j).find('[') != std::string_view::npos) return false;
  if (hp.substr(k).find(']') != std::string_view::npos) return false;
  *port = hp.substr(i + 1);
  return true;
}

bool IsIP(std::string_view s) {
  std::string z(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, z.c_str(), buf) == 1 || inet_pton(AF_INET6, z.c_str(), buf) == 1;
}

std::string StripDomain(std::string_view hp) {
  std::string_view host, port;
  if (!SplitHostPort(hp, &host, &port)) {
    host = hp;
    port = {};
  }
  if (IsIP(host)) return std::string(hp);
  host = host.substr(0, host.find('.'));
  if (!port.empty()) {
    if (host.find(':') != std::string_view::npos)
      return "[" + std::string(host) + "]:" + std::string(port);
    return std::string(host) + ":" + std::string(port);
  }
  return std::string(host);
}

std::string_view UrlPath(std::string_view url) {
  size_t scheme = url.find("://");
  std::string_view rest = url;
  if (scheme != std::string_view::npos) {
    rest = url.substr(scheme + 3);
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return {};
    rest = rest.substr(slash);
  }
  size_t end = rest.find_first_of("?#");
  return rest.substr(0, end);
}

const std::string& LabelOf(const Value& sample, std::string_view name) {
  static const std::string kEmpty;
  const Value* labels = sample.struct_data().Find("Labels");
  if (labels == nullptr || labels->kind() != Value::Kind::kMap) return kEmpty;
  const Value* v = labels->map().Find(name);
  if (v == nullptr || v->kind() != Value::Kind::kString) return kEmpty;
  return v->string_value();
}

Value Str(std::string s) { return Value::String(std::move(s)); }

using Fn = std::function<Result<Value>(const FuncEnv&, Args)>;

// A one-number function: converts the argument as Prometheus does.
Func NumFunc(std::string (*f)(double)) {
  return Func{{P::kAny}, false, [f](const FuncEnv&, Args a) -> Result<Value> {
                auto v = ConvertToFloat(a[0]);
                if (!v.ok()) return v.status();
                return Str(f(*v));
              }};
}

FuncMap Build() {
  FuncMap m;
  m["query"] = Func{{P::kString}, false, [](const FuncEnv& env, Args a) -> Result<Value> {
                      if (env.query == nullptr || !*env.query)
                        return Err("query function not configured");
                      auto r = (*env.query)(a[0].string_value());
                      if (!r.ok()) return Err(std::string(r.status().message()));
                      std::vector<Value> items;
                      items.reserve(r->size());
                      for (const auto& s : *r) items.push_back(Value::Sample(s.labels, s.value));
                      return MakeList(std::move(items), kQueryResultType);
                    }};
  m["first"] = Func{{P::kQueryResult}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                      if (a[0].is_nil() || a[0].list().items.empty()) {
                        return Err("first() called on vector with no elements");
                      }
                      return a[0].list().items[0];
                    }};
  m["label"] = Func{{P::kString, P::kSample}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                      if (a[1].is_nil()) return Err(kNilDeref);
                      return Str(LabelOf(a[1], a[0].string_value()));
                    }};
  m["value"] = Func{{P::kSample}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                      if (a[0].is_nil()) return Err(kNilDeref);
                      const Value* v = a[0].struct_data().Find("Value");
                      return v != nullptr ? *v : Value();
                    }};
  m["strvalue"] = Func{{P::kSample}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                         if (a[0].is_nil()) return Err(kNilDeref);
                         return Str(LabelOf(a[0], "__value__"));
                       }};
  m["args"] = Func{{P::kAny}, true, [](const FuncEnv&, Args a) -> Result<Value> {
                     std::vector<std::pair<std::string, Value>> items;
                     for (size_t i = 0; i < a.size(); ++i)
                       items.emplace_back("arg" + std::to_string(i), a[i]);
                     return MakeMap(std::move(items), /*string_elems=*/false);
                   }};
  m["reReplaceAll"] = Func{
      {P::kString, P::kString, P::kString}, false, [](const FuncEnv&, Args a) -> Result<Value> {
        auto re = CompileRegexp(a[0].string_value());
        if (!re.ok()) {
          return Err("regexp: Compile(" + GoRegexpQuote(a[0].string_value()) +
                     "): " + std::string(re.status().message()));
        }
        return Str(ReplaceAll(**re, a[2].string_value(), a[1].string_value()));
      }};
  m["safeHtml"] =
      Func{{P::kString}, false, [](const FuncEnv&, Args a) -> Result<Value> { return a[0]; }};
  m["match"] =
      Func{{P::kString, P::kString}, false, [](const FuncEnv&, Args a) -> Result<Value> {
             auto re = CompileRegexp(a[0].string_value());
             if (!re.ok()) return re.status();
             const std::string& s = a[1].string_value();
             return Value::Bool(RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), **re));
           }};
  m["title"] = Func{{P::kString}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                      return Str(Title(a[0].string_value()));
                    }};
  m["toUpper"] = Func{{P::kString}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                        return Str(MapRunes(a[0].string_value(), UpperRune));
                      }};
  m["toLower"] = Func{{P::kString}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                        return Str(MapRunes(a[0].string_value(), LowerRune));
                      }};
  m["graphLink"] =
      Func{{P::kString}, false, [](const FuncEnv&, Args a) -> Result<Value> {
             return Str("/graph?g0.expr=" + gofmt::QueryEscape(a[0].string_value()) + "&g0.tab=0");
           }};
  m["tableLink"] =
      Func{{P::kString}, false, [](const FuncEnv&, Args a) -> Result<Value> {
             return Str("/graph?g0.expr=" + gofmt::QueryEscape(a[0].string_value()) + "&g0.tab=1");
           }};
  m["sortByLabel"] =
      Func{{P::kString, P::kQueryResult}, false, [](const FuncEnv&, Args a) -> Result<Value> {
             if (a[1].is_nil()) return MakeList({}, kQueryResultType);
             std::vector<Value> items = a[1].list().items;
             const std::string& by = a[0].string_value();
             std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
               return LabelOf(x, by) < LabelOf(y, by);
             });
             return MakeList(std::move(items), kQueryResultType);
           }};
  m["stripPort"] = Func{{P::kString}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                          std::string_view host, port;
                          const std::string& hp = a[0].string_value();
                          if (!SplitHostPort(hp, &host, &port)) return a[0];
                          return Str(std::string(host));
                        }};
  m["stripDomain"] = Func{{P::kString}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                            return Str(StripDomain(a[0].string_value()));
                          }};
  m["humanize"] = NumFunc(Humanize);
  m["humanize1024"] = NumFunc(Humanize1024);
  m["humanizeDuration"] = NumFunc(HumanizeDuration);
  m["humanizePercentage"] = NumFunc([](double v) { return G4(v * 100) + "%"; });
  m["humanizeTimestamp"] = Func{{P::kAny}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                                  auto v = ConvertToFloat(a[0]);
                                  if (!v.ok()) return v.status();
                                  if (std::isnan(*v) || std::isinf(*v)) return Str(G4(*v));
                                  auto t = FloatToTime(*v);
                                  if (!t.ok()) return t.status();
                                  return Str(gofmt::TimeString(*t));
                                }};
  m["toTime"] = Func{{P::kAny}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                       auto v = ConvertToFloat(a[0]);
                       if (!v.ok()) return v.status();
                       auto t = FloatToTime(*v);
                       if (!t.ok()) return t.status();
                       return Value::Time(*t);
                     }};
  m["toDuration"] = Func{{P::kAny}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                           auto v = ConvertToFloat(a[0]);
                           if (!v.ok()) return v.status();
                           auto d = FloatToDuration(*v);
                           if (!d.ok()) return d.status();
                           return Value::Duration(DurationValue{*d});
                         }};
  m["now"] = Func{{}, false, [](const FuncEnv& env, Args) -> Result<Value> {
                    return Value::Float(static_cast<double>(env.ts_ms) / 1000.0);
                  }};
  m["pathPrefix"] = Func{{}, false, [](const FuncEnv& env, Args) -> Result<Value> {
                           return Str(std::string(UrlPath(env.external_url)));
                         }};
  m["externalURL"] = Func{{}, false, [](const FuncEnv& env, Args) -> Result<Value> {
                            return Str(std::string(env.external_url));
                          }};
  m["parseDuration"] = Func{{P::kString}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                              auto d = ParseDurationSeconds(a[0].string_value());
                              if (!d.ok()) return d.status();
                              return Value::Float(*d);
                            }};
  m["urlQueryEscape"] = Func{{P::kString}, false, [](const FuncEnv&, Args a) -> Result<Value> {
                               return Str(gofmt::QueryEscape(a[0].string_value()));
                             }};
  return m;
}

}  // namespace

const FuncMap& PrometheusFuncs() {
  static const FuncMap* const kFuncs = new FuncMap(Build());
  return *kFuncs;
}

}  // namespace ward::tmpl
