// Rule: what recording and alerting rules share (name, labels, expression,
// health, last error, evaluation time), plus the Options every group of one
// rule manager shares. Rules sit on top of promql: a group evaluates each
// rule's expression with the engine and appends the results through
// storage::Appendable (see group.h). Mirrors Prometheus's rules/rule.go.
// Thread safety: the immutable parts (name, labels, expression) are fixed at
// construction; health/error/timing are guarded by a mutex, so the API may
// read them while the group's thread evaluates.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels/labels.h"
#include "notifier/alert.h"
#include "promql/engine.h"
#include "promql/parser/ast.h"
#include "promql/value.h"
#include "storage/interface.h"
#include "util/metrics.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::rules {

// Expands one label/annotation template text of alert `alert_name` with the
// series' labels and value at ts_ms. The lead binds this to template/
// (ward::tmpl::ExpandAlertText with "__alert_"+name, external labels/URL and
// a query function). Errors are the expander's business: it returns the
// text to use ("<error expanding template: ...>" as Prometheus).
using ExpandFunc =
    std::function<std::string(std::string_view alert_name, std::string_view text,
                              const labels::Labels& labels, double value, int64_t ts_ms)>;
// Receives the alerts of one rule that need sending after an evaluation
// (never called with an empty vector).
using NotifyFunc = std::function<void(std::vector<notifier::Alert>)>;
// Runs a rule's expression as an instant query at ts_ms. The default (empty
// Options::query) uses Options::engine on Options::queryable and turns a
// scalar into one sample without labels, as Prometheus's EngineQueryFunc.
using QueryFunc =
    std::function<Result<promql::Vector>(const promql::parser::Expr& expr, int64_t ts_ms)>;

// Shared by all groups of a manager. Immutable once handed to a group
// (groups hold a shared_ptr<const Options>).
struct Options {
  promql::Engine* engine = nullptr;         // REQUIRED unless `query` is set
  storage::Queryable* queryable = nullptr;  // REQUIRED unless `query` is set; also RestoreForState
  storage::Appendable* appendable = nullptr;  // null: results are not stored
  QueryFunc query;                            // empty: engine->InstantQuery(*queryable, ...)
  ExpandFunc expand;                          // empty: label/annotation texts used unexpanded
  NotifyFunc notify;                          // empty: alerts not sent
  // --web.external-url; generatorURL = external_url + "/graph?g0.expr=" +
  // query-escaped expression + "&g0.tab=1" (Prometheus 3.x).
  std::string external_url;
  int64_t outage_tolerance_ms = 3600000;  // --rules.alert.for-outage-tolerance. Default: 1h
  int64_t for_grace_period_ms = 600000;   // --rules.alert.for-grace-period. Default: 10m
  int64_t resend_delay_ms = 60000;        // --rules.alert.resend-delay. Default: 1m
  int64_t default_interval_ms = 60000;    // global.evaluation_interval. Default: 1m
  int64_t default_query_offset_ms = 0;    // global.rule_query_offset. Default: 0s
  // When set, read at every evaluation instead of default_query_offset_ms,
  // so a reload changing global.rule_query_offset applies to running
  // groups (Prometheus's DefaultRuleQueryOffset func). Reloadable: yes.
  std::function<int64_t()> default_query_offset_fn;
  // Wall clock in ms since the epoch (tests inject). Empty: system clock.
  std::function<int64_t()> now_ms;
  // Where prometheus_rule_* metrics are registered. Null: metrics::DefaultRegistry().
  // REQUIRES: outlives every group built with these options.
  metrics::Registry* registry = nullptr;

  int64_t Now() const;
};

enum class Health { kUnknown, kOk, kErr };
// "unknown", "ok", "err" (the API's rule health).
std::string_view HealthString(Health h);

// The common part of recording and alerting rules.
class Rule {
 public:
  virtual ~Rule();
  Rule(const Rule&) = delete;
  Rule& operator=(const Rule&) = delete;

  // Record name or alert name.
  const std::string& Name() const { return name_; }
  // Rule labels (group labels merged under the rule's own), unexpanded.
  const labels::Labels& Labels() const { return labels_; }
  // The expression as Prometheus prints it (canonical PromQL text).
  const std::string& Query() const { return query_; }
  const promql::parser::Expr& expr() const { return *expr_; }
  virtual bool IsAlerting() const = 0;

  Health health() const;
  std::string last_error() const;      // "" when healthy
  int64_t last_evaluation_ms() const;  // wall time the last evaluation started; 0: never
  double evaluation_seconds() const;   // duration of the last evaluation

  // Evaluates the rule: queries at ts_ms - query_offset_ms and returns the
  // samples to append (stamped ts_ms - query_offset_ms). `limit` > 0 bounds
  // the number of series/alerts. Errors are the rule's evaluation error
  // (the group records it as health/lastError).
  virtual Result<promql::Vector> Eval(int64_t ts_ms, int64_t query_offset_ms, int64_t limit) = 0;

  // A canonical text of the rule's definition (for Group equality on reload).
  virtual std::string Definition() const = 0;

  // Set by the group after each evaluation.
  void SetHealth(Health h, std::string last_error);
  void SetEvaluation(int64_t start_ms, double seconds);

 protected:
  Rule(std::string name, promql::parser::ExprPtr expr, labels::Labels lbls,
       std::shared_ptr<const Options> opts);
  // Runs the expression (Options::query or the engine) at ts_ms.
  Result<promql::Vector> RunQuery(int64_t ts_ms) const;

  const std::string name_;
  const promql::parser::ExprPtr expr_;
  const std::string query_;
  const labels::Labels labels_;
  const std::shared_ptr<const Options> opts_;

 private:
  mutable std::mutex mu_;
  Health health_ = Health::kUnknown;  // guarded by mu_
  std::string last_error_;            // guarded by mu_
  int64_t last_evaluation_ms_ = 0;    // guarded by mu_
  double evaluation_seconds_ = 0;     // guarded by mu_
};

}  // namespace ward::rules
