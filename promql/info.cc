// info(v [, {data-label-selector}]): enriches each series of v with the data
// labels of the info series (target_info by default) that share its
// identifying labels (instance, job), as Prometheus's experimental info().
#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "promql/evaluator.h"

namespace ward::promql {

using parser::Expr;
using parser::ValueType;

namespace {

constexpr const char* kIdentifying[] = {"instance", "job"};

bool AllMatch(const std::vector<const labels::Matcher*>& ms, std::string_view v) {
  for (const labels::Matcher* m : ms)
    if (!m->Matches(v)) return false;
  return true;
}

// instance \xff job: the identifying part of a signature.
std::string IdKey(const labels::Labels& l) {
  std::string k(l.Get(kIdentifying[0]));
  k.push_back('\xff');
  k.append(l.Get(kIdentifying[1]));
  return k;
}

// The time the base series of an info() call are read at, relative to the
// step: found along the path to the first vector selector (in evaluation
// order). An `@` pins it (and restarts the offsets below it); offsets on the
// way shift it. Returns false when the expression has no selector.
}  // namespace

bool Evaluator::InfoRefPath(const Expr& e, std::optional<int64_t>* pinned, int64_t* offset) {
  auto visit = [&](const std::optional<int64_t>& at, int64_t off) {
    if (at) {
      *pinned = at;
      *offset = off;
    } else {
      *offset += off;
    }
  };
  if (auto* vs = e.As<parser::VectorSelector>()) {
    visit(At(*vs), Offset(*vs));
    return true;
  }
  if (auto* ms = e.As<parser::MatrixSelector>())
    return InfoRefPath(*ms->vector_selector, pinned, offset);
  if (auto* sq = e.As<parser::SubqueryExpr>()) {
    std::optional<int64_t> at = sq->timestamp_ms;
    if (sq->start_or_end == parser::StartOrEnd::kStart) at = ctx_->query_start;
    if (sq->start_or_end == parser::StartOrEnd::kEnd) at = ctx_->query_end;
    std::optional<int64_t> saved_pin = *pinned;
    int64_t saved_off = *offset;
    visit(at, Duration(sq->offset_ms, sq->offset_expr, true));
    if (InfoRefPath(*sq->expr, pinned, offset)) return true;
    *pinned = saved_pin;
    *offset = saved_off;
    return false;
  }
  if (auto* p = e.As<parser::ParenExpr>()) return InfoRefPath(*p->expr, pinned, offset);
  if (auto* st = e.As<parser::StepInvariantExpr>()) return InfoRefPath(*st->expr, pinned, offset);
  if (auto* u = e.As<parser::UnaryExpr>()) return InfoRefPath(*u->expr, pinned, offset);
  if (auto* c = e.As<parser::Call>()) {
    for (const parser::ExprPtr& a : c->args)
      if (InfoRefPath(*a, pinned, offset)) return true;
    return false;
  }
  if (auto* a = e.As<parser::AggregateExpr>()) {
    if (a->param && InfoRefPath(*a->param, pinned, offset)) return true;
    return InfoRefPath(*a->expr, pinned, offset);
  }
  if (auto* b = e.As<parser::BinaryExpr>()) {
    if (InfoRefPath(*b->lhs, pinned, offset)) return true;
    return InfoRefPath(*b->rhs, pinned, offset);
  }
  return false;
}

namespace {}  // namespace

EvalValue Evaluator::EvalInfo(const Expr& e, const parser::Call& c) {
  EvalValue base = Eval(*c.args[0]);
  const std::string kName(labels::kMetricName);

  // Data-label matchers by label name; __name__ matchers pick info metrics.
  std::map<std::string, std::vector<const labels::Matcher*>> data_matchers;
  std::vector<const labels::Matcher*> name_matchers;
  static const Result<labels::Matcher> kTargetInfo =
      labels::Matcher::Make(labels::MatchType::kEqual, labels::kMetricName, "target_info");
  const parser::VectorSelector* selector = nullptr;
  if (c.args.size() > 1) {
    selector = c.args[1]->As<parser::VectorSelector>();
    if (selector == nullptr) ThrowExec("info(): the second argument must be a label selector");
    for (const labels::Matcher& m : selector->matchers) {
      data_matchers[m.name()].push_back(&m);
      if (m.name() == kName) name_matchers.push_back(&m);
    }
  } else {
    name_matchers.push_back(&kTargetInfo.value());
  }

  // With only negative __name__ matchers, info metrics are still only the
  // ones named *_info.
  static const Result<labels::Matcher> kAnyInfo =
      labels::Matcher::Make(labels::MatchType::kRegexMatch, labels::kMetricName, ".+_info");
  const bool only_negative =
      !name_matchers.empty() &&
      std::none_of(name_matchers.begin(), name_matchers.end(), [](const labels::Matcher* m) {
        return m->type() == labels::MatchType::kEqual ||
               m->type() == labels::MatchType::kRegexMatch;
      });
  if (only_negative) name_matchers.push_back(&kAnyInfo.value());

  // Info series themselves are passed through unchanged.
  std::vector<bool> ignore(base.mat.size(), false);
  for (size_t i = 0; i < base.mat.size(); i++) {
    if (!name_matchers.empty() && AllMatch(name_matchers, base.mat[i].metric.MetricName())) {
      ignore[i] = true;
    }
  }

  // Identifying label values of the series to enrich.
  std::map<std::string, std::vector<std::string>> id_values;
  for (size_t i = 0; i < base.mat.size(); i++) {
    if (ignore[i]) continue;
    for (const char* l : kIdentifying) {
      std::string_view v = base.mat[i].metric.Get(l);
      if (v.empty()) continue;
      auto& vs = id_values[l];
      if (std::find(vs.begin(), vs.end(), v) == vs.end()) vs.emplace_back(v);
    }
  }
  auto drop_name_matchers = [&] { data_matchers.erase(kName); };

  Matrix info;
  if (id_values.empty()) {
    drop_name_matchers();
  } else {
    std::vector<labels::Matcher> ms;
    for (const auto& [name, vals] : id_values) {
      std::string re;
      for (size_t i = 0; i < vals.size(); i++) {
        if (i > 0) re.push_back('|');
        re += re2::RE2::QuoteMeta(vals[i]);
      }
      Result<labels::Matcher> m = labels::Matcher::Make(labels::MatchType::kRegexMatch, name, re);
      if (!m.ok()) throw EvalError{Status::Execution(m.status().ToString())};
      ms.push_back(std::move(m).value());
    }
    bool has_name = false;
    for (const auto& [name, list] : data_matchers) {
      for (const labels::Matcher* m : list) {
        if (name == kName) has_name = true;
        ms.push_back(*m);
      }
    }
    drop_name_matchers();
    if (!has_name) ms.push_back(kTargetInfo.value());

    // Info series are read at the base series' reference time: each step
    // shifted by the offsets (or pinned by an @) on the path to the first
    // selector, with the usual lookback.
    std::optional<int64_t> pinned;
    int64_t offset = 0;
    InfoRefPath(*c.args[0], &pinned, &offset);
    auto ref_of = [&](int64_t ts) { return (pinned ? *pinned : ts) - offset; };
    const int64_t lo = ref_of(start_) - ctx_->lookback + 1, hi = ref_of(end_);
    if (only_negative) ms.push_back(kAnyInfo.value());
    parser::VectorSelector probe;
    probe.matchers = std::move(ms);
    Matrix loaded = Load(probe, lo, hi, /*keep_stale=*/true);
    for (Series& s : loaded) {
      Series out;
      size_t j = 0;
      for (int64_t ts = start_; ts <= end_; ts += interval_) {
        const int64_t ref = ref_of(ts);
        if (pinned) j = 0;
        while (j < s.floats.size() && s.floats[j].t <= ref) j++;
        if (j == 0) continue;
        const FPoint& p = s.floats[j - 1];
        if (p.t <= ref - ctx_->lookback || storage::IsStaleNaN(p.f)) continue;
        out.floats.push_back({ts, static_cast<double>(p.t)});
      }
      if (out.floats.empty()) continue;
      out.metric = std::move(s.metric);
      info.push_back(std::move(out));
    }
  }

  bool need_match = false;  // some data matcher rejects the empty value
  for (const auto& [name, list] : data_matchers)
    for (const labels::Matcher* m : list)
      if (!m->Matches("")) need_match = true;

  // Signatures: info metric name + identifying labels.
  std::vector<std::string> info_names;
  std::vector<std::string> info_sig(info.size());
  for (size_t i = 0; i < info.size(); i++) {
    std::string n(info[i].metric.MetricName());
    if (std::find(info_names.begin(), info_names.end(), n) == info_names.end()) {
      info_names.push_back(n);
    }
    info_sig[i] = n + '\xfe' + IdKey(info[i].metric);
  }
  std::vector<std::string> base_id(base.mat.size());
  for (size_t i = 0; i < base.mat.size(); i++) base_id[i] = IdKey(base.mat[i].metric);

  LabelArena arena;
  absl::flat_hash_map<std::string, const labels::Labels*> out_labels;
  absl::flat_hash_map<std::string, const StepSample*> by_sig;
  std::vector<const Matrix*> args{&base.mat, &info};
  EvalValue r;
  r.type = ValueType::kVector;
  r.mat = RangeEval(args, [&](int, int64_t ts, std::span<StepVector> in, StepVector* out) {
    if (in[0].empty()) return;
    by_sig.clear();
    for (const StepSample& s : in[1]) {
      const std::string& sig = info_sig[s.src];
      auto [it, inserted] = by_sig.emplace(sig, &s);
      if (inserted) continue;
      const int64_t old_t = static_cast<int64_t>(it->second->f);
      const int64_t new_t = static_cast<int64_t>(s.f);
      if (old_t < new_t) {
        it->second = &s;
      } else if (old_t == new_t) {
        ThrowExec("found duplicate series for info metric: existing " +
                  it->second->metric->ToString() + " @ " + std::to_string(old_t) + ", new " +
                  s.metric->ToString() + " @ " + std::to_string(new_t));
      }
    }
    for (const StepSample& bs : in[0]) {
      if (ignore[bs.src]) {
        out->push_back(bs);
        continue;
      }
      // Which info series enrich this sample at this step.
      std::string key = std::to_string(bs.src);
      std::vector<const StepSample*> matched;
      for (const std::string& n : info_names) {
        auto it = by_sig.find(n + '\xfe' + base_id[bs.src]);
        if (it == by_sig.end()) continue;
        matched.push_back(it->second);
        key += ',' + std::to_string(it->second->src);
      }
      if (matched.empty() && need_match) continue;
      auto oit = out_labels.find(key);
      if (oit == out_labels.end()) {
        labels::Builder add;
        std::vector<labels::Label> added;
        for (const StepSample* is : matched) {
          for (const labels::Label& l : *is->metric) {
            if (l.name == kName) continue;
            if (!data_matchers.empty() && !data_matchers.contains(l.name)) continue;
            std::string_view have = add.Get(l.name);
            if (!have.empty() && have != l.value) ThrowExec("conflicting label: " + l.name);
            if (bs.metric->Has(l.name)) continue;
            add.Set(l.name, l.value);
          }
        }
        labels::Builder b(*bs.metric);
        for (const labels::Label& l : add.Build()) b.Set(l.name, l.value);
        oit = out_labels.emplace(key, arena.Add(b.Build())).first;
      }
      StepSample o = bs;
      o.metric = oit->second;
      out->push_back(o);
    }
  });
  return r;
}

}  // namespace ward::promql
