// The rule unit-test runner (see unittest.h). Follows the order of
// Prometheus's cmd/promtool/unittest.go: decode, resolve rule files, then
// per test group: load rules, evaluate step by step while checking alert
// tests, then run the PromQL tests.
#include "rules/unittest/unittest.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <variant>

#include "model/rulefmt/rulefmt.h"
#include "promql/parser/lex.h"
#include "promql/parser/parse.h"
#include "rules/group.h"
#include "rules/unittest/expand.h"
#include "rules/unittest/format.h"
#include "storage/interface.h"
#include "tsdb/head.h"
#include "util/metrics.h"

namespace ward::rules::unittest {

namespace {

constexpr int64_t kDefaultEvalIntervalMs = 60 * 1000;
// As Prometheus's test storage: the head accepts samples down to 12h before
// its newest one.
constexpr int64_t kChunkRangeMs = 24 * 60 * 60 * 1000LL;

// A label set as unittest.go compares it: sorted pairs, empty values kept
// (labels.FromMap keeps them; Builder would drop them).
labels::Labels FromMap(const std::map<std::string, std::string>& m) {
  std::vector<labels::Label> v;
  v.reserve(m.size());
  for (const auto& [k, val] : m) v.push_back({k, val});
  return labels::Labels(std::move(v));
}

struct LabelsAndAnnotations {
  labels::Labels labels;
  labels::Labels annotations;
};

bool LessLA(const LabelsAndAnnotations& a, const LabelsAndAnnotations& b) {
  int c = labels::Labels::Compare(a.labels, b.labels);
  if (c != 0) return c < 0;
  return labels::Labels::Compare(a.annotations, b.annotations) < 0;
}

// unittest.go's labelsAndAnnotations.String().
std::string AlertsString(const std::vector<LabelsAndAnnotations>& la) {
  if (la.empty()) return "[]";
  std::string s = "[\n";
  for (size_t i = 0; i < la.size(); ++i) {
    if (i > 0) s += ",\n";
    std::string one =
        "\nLabels:" + la[i].labels.ToString() + "\nAnnotations:" + la[i].annotations.ToString();
    s += std::to_string(i) + ":" + IndentLines(one, "  ");
  }
  s += "\n]";
  return s;
}

struct ParsedSample {
  labels::Labels labels;
  double value = 0;
};

std::string SamplesString(const std::vector<ParsedSample>& ps) {
  if (ps.empty()) return "nil";
  std::string s;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (i > 0) s += ", ";
    s += ps[i].labels.ToString() + " " + FormatFloatE(ps[i].value);
  }
  return s;
}

// fuzzy_compare: "ignore differences in the last bit of the mantissa", i.e.
// equal, both NaN, or adjacent doubles (one ulp apart).
bool FuzzyEqual(double a, double b) {
  if (a == b) return true;
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b) || std::signbit(a) != std::signbit(b)) return false;
  uint64_t ua, ub;
  std::memcpy(&ua, &a, sizeof a);
  std::memcpy(&ub, &b, sizeof b);
  return (ua > ub ? ua - ub : ub - ua) <= 1;
}

// One input series, appended lazily up to each evaluation time (as
// promql.LazyLoader.WithSamplesTill).
struct LoadSeries {
  labels::Labels labels;
  std::vector<std::pair<int64_t, double>> samples;  // increasing time
  size_t next = 0;                                  // first sample not yet appended
  storage::SeriesRef ref = 0;
};

// Everything one test group runs on.
class GroupRun {
 public:
  GroupRun(const TestGroup& tg, std::string name, int64_t eval_interval_ms,
           const std::map<std::string, int>& group_order, const Options& opts, bool fuzzy_compare,
           const std::vector<std::string>& rule_files, std::ostream& out)
      : tg_(tg),
        name_(std::move(name)),
        eval_interval_ms_(eval_interval_ms),
        group_order_(group_order),
        opts_(opts),
        fuzzy_(fuzzy_compare),
        rule_files_(rule_files),
        out_(out) {}

  std::vector<std::string> Run();

 private:
  Status ParseInput();
  Status AppendTill(int64_t ts_ms);
  std::vector<std::string> LoadGroups();
  void CheckAlerts(int64_t eval_time_ms, const std::vector<const AlertTestCase*>& cases,
                   std::vector<std::string>* errs);
  void CheckPromql(std::vector<std::string>* errs);
  void DebugDump();

  const TestGroup& tg_;
  const std::string name_;
  const int64_t eval_interval_ms_;
  const std::map<std::string, int>& group_order_;
  const Options& opts_;
  const bool fuzzy_;
  const std::vector<std::string>& rule_files_;
  std::ostream& out_;

  std::vector<LoadSeries> series_;
  // The groups' prometheus_rule_* metrics stay local to this run.
  metrics::Registry registry_;
  std::unique_ptr<tsdb::Head> head_;
  std::unique_ptr<promql::Engine> engine_;
  std::vector<std::shared_ptr<Group>> groups_;
};

Status GroupRun::ParseInput() {
  const int64_t interval = tg_.interval_ms;
  for (const InputSeries& in : tg_.input_series) {
    LoadSeries s;
    std::vector<promql::parser::SequenceValue> values;
    std::string desc = in.series + " " + in.values;
    Status st = promql::parser::ParseSeriesDesc(desc, &s.labels, &values);
    // As promtool, the parser's message alone (it quotes the bad part).
    if (!st.ok()) return st;
    for (size_t k = 0; k < values.size(); ++k) {
      const auto& v = values[k];
      if (v.omitted) continue;
      if (v.histogram) {
        // Dropping them would make every test on the series misleading.
        return Status::InvalidArgument("input series " + GoQuote(in.series) +
                                       ": native histogram samples are not supported by ward yet");
      }
      s.samples.emplace_back(tg_.start_timestamp_ms + static_cast<int64_t>(k) * interval, v.value);
    }
    series_.push_back(std::move(s));
  }
  return Status::OK();
}

Status GroupRun::AppendTill(int64_t ts_ms) {
  auto app = head_->NewAppender();
  for (LoadSeries& s : series_) {
    while (s.next < s.samples.size() && s.samples[s.next].first <= ts_ms) {
      const auto& [t, v] = s.samples[s.next];
      auto r = app->Append(s.ref, s.labels, t, v);
      if (!r.ok()) {
        app->Rollback().IgnoreError();  // the append error is what gets reported
        return Status::InvalidArgument("append " + s.labels.ToString() + " at " +
                                       std::to_string(t) + ": " +
                                       std::string(r.status().message()));
      }
      s.ref = *r;
      ++s.next;
    }
  }
  return app->Commit();
}

std::vector<std::string> GroupRun::LoadGroups() {
  auto ropts = std::make_shared<rules::Options>();
  ropts->engine = engine_.get();
  ropts->queryable = head_.get();
  ropts->appendable = head_.get();
  ropts->external_url = tg_.external_url;
  ropts->default_interval_ms = tg_.interval_ms;
  ropts->registry = &registry_;
  ropts->expand =
      MakeExpandFunc(FromMap(tg_.external_labels), tg_.external_url, engine_.get(), head_.get());
  std::shared_ptr<const rules::Options> shared = ropts;

  struct Loaded {
    std::shared_ptr<Group> group;
    int order = 0;
  };
  std::vector<Loaded> loaded;
  for (const std::string& file : rule_files_) {
    auto rgs = rulefmt::ParseFile(file);
    if (!rgs.ok()) {
      std::vector<std::string> errs;
      std::string_view msg = rgs.status().message();
      size_t start = 0;
      while (start <= msg.size()) {
        size_t nl = msg.find('\n', start);
        if (nl == std::string_view::npos) nl = msg.size();
        errs.emplace_back(msg.substr(start, nl - start));
        start = nl + 1;
      }
      return errs;
    }
    for (const rulefmt::RuleGroup& rg : rgs->groups) {
      auto g = Group::Make(rg, file, shared, /*should_restore=*/false);
      if (!g.ok()) return {file + ": " + std::string(g.status().message())};
      auto it = group_order_.find(rg.name);
      loaded.push_back({std::move(*g), it == group_order_.end() ? 0 : it->second});
    }
  }
  // unittest.go sorts by the group_eval_order index (0 when unlisted); keep
  // file order among equals so that runs are reproducible.
  std::stable_sort(loaded.begin(), loaded.end(),
                   [](const Loaded& a, const Loaded& b) { return a.order < b.order; });
  for (Loaded& l : loaded) groups_.push_back(std::move(l.group));
  // As promtool: alerting rules count as restored, so ALERTS is written.
  for (const auto& g : groups_) {
    for (const auto& ar : g->AlertingRules()) ar->SetRestored(true);
  }
  return {};
}

void GroupRun::CheckAlerts(int64_t eval_time_ms, const std::vector<const AlertTestCase*>& cases,
                           std::vector<std::string>* errs) {
  for (const AlertTestCase* tc : cases) {
    std::vector<LabelsAndAnnotations> got;
    for (const auto& g : groups_) {
      if (!tc->groupname.empty() && g->name() != tc->groupname) continue;
      for (const auto& ar : g->AlertingRules()) {
        if (ar->Name() != tc->alertname) continue;
        for (const ActiveAlert& a : ar->ActiveAlerts()) {
          if (a.state == AlertState::kFiring) got.push_back({a.labels, a.annotations});
        }
      }
    }
    std::vector<LabelsAndAnnotations> exp;
    for (const ExpAlert& a : tc->exp_alerts) {
      std::map<std::string, std::string> ls = a.exp_labels;
      ls["alertname"] = tc->alertname;
      exp.push_back({FromMap(ls), FromMap(a.exp_annotations)});
    }
    std::sort(got.begin(), got.end(), LessLA);
    std::sort(exp.begin(), exp.end(), LessLA);
    bool equal = got.size() == exp.size();
    for (size_t i = 0; equal && i < got.size(); ++i) {
      equal = got[i].labels == exp[i].labels && got[i].annotations == exp[i].annotations;
    }
    if (equal) continue;
    std::string test_name;
    if (!tg_.name.empty()) test_name = "    name: " + tg_.name + ",\n";
    errs->push_back(test_name + "    alertname: " + tc->alertname +
                    ", time: " + promql::parser::FormatDuration(eval_time_ms) +
                    ", \n        exp:" + IndentLines(AlertsString(exp), "            ") +
                    ", \n        got:" + IndentLines(AlertsString(got), "            "));
  }
}

void GroupRun::CheckPromql(std::vector<std::string>* errs) {
  for (const PromqlTestCase& tc : tg_.promql_expr_test) {
    const std::string prefix = "    expr: " + GoQuote(tc.expr) +
                               ", time: " + promql::parser::FormatDuration(tc.eval_time_ms);
    auto res = engine_->InstantQuery(*head_, tc.expr, tg_.start_timestamp_ms + tc.eval_time_ms);
    std::vector<ParsedSample> got;
    if (!res.ok()) {
      errs->push_back(prefix + ", err: " + std::string(res.status().message()));
      continue;
    }
    if (auto* v = std::get_if<promql::Vector>(&res->value)) {
      for (const promql::Sample& s : *v) got.push_back({s.metric, s.f});
    } else if (auto* sc = std::get_if<promql::Scalar>(&res->value)) {
      got.push_back({labels::Labels(), sc->v});
    } else {
      errs->push_back(prefix + ", err: rule result is not a vector or scalar");
      continue;
    }
    std::vector<ParsedSample> exp;
    bool bad = false;
    for (const ExpSample& s : tc.exp_samples) {
      labels::Labels ls;
      std::vector<promql::parser::SequenceValue> vals;
      // An omitted `labels` is the empty label set (ParseMetric("") in Go).
      bool blank = s.labels.find_first_not_of(" \t\r\n") == std::string::npos;
      Status st = blank ? Status::OK() : promql::parser::ParseSeriesDesc(s.labels, &ls, &vals);
      if (st.ok() && !vals.empty()) st = Status::InvalidArgument("unexpected values after labels");
      if (!st.ok()) {
        // The PromQL parser words syntax errors as Prometheus's ParseMetric
        // does ("1:11: parse error: ..."); prefer its message.
        auto e = promql::parser::ParseExpr(s.labels);
        if (!e.ok()) st = e.status();
        errs->push_back(prefix + ", err: labels " + GoQuote(s.labels) + ": " +
                        std::string(st.message()));
        bad = true;
        break;
      }
      exp.push_back({std::move(ls), s.value});
    }
    if (bad) continue;
    auto by_labels = [](const ParsedSample& a, const ParsedSample& b) {
      return labels::Labels::Compare(a.labels, b.labels) < 0;
    };
    std::stable_sort(exp.begin(), exp.end(), by_labels);
    std::stable_sort(got.begin(), got.end(), by_labels);
    bool equal = exp.size() == got.size();
    for (size_t i = 0; equal && i < exp.size(); ++i) {
      equal = exp[i].labels == got[i].labels &&
              (fuzzy_ ? FuzzyEqual(exp[i].value, got[i].value) : exp[i].value == got[i].value);
    }
    if (!equal) {
      errs->push_back(prefix + ",\n        exp: " + SamplesString(exp) +
                      "\n        got: " + SamplesString(got));
    }
  }
}

// --debug (promtool 3.x): every series (input and rule output) over the
// whole test, as one range selector at the largest eval_time rounded up to
// the next whole second, printed as Go's promql.Matrix String().
void GroupRun::DebugDump() {
  int64_t max_eval = 0;
  for (const AlertTestCase& a : tg_.alert_rule_test) max_eval = std::max(max_eval, a.eval_time_ms);
  for (const PromqlTestCase& p : tg_.promql_expr_test)
    max_eval = std::max(max_eval, p.eval_time_ms);
  const int64_t ts = (max_eval + 1000) / 1000 * 1000;
  const std::string expr = "{__name__=~\".+\"}[" + GoDurationString(ts) + "]";
  auto res = engine_->InstantQuery(*head_, expr, tg_.start_timestamp_ms + ts);
  if (!res.ok()) {
    out_ << "DEBUG: Failed query exec, expr: " << GoQuote(expr)
         << ", err: " << res.status().message() << "\n";
    return;
  }
  const auto* m = std::get_if<promql::Matrix>(&res->value);
  if (m == nullptr) {
    out_ << "DEBUG: Got unexpected type " << promql::ValueTypeName(res->value) << "\n";
    return;
  }
  out_ << "DEBUG: Dump of all data (input_series and rules) at " << GoDurationString(ts) << ":\n";
  for (size_t i = 0; i < m->size(); ++i) {
    const promql::Series& s = (*m)[i];
    if (i > 0) out_ << "\n";
    out_ << s.metric.ToString() << " =>";
    for (const promql::FPoint& p : s.floats) {
      out_ << "\n" << promql::parser::FormatFloatF(p.f) << " @[" << p.t << "]";
    }
  }
  out_ << "\n";
  out_.flush();
}

std::vector<std::string> GroupRun::Run() {
  if (Status st = ParseInput(); !st.ok()) return {std::string(st.message())};
  tsdb::HeadOptions ho;
  ho.chunk_range_ms = kChunkRangeMs;
  head_ = std::make_unique<tsdb::Head>(ho, nullptr, nullptr);
  promql::EngineOptions eo;
  eo.lookback_delta_ms = 5 * 60 * 1000;
  eo.default_subquery_step_ms = eval_interval_ms_;
  eo.max_samples = 10000;
  eo.timeout_ms = 100 * 1000;
  eo.experimental_functions = opts_.experimental_functions;
  eo.delayed_name_removal = opts_.delayed_name_removal;
  eo.max_concurrency = 0;
  engine_ = std::make_unique<promql::Engine>(eo);

  if (auto errs = LoadGroups(); !errs.empty()) return errs;

  const int64_t mint = tg_.start_timestamp_ms;
  int64_t max_eval = 0;
  std::map<int64_t, std::vector<const AlertTestCase*>> alert_tests;  // by eval_time
  for (const AlertTestCase& a : tg_.alert_rule_test) {
    if (a.alertname.empty()) {
      std::string in_group;
      if (!tg_.name.empty()) in_group = " (in TestGroup " + tg_.name + ")";
      return {"an item under alert_rule_test misses required attribute alertname at eval_time " +
              promql::parser::FormatDuration(a.eval_time_ms) + in_group};
    }
    alert_tests[a.eval_time_ms].push_back(&a);
    max_eval = std::max(max_eval, a.eval_time_ms);
  }
  for (const PromqlTestCase& p : tg_.promql_expr_test)
    max_eval = std::max(max_eval, p.eval_time_ms);
  const int64_t maxt = mint + max_eval;

  std::vector<std::string> errs;
  auto next_alert = alert_tests.begin();
  for (int64_t ts = mint; ts <= maxt; ts += eval_interval_ms_) {
    std::vector<std::string> eval_errs;
    if (Status st = AppendTill(ts); !st.ok()) {
      errs.emplace_back(st.message());
    } else {
      for (const auto& g : groups_) {
        g->Eval(ts);
        for (const auto& r : g->rules()) {
          if (r->health() == Health::kErr) {
            eval_errs.push_back("    rule: " + r->Name() + ", time: " + GoDurationString(ts) +
                                ", err: " + r->last_error());
          }
        }
      }
    }
    // Stop at evaluation errors, keeping the failures found so far.
    if (!eval_errs.empty()) {
      errs.insert(errs.end(), eval_errs.begin(), eval_errs.end());
      return errs;
    }
    // Alert tests with ts <= eval_time < ts + interval use this evaluation.
    while (next_alert != alert_tests.end() && ts - mint <= next_alert->first &&
           next_alert->first < ts + eval_interval_ms_ - mint) {
      CheckAlerts(next_alert->first, next_alert->second, &errs);
      ++next_alert;
    }
    if (eval_interval_ms_ <= 0) break;
  }
  CheckPromql(&errs);
  if (opts_.debug) DebugDump();
  return errs;
}

bool MatchesRun(const std::string& name, const RE2* run) {
  return run == nullptr || RE2::PartialMatch(name, *run);
}

std::string ReadFileError(const std::string& path, int e) {
  // Go words errno texts in lower case ("no such file or directory").
  std::string msg = std::strerror(e);
  if (!msg.empty()) msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
  return "open " + path + ": " + msg;
}

void XmlEscape(std::string* out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&':
        out->append("&amp;");
        break;
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        out->append("&#34;");
        break;
      case '\'':
        out->append("&#39;");
        break;
      case '\n':
        out->append("&#xA;");
        break;
      case '\t':
        out->append("&#x9;");
        break;
      case '\r':
        out->append("&#xD;");
        break;
      default:
        out->push_back(c);
    }
  }
}

}  // namespace

FileResult RunTestFile(const std::string& path, const Options& opts, std::ostream& out,
                       std::ostream& err) {
  out << "Unit Testing:  " << path << "\n";
  out.flush();
  FileResult fr;
  fr.file = path;
  auto abort = [&](std::string msg) {
    fr.abort_error = msg;
    fr.errors.push_back(std::move(msg));
    return fr;
  };

  std::ifstream in(path, std::ios::binary);
  if (!in) return abort(ReadFileError(path, errno));
  std::stringstream ss;
  ss << in.rdbuf();
  auto tf = ParseTestFile(ss.str(), opts.ignore_unknown_fields);
  if (!tf.ok()) return abort(std::string(tf.status().message()));

  std::string dir = ".";
  if (size_t slash = path.rfind('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
  }
  auto files = ResolveRuleFiles(tf->rule_files, dir, err);
  err.flush();
  if (!files.ok()) return abort(std::string(files.status().message()));

  const int64_t eval_interval =
      tf->evaluation_interval_ms == 0 ? kDefaultEvalIntervalMs : tf->evaluation_interval_ms;
  {
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &local);
    fr.timestamp = buf;
  }
  std::map<std::string, int> group_order;
  for (size_t i = 0; i < tf->group_eval_order.size(); ++i) {
    const std::string& gn = tf->group_eval_order[i];
    if (group_order.count(gn)) return abort("group name repeated in evaluation order: " + gn);
    group_order[gn] = static_cast<int>(i);
  }

  std::unique_ptr<RE2> run;
  if (!opts.run.empty()) {
    std::string joined;
    for (size_t i = 0; i < opts.run.size(); ++i) {
      if (i > 0) joined += "|";
      joined += opts.run[i];
    }
    run = std::make_unique<RE2>(joined, RE2::Quiet);
    if (!run->ok()) return abort("invalid --run pattern: " + run->error());
  }

  for (size_t i = 0; i < tf->tests.size(); ++i) {
    TestGroup& tg = tf->tests[i];
    if (!MatchesRun(tg.name, run.get())) continue;
    std::string name = tg.name.empty() ? "unnamed#" + std::to_string(i) : tg.name;
    if (tg.interval_ms == 0) tg.interval_ms = eval_interval;
    GroupRun gr(tg, name, eval_interval, group_order, opts, tf->fuzzy_compare, *files, out);
    CaseResult cr;
    cr.name = name;
    cr.failures = gr.Run();
    fr.errors.insert(fr.errors.end(), cr.failures.begin(), cr.failures.end());
    fr.cases.push_back(std::move(cr));
  }
  return fr;
}

int RulesUnitTest(const std::vector<std::string>& files, const Options& opts, std::ostream& out,
                  std::ostream& err, std::vector<FileResult>* results) {
  bool failed = false;
  for (const std::string& f : files) {
    FileResult fr = RunTestFile(f, opts, out, err);
    if (!fr.ok()) {
      err << "  FAILED:\n";
      for (const std::string& e : fr.errors) {
        err << e << "\n";
        err.flush();
        out << "\n";
        out.flush();
      }
      failed = true;
    } else {
      out << "  SUCCESS\n";
    }
    out << "\n";
    out.flush();
    if (results != nullptr) results->push_back(std::move(fr));
  }
  return failed ? 1 : 0;
}

std::string JUnitXML(const std::vector<FileResult>& results) {
  std::string x = "<testsuites>";
  for (const FileResult& fr : results) {
    std::vector<CaseResult> cases = fr.cases;
    if (!fr.abort_error.empty() && cases.empty()) cases.push_back({"unknown", {}});
    size_t failures = 0;
    for (const CaseResult& c : cases) failures += c.failures.size();
    x += "<testsuite name=\"";
    XmlEscape(&x, fr.file);
    x += "\" tests=\"" + std::to_string(cases.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"" + (fr.abort_error.empty() ? "0" : "1") +
         "\" skipped=\"0\" timestamp=\"";
    XmlEscape(&x, fr.timestamp);
    x += "\">";
    for (size_t i = 0; i < cases.size(); ++i) {
      const CaseResult& c = cases[i];
      x += "<testcase name=\"";
      XmlEscape(&x, c.name);
      x += "\">";
      for (const std::string& f : c.failures) {
        x += "<failure>";
        XmlEscape(&x, f);
        x += "</failure>";
      }
      if (!fr.abort_error.empty() && i + 1 == cases.size()) {
        x += "<error>";
        XmlEscape(&x, fr.abort_error);
        x += "</error>";
      }
      x += "</testcase>";
    }
    x += "</testsuite>";
  }
  x += "</testsuites>";
  return x;
}

}  // namespace ward::rules::unittest
