// AlertingRule: turns each element of an expression's result into an alert
// and walks it through pending -> firing -> inactive (resolved), as
// Prometheus's rules/alerting.go: `for` hold duration, keep_firing_for,
// resolved alerts kept 15 minutes to be re-sent, ALERTS / ALERTS_FOR_STATE
// samples, and the resend cadence to the notifier.
// Thread safety: Eval/SendAlerts/RestoreForState are called by the owning
// group's thread; the accessors (State, ActiveAlerts, ...) take the rule's
// alert mutex and may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "rules/rule.h"

namespace ward::rules {

// Ordered: a rule's state is the highest of its alerts'. kUnknown is the
// state of a rule not evaluated yet (Prometheus 3.x).
enum class AlertState { kUnknown, kInactive, kPending, kFiring };
// "unknown", "inactive", "pending", "firing".
std::string_view AlertStateString(AlertState s);

// Resolved alerts are kept (and re-sent) this long (Prometheus's resolvedRetention).
inline constexpr int64_t kResolvedRetentionMs = 15 * 60 * 1000;
inline constexpr std::string_view kAlertMetricName = "ALERTS";
inline constexpr std::string_view kAlertForStateMetricName = "ALERTS_FOR_STATE";
inline constexpr std::string_view kAlertNameLabel = "alertname";
inline constexpr std::string_view kAlertStateLabel = "alertstate";

// One alert of a rule. Times are ms since the epoch; 0 means unset.
struct ActiveAlert {
  AlertState state = AlertState::kInactive;
  labels::Labels labels;       // series labels - __name__ + rule labels + alertname
  labels::Labels annotations;  // expanded
  double value = 0;            // the sample value that produced the alert
  int64_t active_at_ms = 0;
  int64_t fired_at_ms = 0;
  int64_t resolved_at_ms = 0;
  int64_t last_sent_at_ms = 0;
  int64_t valid_until_ms = 0;
  int64_t keep_firing_since_ms = 0;

  // Prometheus's needsSending: never pending ones; resolved since the last
  // send, or last sent more than resend_delay before ts.
  bool NeedsSending(int64_t ts_ms, int64_t resend_delay_ms) const;
};

class AlertingRule final : public Rule {
 public:
  // `restored` false: ALERTS/ALERTS_FOR_STATE are not produced until
  // SetRestored(true) (after RestoreForState on startup), as Prometheus.
  AlertingRule(std::string name, promql::parser::ExprPtr expr, int64_t hold_duration_ms,
               int64_t keep_firing_for_ms, labels::Labels lbls, labels::Labels annotations,
               std::shared_ptr<const Options> opts, bool restored);

  bool IsAlerting() const override { return true; }
  int64_t Duration() const { return hold_duration_ms_; }  // `for`
  int64_t KeepFiringFor() const { return keep_firing_for_ms_; }
  const labels::Labels& Annotations() const { return annotations_; }

  // The highest state of any of its alerts (kInactive when none; kUnknown
  // before the first evaluation).
  AlertState State() const;
  // Pending and firing alerts (not resolved ones), sorted by labels.
  std::vector<ActiveAlert> ActiveAlerts() const;
  // All alerts including resolved ones kept for re-sending, sorted by labels.
  std::vector<ActiveAlert> CurrentAlerts() const;
  size_t ActiveAlertsCount() const;

  // Updates the alerts from the query result at ts_ms - query_offset_ms and
  // returns the ALERTS and ALERTS_FOR_STATE samples (when restored).
  // Errors: "vector contains metrics with the same labelset after applying
  // alert labels", "exceeded limit of N with M alerts" (which also drops all
  // alerts), query errors.
  Result<promql::Vector> Eval(int64_t ts_ms, int64_t query_offset_ms, int64_t limit) override;

  std::string Definition() const override;

  // Marks the alerts that need sending at ts_ms as sent and returns them as
  // notifier alerts: StartsAt = FiredAt, EndsAt = ResolvedAt for resolved
  // ones, else ts + 4 * max(resend_delay, interval) (ValidUntil).
  std::vector<notifier::Alert> AlertsToSend(int64_t ts_ms, int64_t resend_delay_ms,
                                            int64_t interval_ms);
  // AlertsToSend, then Options::notify when there is anything to send.
  void SendAlerts(int64_t ts_ms, int64_t resend_delay_ms, int64_t interval_ms);

  bool restored() const { return restored_.load(std::memory_order_relaxed); }
  void SetRestored(bool v) { restored_.store(v, std::memory_order_relaxed); }

  // ALERTS{...}=1 at ts for `a` (rule labels, then alert labels, __name__,
  // alertname, alertstate) and ALERTS_FOR_STATE{...}=v (no alertstate).
  labels::Labels AlertsLabels(const ActiveAlert& a) const;
  labels::Labels ForStateLabels(const labels::Labels& alert_labels) const;
  // Matchers selecting this rule's ALERTS_FOR_STATE series (RestoreForState).
  std::vector<labels::Matcher> ForStateMatchers() const;

  // Runs `fn` on every alert (including resolved) under the alert mutex;
  // used by RestoreForState and CopyState.
  void ForEachAlert(const std::function<void(ActiveAlert&)>& fn);
  // Replaces the alert set (CopyState from an older rule).
  void SetAlerts(std::vector<ActiveAlert> alerts);

  // The generator URL of this rule's alerts.
  const std::string& generator_url() const { return generator_url_; }

 private:
  const int64_t hold_duration_ms_;
  const int64_t keep_firing_for_ms_;
  const labels::Labels annotations_;
  const std::string generator_url_;
  std::atomic<bool> restored_;

  mutable std::mutex mu_;
  // Alerts by labels hash. guarded by mu_
  absl::flat_hash_map<uint64_t, ActiveAlert> active_;
};

// "/graph?g0.expr=<query-escaped expr>&g0.tab=1" (strutil.TableLinkForExpression).
std::string TableLinkForExpression(std::string_view expr);

}  // namespace ward::rules
