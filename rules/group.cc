#include "rules/group.h"

#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "absl/container/flat_hash_map.h"

namespace ward::rules {

std::string GroupKey(std::string_view file, std::string_view name) {
  std::string k;
  k.reserve(file.size() + name.size() + 1);
  k.append(file).push_back(';');
  k.append(name);
  return k;
}

// ---- metrics ----

struct GroupMetrics {
  explicit GroupMetrics(metrics::Registry& r)
      : eval_duration(r.NewHistogram("prometheus_rule_evaluation_duration_seconds",
                                     "The duration for a rule to execute.", {})),
        group_duration(r.NewHistogram("prometheus_rule_group_duration_seconds",
                                      "The duration of rule group evaluations.", {})),
        iterations_missed(r.NewCounterFamily(
            "prometheus_rule_group_iterations_missed_total",
            "The total number of rule group evaluations missed due to slow rule group evaluation.",
            {"rule_group"})),
        iterations_total(r.NewCounterFamily(
            "prometheus_rule_group_iterations_total",
            "The total number of scheduled rule group evaluations, whether executed or missed.",
            {"rule_group"})),
        evals_total(r.NewCounterFamily("prometheus_rule_evaluations_total",
                                       "The total number of rule evaluations.", {"rule_group"})),
        eval_failures(r.NewCounterFamily("prometheus_rule_evaluation_failures_total",
                                         "The total number of rule evaluation failures.",
                                         {"rule_group"})),
        group_interval(r.NewGaugeFamily("prometheus_rule_group_interval_seconds",
                                        "The interval of a rule group.", {"rule_group"})),
        last_eval_time(r.NewGaugeFamily(
            "prometheus_rule_group_last_evaluation_timestamp_seconds",
            "The timestamp of the last rule group evaluation in seconds.", {"rule_group"})),
        last_duration(r.NewGaugeFamily("prometheus_rule_group_last_duration_seconds",
                                       "The duration of the last rule group evaluation.",
                                       {"rule_group"})),
        group_rules(r.NewGaugeFamily("prometheus_rule_group_rules", "The number of rules.",
                                     {"rule_group"})),
        group_samples(r.NewGaugeFamily(
            "prometheus_rule_group_last_evaluation_samples",
            "The number of samples returned during the last rule group evaluation.",
            {"rule_group"})),
        rule_duration_sum(r.NewGaugeFamily(
            "prometheus_rule_group_last_rule_duration_sum_seconds",
            "The sum of time in seconds it took to evaluate each rule in the group regardless "
            "of concurrency.",
            {"rule_group"})) {}

  // Looks up this group's children once (hot paths use the pointers).
  void Bind(const std::vector<std::string>& k) {
    c_iterations_missed = &iterations_missed.WithLabelValues(k);
    c_iterations_total = &iterations_total.WithLabelValues(k);
    c_evals_total = &evals_total.WithLabelValues(k);
    c_eval_failures = &eval_failures.WithLabelValues(k);
    c_group_interval = &group_interval.WithLabelValues(k);
    c_last_eval_time = &last_eval_time.WithLabelValues(k);
    c_last_duration = &last_duration.WithLabelValues(k);
    c_group_rules = &group_rules.WithLabelValues(k);
    c_group_samples = &group_samples.WithLabelValues(k);
    c_rule_duration_sum = &rule_duration_sum.WithLabelValues(k);
  }

  // REQUIRES: the group no longer evaluates (the children die here).
  void Remove(const std::string& key) {
    const std::vector<std::string> v{key};
    iterations_missed.Remove(v);
    iterations_total.Remove(v);
    evals_total.Remove(v);
    eval_failures.Remove(v);
    group_interval.Remove(v);
    last_eval_time.Remove(v);
    last_duration.Remove(v);
    group_rules.Remove(v);
    group_samples.Remove(v);
    rule_duration_sum.Remove(v);
  }

  metrics::Histogram& eval_duration;
  metrics::Histogram& group_duration;
  metrics::Family<metrics::Counter>& iterations_missed;
  metrics::Family<metrics::Counter>& iterations_total;
  metrics::Family<metrics::Counter>& evals_total;
  metrics::Family<metrics::Counter>& eval_failures;
  metrics::Family<metrics::Gauge>& group_interval;
  metrics::Family<metrics::Gauge>& last_eval_time;
  metrics::Family<metrics::Gauge>& last_duration;
  metrics::Family<metrics::Gauge>& group_rules;
  metrics::Family<metrics::Gauge>& group_samples;
  metrics::Family<metrics::Gauge>& rule_duration_sum;

  metrics::Counter* c_iterations_missed = nullptr;
  metrics::Counter* c_iterations_total = nullptr;
  metrics::Counter* c_evals_total = nullptr;
  metrics::Counter* c_eval_failures = nullptr;
  metrics::Gauge* c_group_interval = nullptr;
  metrics::Gauge* c_last_eval_time = nullptr;
  metrics::Gauge* c_last_duration = nullptr;
  metrics::Gauge* c_group_rules = nullptr;
  metrics::Gauge* c_group_samples = nullptr;
  metrics::Gauge* c_rule_duration_sum = nullptr;
};

namespace {

// Registering an existing family returns it, so each group looks its
// families up once.
std::unique_ptr<GroupMetrics> NewMetrics(metrics::Registry* r) {
  return std::make_unique<GroupMetrics>(r != nullptr ? *r : metrics::DefaultRegistry());
}

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Prometheus's labels.Labels.Hash() of {file=<file>, name=<name>}: xxHash64
// over name 0xff value 0xff for each label in order.
uint64_t PromLabelsHash(std::string_view file, std::string_view name) {
  std::string b;
  b.reserve(file.size() + name.size() + 12);
  b.append("file").push_back('\xff');
  b.append(file).push_back('\xff');
  b.append("name").push_back('\xff');
  b.append(name).push_back('\xff');
  return XXH64(b.data(), b.size(), 0);
}

bool IsExpectedStaleRejection(const Status& s) {
  if (!s.IsRejected()) return false;
  switch (s.subcode()) {
    case StatusSubcode::kOutOfOrder:
    case StatusSubcode::kTooOldSample:
    case StatusSubcode::kDuplicate:
      return true;
    default:
      return false;
  }
}

labels::Labels FromMap(const std::map<std::string, std::string>& m) {
  std::vector<labels::Label> v;
  v.reserve(m.size());
  for (const auto& [k, val] : m) v.push_back({k, val});
  return labels::Labels(std::move(v));
}

}  // namespace

// ---- construction ----

Result<std::shared_ptr<Group>> Group::Make(const rulefmt::RuleGroup& g, std::string file,
                                           std::shared_ptr<const Options> opts,
                                           bool should_restore) {
  if (opts == nullptr) return Status::Internal("rules::Group::Make without options");
  promql::parser::ParseOptions popts =
      opts->engine != nullptr ? opts->engine->ParseOpts() : promql::parser::ParseOptions::All();
  std::vector<std::shared_ptr<Rule>> rules;
  rules.reserve(g.rules.size());
  for (const rulefmt::Rule& r : g.rules) {
    auto expr = promql::parser::ParseExpr(r.expr, popts);
    if (!expr.ok()) {
      return Status::InvalidArgument(file + ": " + std::string(expr.status().message()));
    }
    // Group labels first, the rule's own labels override them.
    std::map<std::string, std::string> lm = g.labels;
    for (const auto& [k, v] : r.labels) lm[k] = v;
    if (r.IsAlert()) {
      rules.push_back(std::make_shared<AlertingRule>(
          r.alert, std::move(*expr), r.for_ms, r.keep_firing_for_ms, FromMap(lm),
          FromMap(r.annotations), opts, /*restored=*/!should_restore));
    } else {
      rules.push_back(
          std::make_shared<RecordingRule>(r.record, std::move(*expr), FromMap(lm), opts));
    }
  }
  int64_t interval = g.interval_ms > 0 ? g.interval_ms : opts->default_interval_ms;
  if (interval <= 0) interval = 60000;
  return std::shared_ptr<Group>(new Group(g.name, std::move(file), interval, g.limit,
                                          g.query_offset_ms, FromMap(g.labels), std::move(rules),
                                          std::move(opts), should_restore));
}

Group::Group(std::string name, std::string file, int64_t interval_ms, int64_t limit,
             std::optional<int64_t> query_offset_ms, labels::Labels group_labels,
             std::vector<std::shared_ptr<Rule>> rules, std::shared_ptr<const Options> opts,
             bool should_restore)
    : name_(std::move(name)),
      file_(std::move(file)),
      interval_ms_(interval_ms),
      limit_(limit),
      query_offset_ms_(query_offset_ms),
      group_labels_(std::move(group_labels)),
      rules_(std::move(rules)),
      opts_(std::move(opts)),
      logger_(log::Logger("rule manager").With({{"file", file_}, {"group", name_}})),
      key_(GroupKey(file_, name_)),
      metrics_(NewMetrics(opts_->registry)),
      should_restore_(should_restore),
      series_in_previous_eval_(rules_.size()) {
  const std::vector<std::string> k{key_};
  metrics_->Bind(k);
  metrics_->c_group_rules->Set(static_cast<double>(rules_.size()));
  metrics_->c_group_interval->Set(static_cast<double>(interval_ms_) / 1000.0);
}

Group::~Group() {
  Abandon();
  Join();
}

// ---- accessors ----

std::vector<std::shared_ptr<AlertingRule>> Group::AlertingRules() const {
  std::vector<std::shared_ptr<AlertingRule>> out;
  std::vector<std::pair<AlertState, std::shared_ptr<AlertingRule>>> v;
  for (const auto& r : rules_) {
    if (!r->IsAlerting()) continue;
    auto ar = std::static_pointer_cast<AlertingRule>(r);
    v.emplace_back(ar->State(), std::move(ar));
  }
  // As Prometheus: highest state first, then by name.
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return a.second->Name() < b.second->Name();
  });
  for (auto& [st, ar] : v) out.push_back(std::move(ar));
  return out;
}

int64_t Group::last_evaluation_ms() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_evaluation_ms_;
}

double Group::evaluation_seconds() const {
  std::lock_guard<std::mutex> l(mu_);
  return evaluation_seconds_;
}

int64_t Group::last_eval_timestamp_ms() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_eval_timestamp_ms_;
}

int64_t Group::EvalTimestamp(int64_t start_ms) const {
  // Prometheus works in nanoseconds: offset = hash % interval_ns.
  const int64_t interval_ns = interval_ms_ * 1000000;
  const int64_t offset_ns =
      static_cast<int64_t>(PromLabelsHash(file_, name_) % static_cast<uint64_t>(interval_ns));
  const int64_t adj = start_ms * 1000000 - offset_ns;
  int64_t rem = adj % interval_ns;
  if (rem < 0) rem += interval_ns;  // Go's % truncates too; times here are positive
  const int64_t next_ns = adj - rem + offset_ns;
  // timestamp.FromTime: whole ms, rounded down.
  return next_ns >= 0 ? next_ns / 1000000 : -((-next_ns + 999999) / 1000000);
}

int64_t Group::EvalOffsetMs() const {
  const int64_t interval_ns = interval_ms_ * 1000000;
  return static_cast<int64_t>(PromLabelsHash(file_, name_) % static_cast<uint64_t>(interval_ns)) /
         1000000;
}

int64_t Group::query_offset_ms() const {
  if (query_offset_ms_.has_value()) return *query_offset_ms_;
  if (opts_->default_query_offset_fn) return opts_->default_query_offset_fn();
  return opts_->default_query_offset_ms;
}

bool Group::Equals(const Group& o) const {
  if (name_ != o.name_ || file_ != o.file_ || interval_ms_ != o.interval_ms_ ||
      limit_ != o.limit_ || query_offset_ms_ != o.query_offset_ms_ ||
      group_labels_ != o.group_labels_ || rules_.size() != o.rules_.size()) {
    return false;
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i]->Definition() != o.rules_[i]->Definition()) return false;
  }
  return true;
}

// ---- evaluation ----

void Group::Eval(int64_t ts_ms) {
  const int64_t wall_start = opts_->Now();
  const double start = SteadySeconds();
  double samples_total = 0;
  double rule_seconds_sum = 0;
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (stop_flag_.load(std::memory_order_relaxed)) return;
    rule_seconds_sum += EvalRule(i, ts_ms, &samples_total);
  }
  metrics_->c_group_samples->Set(samples_total);
  CleanupStaleSeries(ts_ms);

  const double took = SteadySeconds() - start;
  metrics_->group_duration.Observe(took);
  metrics_->c_last_duration->Set(took);
  metrics_->c_last_eval_time->Set(static_cast<double>(wall_start) / 1000.0);
  metrics_->c_rule_duration_sum->Set(rule_seconds_sum);
  std::lock_guard<std::mutex> l(mu_);
  last_evaluation_ms_ = wall_start;
  evaluation_seconds_ = took;
  last_eval_timestamp_ms_ = ts_ms;
}

double Group::EvalRule(size_t i, int64_t ts_ms, double* samples_total) {
  Rule& rule = *rules_[i];
  const int64_t query_offset = query_offset_ms();
  const int64_t wall_start = opts_->Now();
  const double start = SteadySeconds();
  auto finish = [&]() {
    const double took = SteadySeconds() - start;
    metrics_->eval_duration.Observe(took);
    rule.SetEvaluation(wall_start, took);
    return took;
  };
  metrics_->c_evals_total->Inc();

  auto res = rule.Eval(ts_ms, query_offset, limit_);
  if (!res.ok()) {
    rule.SetHealth(Health::kErr, std::string(res.status().message()));
    metrics_->c_eval_failures->Inc();
    // Canceled queries happen on shutdown: not worth a warning.
    if (res.status().code() != StatusCode::kCanceled) {
      logger_.Warn(
          "Evaluating rule failed",
          {{"rule", rule.Name()}, {"index", static_cast<int64_t>(i)}, {"err", res.status()}});
    }
    return finish();
  }
  rule.SetHealth(Health::kOk, "");
  promql::Vector& vec = *res;
  *samples_total += static_cast<double>(vec.size());

  if (rule.IsAlerting()) {
    static_cast<AlertingRule&>(rule).SendAlerts(ts_ms, opts_->resend_delay_ms, interval_ms_);
  }
  if (opts_->appendable == nullptr) return finish();

  auto app = opts_->appendable->NewAppender();
  LabelsSet returned;
  returned.reserve(std::max(vec.size(), series_in_previous_eval_[i].size()));
  int num_out_of_order = 0, num_too_old = 0, num_duplicates = 0;
  for (promql::Sample& s : vec) {
    auto r = app->Append(0, s.metric, s.t, s.f);
    if (!r.ok()) {
      const Status& st = r.status();
      rule.SetHealth(Health::kErr, std::string(st.message()));
      const StatusSubcode sub = st.IsRejected() ? st.subcode() : StatusSubcode::kNone;
      if (sub == StatusSubcode::kOutOfOrder) {
        ++num_out_of_order;
      } else if (sub == StatusSubcode::kTooOldSample) {
        ++num_too_old;
      } else if (sub == StatusSubcode::kDuplicate) {
        ++num_duplicates;
      } else {
        logger_.Warn("Rule evaluation result discarded",
                     {{"rule", rule.Name()}, {"err", st}, {"sample", s.metric.ToString()}});
      }
      continue;
    }
    returned.insert(std::move(s.metric));
  }
  if (num_out_of_order > 0) {
    logger_.Warn("Error on ingesting out-of-order result from rule evaluation",
                 {{"rule", rule.Name()}, {"num_dropped", num_out_of_order}});
  }
  if (num_too_old > 0) {
    logger_.Warn("Error on ingesting too old result from rule evaluation",
                 {{"rule", rule.Name()}, {"num_dropped", num_too_old}});
  }
  if (num_duplicates > 0) {
    logger_.Warn(
        "Error on ingesting results from rule evaluation with different value but same timestamp",
        {{"rule", rule.Name()}, {"num_dropped", num_duplicates}});
  }

  // Series of the previous evaluation that are gone get a stale marker.
  const int64_t stale_ts = ts_ms - query_offset;
  for (const labels::Labels& lset : series_in_previous_eval_[i]) {
    if (returned.contains(lset)) continue;
    auto r = app->Append(0, lset, stale_ts, storage::StaleNaN());
    if (!r.ok() && !IsExpectedStaleRejection(r.status())) {
      logger_.Warn("Adding stale sample failed",
                   {{"rule", rule.Name()}, {"sample", lset.ToString()}, {"err", r.status()}});
    }
  }
  Status st = app->Commit();
  if (!st.ok()) {
    rule.SetHealth(Health::kErr, std::string(st.message()));
    metrics_->c_eval_failures->Inc();
    logger_.Warn("Rule sample appending failed", {{"rule", rule.Name()}, {"err", st}});
    return finish();
  }
  series_in_previous_eval_[i] = std::move(returned);
  return finish();
}

void Group::CleanupStaleSeries(int64_t ts_ms) {
  if (stale_series_.empty() || opts_->appendable == nullptr) return;
  auto app = opts_->appendable->NewAppender();
  const int64_t t = ts_ms - query_offset_ms();
  for (const labels::Labels& s : stale_series_) {
    auto r = app->Append(0, s, t, storage::StaleNaN());
    if (!r.ok() && !IsExpectedStaleRejection(r.status())) {
      logger_.Warn("Adding stale sample for previous configuration failed",
                   {{"sample", s.ToString()}, {"err", r.status()}});
    }
  }
  Status st = app->Commit();
  if (!st.ok()) {
    logger_.Warn("Stale sample appending for previous configuration failed", {{"err", st}});
    return;
  }
  stale_series_.clear();
}

void Group::MarkAllStale(int64_t ts_ms) {
  for (auto& set : series_in_previous_eval_) {
    for (const auto& l : set) stale_series_.push_back(l);
    set.clear();
  }
  CleanupStaleSeries(ts_ms + query_offset_ms());
}

// ---- restore ----

void Group::RestoreForState(int64_t now_ms) {
  const int64_t maxt = now_ms;
  const int64_t mint = now_ms - opts_->outage_tolerance_ms;
  std::unique_ptr<storage::Querier> q;
  if (opts_->queryable != nullptr) {
    auto qr = opts_->queryable->NewQuerier(mint, maxt);
    if (!qr.ok()) {
      logger_.Error("Failed to get Querier", {{"err", qr.status()}});
      return;
    }
    q = std::move(*qr);
  }
  for (const auto& rule : rules_) {
    if (!rule->IsAlerting()) continue;
    auto& ar = static_cast<AlertingRule&>(*rule);
    const int64_t hold = ar.Duration();
    if (hold < opts_->for_grace_period_ms || q == nullptr) {
      // A `for` shorter than the grace period would only get longer by
      // restoring: let the alerts wait their normal hold duration.
      ar.SetRestored(true);
      continue;
    }
    // Newest sample (t, v) of each ALERTS_FOR_STATE series by its labels
    // without __name__.
    struct Last {
      int64_t t;
      double v;
    };
    absl::flat_hash_map<std::string, Last> by_labels;
    auto set = q->Select(false, nullptr, ar.ForStateMatchers());
    while (set->Next()) {
      const storage::Series& s = set->At();
      auto it = s.Iterator();
      bool found = false;
      Last last{0, 0};
      while (it->Next() == storage::ValueType::kFloat) {
        int64_t t;
        double v;
        it->At(&t, &v);
        if (t < mint || t > maxt) continue;
        last = {t, v};
        found = true;
      }
      if (!it->Err().ok()) {
        logger_.Error("Failed to restore 'for' state",
                      {{"alertname", ar.Name()}, {"stage", "Iterator"}, {"err", it->Err()}});
        continue;
      }
      if (!found) continue;
      labels::Builder b(s.Labels());
      b.Del(labels::kMetricName);
      by_labels[b.Build().ToString()] = last;
    }
    if (!set->Err().ok()) {
      logger_.Error("Failed to restore 'for' state",
                    {{"alertname", ar.Name()}, {"stage", "Select"}, {"err", set->Err()}});
      ar.SetRestored(true);
      continue;
    }
    if (by_labels.empty()) {
      ar.SetRestored(true);
      continue;
    }
    ar.ForEachAlert([&](ActiveAlert& a) {
      auto it = by_labels.find(a.labels.ToString());
      if (it == by_labels.end()) return;
      const Last& last = it->second;
      if (storage::IsStaleNaN(last.v)) return;  // the alert was not active
      // Prometheus works in whole seconds here.
      const int64_t down_at = (last.t / 1000) * 1000;
      int64_t restored_active_at = static_cast<int64_t>(last.v) * 1000;
      const int64_t spent_pending = down_at - restored_active_at;
      const int64_t remaining = hold - spent_pending;
      if (remaining <= 0) {
        // It was firing when we went down; the next Eval fires it again.
      } else if (remaining < opts_->for_grace_period_ms) {
        // Fire no earlier than the grace period from now.
        restored_active_at = now_ms + opts_->for_grace_period_ms - hold;
      } else {
        // Shift by the downtime, so the time pending before the outage counts.
        restored_active_at += now_ms - down_at;
      }
      a.active_at_ms = restored_active_at;
      logger_.Debug("'for' state restored", {{"alertname", ar.Name()},
                                             {"restored_time", restored_active_at},
                                             {"labels", a.labels.ToString()}});
    });
    ar.SetRestored(true);
  }
}

// ---- reload ----

void Group::CopyState(const Group& from) {
  {
    std::lock_guard<std::mutex> l(from.mu_);
    const int64_t le = from.last_evaluation_ms_;
    const double es = from.evaluation_seconds_;
    const int64_t lt = from.last_eval_timestamp_ms_;
    std::lock_guard<std::mutex> l2(mu_);
    last_evaluation_ms_ = le;
    evaluation_seconds_ = es;
    last_eval_timestamp_ms_ = lt;
  }
  // Rules match by name and labels; duplicates pair up in order.
  auto key_of = [](const Rule& r) { return r.Name() + r.Labels().ToString(); };
  std::map<std::string, std::vector<size_t>> by_key;
  for (size_t fi = 0; fi < from.rules_.size(); ++fi) by_key[key_of(*from.rules_[fi])].push_back(fi);
  std::vector<bool> matched(from.rules_.size(), false);
  for (size_t i = 0; i < rules_.size(); ++i) {
    auto it = by_key.find(key_of(*rules_[i]));
    if (it == by_key.end() || it->second.empty()) continue;
    const size_t fi = it->second.front();
    it->second.erase(it->second.begin());
    matched[fi] = true;
    series_in_previous_eval_[i] = from.series_in_previous_eval_[fi];
    if (!rules_[i]->IsAlerting() || !from.rules_[fi]->IsAlerting()) continue;
    auto& ar = static_cast<AlertingRule&>(*rules_[i]);
    const auto& far = static_cast<const AlertingRule&>(*from.rules_[fi]);
    ar.SetAlerts(far.CurrentAlerts());
  }
  // Series of deleted (or unmatched duplicate) rules become stale.
  stale_series_ = from.stale_series_;
  for (size_t fi = 0; fi < from.rules_.size(); ++fi) {
    if (matched[fi]) continue;
    for (const auto& l : from.series_in_previous_eval_[fi]) stale_series_.push_back(l);
  }
}

// ---- the group thread ----

bool Group::WaitUntil(int64_t until_ms) {
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_) {
    const int64_t now = opts_->Now();
    if (now >= until_ms) return true;
    cv_.wait_for(l, std::chrono::milliseconds(until_ms - now));
  }
  return false;
}

void Group::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  loop_done_ = false;
  stop_flag_.store(false);
  thread_ = std::thread([this] { Run(); });
}

void Group::Stop(bool mark_stale) {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
    mark_stale_ = mark_stale;
  }
  stop_flag_.store(true);
  cv_.notify_all();
  if (!mark_stale) {
    Join();
    return;
  }
  // The stale markers come later, but the evaluation in flight ends now.
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [this] { return loop_done_ || !thread_.joinable(); });
}

void Group::Abandon() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
    abandoned_ = true;
  }
  stop_flag_.store(true);
  cv_.notify_all();
}

void Group::Join() {
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool Group::done() const { return done_.load(); }

void Group::RemoveMetrics() { metrics_->Remove(key_); }

void Group::Run() {
  int64_t eval_ts = EvalTimestamp(opts_->Now()) + interval_ms_;
  auto iter = [&] {
    metrics_->c_iterations_total->Inc();
    Eval(eval_ts);
  };
  // Advances eval_ts to the next slot after a tick, counting missed ones.
  auto tick = [&]() -> bool {
    if (!WaitUntil(eval_ts + interval_ms_)) return false;
    int64_t missed = (opts_->Now() - eval_ts) / interval_ms_ - 1;
    if (missed > 0) {
      metrics_->c_iterations_missed->Inc(static_cast<double>(missed));
      metrics_->c_iterations_total->Inc(static_cast<double>(missed));
    } else {
      missed = 0;
    }
    eval_ts += (missed + 1) * interval_ms_;
    return true;
  };
  if (WaitUntil(eval_ts)) {
    iter();
    bool running = true;
    if (should_restore_) {
      // Restore after the second evaluation: the first may run before
      // enough data was scraped for the alerts to show up again.
      running = tick();
      if (running) {
        iter();
        RestoreForState(opts_->Now());
        should_restore_ = false;
      }
    }
    while (running && tick()) iter();
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    loop_done_ = true;
  }
  cv_.notify_all();
  // Removed group: after two intervals (room for a renamed rule in another
  // group to write its series first) mark what it wrote stale.
  bool mark_stale, abandoned;
  {
    std::lock_guard<std::mutex> l(mu_);
    mark_stale = mark_stale_;
    abandoned = abandoned_;
  }
  if (mark_stale && !abandoned) {
    const int64_t stop_ms = opts_->Now();
    for (auto& set : series_in_previous_eval_) {
      for (const auto& l : set) stale_series_.push_back(l);
      set.clear();
    }
    std::unique_lock<std::mutex> l(mu_);
    const int64_t until = stop_ms + 2 * interval_ms_;
    while (!abandoned_) {
      const int64_t now = opts_->Now();
      if (now >= until) break;
      cv_.wait_for(l, std::chrono::milliseconds(until - now));
    }
    const bool skip = abandoned_;
    l.unlock();
    if (!skip) CleanupStaleSeries(stop_ms);
  }
  done_.store(true);
}

}  // namespace ward::rules
