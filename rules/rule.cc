#include "rules/rule.h"

#include <chrono>
#include <variant>

namespace ward::rules {

int64_t Options::Now() const {
  if (now_ms) return now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view HealthString(Health h) {
  switch (h) {
    case Health::kOk:
      return "ok";
    case Health::kErr:
      return "err";
    case Health::kUnknown:
      break;
  }
  return "unknown";
}

Rule::Rule(std::string name, promql::parser::ExprPtr expr, labels::Labels lbls,
           std::shared_ptr<const Options> opts)
    : name_(std::move(name)),
      expr_(std::move(expr)),
      query_(promql::parser::ToString(*expr_)),
      labels_(std::move(lbls)),
      opts_(std::move(opts)) {}

Rule::~Rule() = default;

Health Rule::health() const {
  std::lock_guard<std::mutex> l(mu_);
  return health_;
}

std::string Rule::last_error() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_error_;
}

int64_t Rule::last_evaluation_ms() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_evaluation_ms_;
}

double Rule::evaluation_seconds() const {
  std::lock_guard<std::mutex> l(mu_);
  return evaluation_seconds_;
}

void Rule::SetHealth(Health h, std::string last_error) {
  std::lock_guard<std::mutex> l(mu_);
  health_ = h;
  last_error_ = std::move(last_error);
}

void Rule::SetEvaluation(int64_t start_ms, double seconds) {
  std::lock_guard<std::mutex> l(mu_);
  last_evaluation_ms_ = start_ms;
  evaluation_seconds_ = seconds;
}

Result<promql::Vector> Rule::RunQuery(int64_t ts_ms) const {
  if (opts_->query) return opts_->query(*expr_, ts_ms);
  if (opts_->engine == nullptr || opts_->queryable == nullptr) {
    return Status::Internal("rule manager has no query engine or queryable");
  }
  WARD_ASSIGN_OR_RETURN(promql::QueryResult res,
                        opts_->engine->InstantQuery(*opts_->queryable, *expr_, ts_ms));
  if (auto* v = std::get_if<promql::Vector>(&res.value)) return std::move(*v);
  if (auto* s = std::get_if<promql::Scalar>(&res.value)) {
    promql::Vector out(1);
    out[0].t = s->t;
    out[0].f = s->v;
    return out;
  }
  return Status::Execution("rule result is not a vector or scalar");
}

}  // namespace ward::rules
