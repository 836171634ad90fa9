// Strict decoding of rule unit-test files (see test_file.h).
#include "rules/unittest/test_file.h"

#include <glob.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <set>

#include "config/decode.h"
#include "promql/parser/lex.h"

namespace ward::rules::unittest {

namespace ci = ward::config::internal;

namespace {

// Errors that abort decoding at once (yaml.v2 returns an Unmarshaler's
// error as is, e.g. a bad duration).
struct Abort {
  std::string msg;
};

// yaml.v2's "cannot unmarshal !!str `x` into T" (the value only for scalars).
Status TypeError(const YAML::Node& n, std::string_view type) {
  std::string msg = "cannot unmarshal " + ci::GoTag(n);
  if (n.IsScalar()) msg += " `" + n.Scalar() + "`";
  return ci::ErrorAt(n, msg + " into " + std::string(type));
}

// Collects yaml.v2-style "line N: ..." type errors of one decode.
class Decoder {
 public:
  explicit Decoder(bool ignore_unknown) : ignore_unknown_(ignore_unknown) {}

  std::vector<std::string> errs;
  std::optional<Abort> abort;

  void Add(const Status& st) {
    if (!st.ok()) errs.emplace_back(st.message());
  }

  // Walks the keys of mapping `n` of Go type `type`. `fn(key, value)` returns
  // false for keys it does not know.
  template <typename Fn>
  void Map(const YAML::Node& n, std::string_view type, Fn fn) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsMap()) {
      Add(TypeError(n, type));
      return;
    }
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (abort) return;
      std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string();
      if (!seen.insert(key).second) {
        Add(ci::ErrorAt(it->first, "key " + ci::Quote(key) + " already set in map"));
        continue;
      }
      if (it->second.IsNull()) {
        // A null value leaves the field at its zero value, but unknown keys
        // are still reported.
        if (!fn(key, YAML::Node(YAML::NodeType::Undefined)) && !ignore_unknown_) {
          Add(ci::ErrorAt(it->first, "field " + key + " not found in type " + std::string(type)));
        }
        continue;
      }
      if (!fn(key, it->second) && !ignore_unknown_) {
        Add(ci::ErrorAt(it->first, "field " + key + " not found in type " + std::string(type)));
      }
    }
  }

  template <typename T, typename Fn>
  void Seq(const YAML::Node& n, std::string_view type, std::vector<T>* out, Fn fn) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsSequence()) {
      Add(TypeError(n, "[]" + std::string(type)));
      return;
    }
    for (const YAML::Node& e : n) {
      if (abort) return;
      out->emplace_back();
      fn(e, &out->back());
    }
  }

  void Str(const YAML::Node& n, std::string* out) {
    if (n.IsDefined()) Add(ci::DecodeString(n, out));
  }
  void StrMap(const YAML::Node& n, std::map<std::string, std::string>* out) {
    if (n.IsDefined()) Add(ci::DecodeStringMap(n, out));
  }
  void StrList(const YAML::Node& n, std::vector<std::string>* out) {
    if (n.IsDefined()) Add(ci::DecodeStringList(n, out));
  }
  void Bool(const YAML::Node& n, bool* out) {
    if (n.IsDefined()) Add(ci::DecodeBool(n, out));
  }
  void Dur(const YAML::Node& n, int64_t* out) {
    if (!n.IsDefined()) return;
    if (!n.IsScalar()) {
      Add(TypeError(n, "string"));
      return;
    }
    auto d = promql::parser::ParsePromDuration(n.Scalar());
    if (!d.ok()) {
      abort = Abort{std::string(d.status().message())};
      return;
    }
    *out = *d;
  }
  void Float(const YAML::Node& n, double* out);
  void StartTimestamp(const YAML::Node& n, int64_t* out_ms);

 private:
  bool ignore_unknown_;
};

bool ParseYamlFloat(const std::string& s, double* out) {
  static const char* const kInf[] = {".inf", ".Inf", ".INF"};
  static const char* const kNan[] = {".nan", ".NaN", ".NAN"};
  std::string_view body = s;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  for (const char* w : kInf) {
    if (body == w) {
      *out =
          neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
      return true;
    }
  }
  for (const char* w : kNan) {
    if (s == w) {
      *out = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
  }
  if (body.empty()) return false;
  // Digits, one optional '.', an optional exponent; no hex, no "nan"/"inf"
  // words (yaml.v2 leaves those as strings).
  bool digits = false;
  size_t i = 0;
  while (i < body.size() && ((body[i] >= '0' && body[i] <= '9') || body[i] == '_')) {
    digits = true;
    ++i;
  }
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
      digits = true;
      ++i;
    }
  }
  if (!digits) return false;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t start = i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i != body.size()) return false;
  std::string clean;
  for (char c : s) {
    if (c != '_') clean.push_back(c);
  }
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return false;
  *out = v;
  return true;
}

void Decoder::Float(const YAML::Node& n, double* out) {
  if (!n.IsDefined()) return;
  if (!n.IsScalar() || n.Tag() == "!" || !ParseYamlFloat(n.Scalar(), out)) {
    Add(TypeError(n, "float64"));
  }
}

// RFC 3339 ("2021-01-01T00:00:00Z", "...+02:00", fractional seconds) -> ms.
bool ParseRFC3339(std::string_view s, int64_t* out_ms) {
  auto num = [&](size_t pos, size_t len, int* v) {
    if (pos + len > s.size()) return false;
    int r = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      r = r * 10 + (s[i] - '0');
    }
    *v = r;
    return true;
  };
  int y, mo, d, h, mi, sec;
  if (!num(0, 4, &y) || s.size() < 20 || s[4] != '-' || !num(5, 2, &mo) || s[7] != '-' ||
      !num(8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !num(11, 2, &h) || s[13] != ':' ||
      !num(14, 2, &mi) || s[16] != ':' || !num(17, 2, &sec)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return false;
  size_t i = 19;
  int64_t frac_ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits < 3) frac_ms = frac_ms * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return false;
    for (int k = digits; k < 3; ++k) frac_ms *= 10;
  }
  int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!num(i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' || !num(i + 4, 2, &om)) {
      return false;
    }
    offset_s = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size()) return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset_s;
  *out_ms = secs * 1000 + frac_ms;
  return true;
}

void Decoder::StartTimestamp(const YAML::Node& n, int64_t* out_ms) {
  if (!n.IsDefined()) return;
  if (!n.IsScalar()) {
    Add(TypeError(n, "start_timestamp"));
    return;
  }
  const std::string& s = n.Scalar();
  int64_t secs = 0;
  bool is_int = !s.empty() && n.Tag() != "!";
  for (size_t i = 0; is_int && i < s.size(); ++i) {
    if (!(s[i] >= '0' && s[i] <= '9') && !(i == 0 && s[i] == '-')) is_int = false;
  }
  if (is_int && s.size() < 16) {
    secs = std::strtoll(s.c_str(), nullptr, 10);
    *out_ms = secs * 1000;
    return;
  }
  if (!ParseRFC3339(s, out_ms)) {
    abort = Abort{"start_timestamp: cannot parse " + ci::Quote(s) +
                  " as a Unix timestamp or an RFC3339 time"};
  }
}

void DecodeGroup(Decoder& d, const YAML::Node& n, TestGroup* g) {
  d.Map(n, "main.testGroup", [&](const std::string& k, const YAML::Node& v) {
    if (k == "interval") {
      d.Dur(v, &g->interval_ms);
    } else if (k == "input_series") {
      d.Seq(v, "main.series", &g->input_series, [&](const YAML::Node& e, InputSeries* s) {
        d.Map(e, "main.series", [&](const std::string& k2, const YAML::Node& v2) {
          if (k2 == "series") return d.Str(v2, &s->series), true;
          if (k2 == "values") return d.Str(v2, &s->values), true;
          return false;
        });
      });
    } else if (k == "alert_rule_test") {
      d.Seq(v, "main.alertTestCase", &g->alert_rule_test,
            [&](const YAML::Node& e, AlertTestCase* c) {
              d.Map(e, "main.alertTestCase", [&](const std::string& k2, const YAML::Node& v2) {
                if (k2 == "eval_time") return d.Dur(v2, &c->eval_time_ms), true;
                if (k2 == "groupname") return d.Str(v2, &c->groupname), true;
                if (k2 == "alertname") return d.Str(v2, &c->alertname), true;
                if (k2 != "exp_alerts") return false;
                d.Seq(v2, "main.alert", &c->exp_alerts, [&](const YAML::Node& e3, ExpAlert* a) {
                  d.Map(e3, "main.alert", [&](const std::string& k3, const YAML::Node& v3) {
                    if (k3 == "exp_labels") return d.StrMap(v3, &a->exp_labels), true;
                    if (k3 == "exp_annotations") return d.StrMap(v3, &a->exp_annotations), true;
                    return false;
                  });
                });
                return true;
              });
            });
    } else if (k == "promql_expr_test") {
      d.Seq(v, "main.promqlTestCase", &g->promql_expr_test,
            [&](const YAML::Node& e, PromqlTestCase* c) {
              d.Map(e, "main.promqlTestCase", [&](const std::string& k2, const YAML::Node& v2) {
                if (k2 == "expr") return d.Str(v2, &c->expr), true;
                if (k2 == "eval_time") return d.Dur(v2, &c->eval_time_ms), true;
                if (k2 != "exp_samples") return false;
                d.Seq(v2, "main.sample", &c->exp_samples, [&](const YAML::Node& e3, ExpSample* s) {
                  d.Map(e3, "main.sample", [&](const std::string& k3, const YAML::Node& v3) {
                    if (k3 == "labels") return d.Str(v3, &s->labels), true;
                    if (k3 == "value") return d.Float(v3, &s->value), true;
                    return false;
                  });
                });
                return true;
              });
            });
    } else if (k == "external_labels") {
      d.StrMap(v, &g->external_labels);
    } else if (k == "external_url") {
      d.Str(v, &g->external_url);
    } else if (k == "name") {
      d.Str(v, &g->name);
    } else if (k == "start_timestamp") {
      d.StartTimestamp(v, &g->start_timestamp_ms);
    } else {
      return false;
    }
    return true;
  });
}

// yaml.v2's wording for yaml-cpp's syntax errors (the line is yaml-cpp's,
// which for unclosed flow collections can be later than yaml.v2's).
std::string GoYamlMessage(const std::string& msg) {
  static const struct {
    const char* cpp;
    const char* go;
  } kMap[] = {
      {"illegal map value", "mapping values are not allowed in this context"},
      {"end of map not found", "did not find expected key"},
      {"end of map flow not found", "did not find expected ',' or '}'"},
      {"end of sequence not found", "did not find expected '-' indicator"},
      {"end of sequence flow not found", "did not find expected ',' or ']'"},
      {"illegal EOF in scalar", "found unexpected end of stream"},
      {"illegal tab when looking for indentation", "found character that cannot start any token"},
      {"illegal flow end", "did not find expected node content"},
  };
  for (const auto& m : kMap) {
    if (msg == m.cpp) return m.go;
  }
  return msg;
}

}  // namespace

Result<TestFile> ParseTestFile(std::string_view yaml, bool ignore_unknown_fields) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("yaml: line " + std::to_string(e.mark.line + 1) + ": " +
                                   GoYamlMessage(e.msg));
  }
  TestFile out;
  Decoder d(ignore_unknown_fields);
  d.Map(root, "main.unitTestFile", [&](const std::string& k, const YAML::Node& v) {
    if (k == "rule_files") {
      d.StrList(v, &out.rule_files);
    } else if (k == "evaluation_interval") {
      d.Dur(v, &out.evaluation_interval_ms);
    } else if (k == "fuzzy_compare") {
      d.Bool(v, &out.fuzzy_compare);
    } else if (k == "group_eval_order") {
      d.StrList(v, &out.group_eval_order);
    } else if (k == "tests") {
      d.Seq(v, "main.testGroup", &out.tests,
            [&](const YAML::Node& e, TestGroup* g) { DecodeGroup(d, e, g); });
    } else {
      return false;
    }
    return true;
  });
  if (d.abort) return Status::InvalidArgument(d.abort->msg);
  if (!d.errs.empty()) {
    std::string msg = "yaml: unmarshal errors:";
    for (const std::string& e : d.errs) msg += "\n  " + e;
    return Status::InvalidArgument(msg);
  }
  return out;
}

Result<std::vector<std::string>> ResolveRuleFiles(const std::vector<std::string>& patterns,
                                                  std::string_view base_dir, std::ostream& warn) {
  std::vector<std::string> out;
  for (const std::string& p : patterns) {
    std::string path = ci::JoinDir(base_dir, p);
    glob_t g{};
    int rc = ::glob(path.c_str(), 0, nullptr, &g);
    if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
      warn << "  WARNING: no file match pattern " << path << "\n";
    } else if (rc != 0) {
      ::globfree(&g);
      return Status::InvalidArgument("syntax error in pattern");
    } else {
      for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    }
    ::globfree(&g);
  }
  return out;
}

}  // namespace ward::rules::unittest
