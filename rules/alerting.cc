#include "rules/alerting.h"

#include <algorithm>
#include <cmath>

#include "util/log.h"

namespace ward::rules {

std::string_view AlertStateString(AlertState s) {
  switch (s) {
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kUnknown:
      return "unknown";
    case AlertState::kInactive:
      break;
  }
  return "inactive";
}

std::string TableLinkForExpression(std::string_view expr) {
  // Go's url.QueryEscape: unreserved bytes kept, space as '+', rest %XX.
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "/graph?g0.expr=";
  for (unsigned char c : expr) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  out += "&g0.tab=1";
  return out;
}

bool ActiveAlert::NeedsSending(int64_t ts_ms, int64_t resend_delay_ms) const {
  if (state == AlertState::kPending) return false;
  // Resolved since the last send: send the resolution.
  if (resolved_at_ms > last_sent_at_ms) return true;
  return last_sent_at_ms + resend_delay_ms < ts_ms;
}

AlertingRule::AlertingRule(std::string name, promql::parser::ExprPtr expr, int64_t hold_duration_ms,
                           int64_t keep_firing_for_ms, labels::Labels lbls,
                           labels::Labels annotations, std::shared_ptr<const Options> opts,
                           bool restored)
    : Rule(std::move(name), std::move(expr), std::move(lbls), std::move(opts)),
      hold_duration_ms_(hold_duration_ms),
      keep_firing_for_ms_(keep_firing_for_ms),
      annotations_(std::move(annotations)),
      generator_url_(opts_->external_url + TableLinkForExpression(query_)),
      restored_(restored) {}

AlertState AlertingRule::State() const {
  if (last_evaluation_ms() == 0) return AlertState::kUnknown;
  std::lock_guard<std::mutex> l(mu_);
  AlertState max = AlertState::kInactive;
  for (const auto& [h, a] : active_) max = std::max(max, a.state);
  return max;
}

std::vector<ActiveAlert> AlertingRule::CurrentAlerts() const {
  std::vector<ActiveAlert> out;
  {
    std::lock_guard<std::mutex> l(mu_);
    out.reserve(active_.size());
    for (const auto& [h, a] : active_) out.push_back(a);
  }
  std::sort(out.begin(), out.end(),
            [](const ActiveAlert& a, const ActiveAlert& b) { return a.labels < b.labels; });
  return out;
}

std::vector<ActiveAlert> AlertingRule::ActiveAlerts() const {
  std::vector<ActiveAlert> out = CurrentAlerts();
  out.erase(std::remove_if(out.begin(), out.end(),
                           [](const ActiveAlert& a) { return a.resolved_at_ms != 0; }),
            out.end());
  return out;
}

size_t AlertingRule::ActiveAlertsCount() const {
  std::lock_guard<std::mutex> l(mu_);
  return active_.size();
}

labels::Labels AlertingRule::AlertsLabels(const ActiveAlert& a) const {
  labels::Builder b(labels_);
  for (const auto& l : a.labels) b.Set(l.name, l.value);
  b.Set(labels::kMetricName, kAlertMetricName);
  b.Set(kAlertNameLabel, name_);
  b.Set(kAlertStateLabel, AlertStateString(a.state));
  return b.Build();
}

labels::Labels AlertingRule::ForStateLabels(const labels::Labels& alert_labels) const {
  labels::Builder b(labels_);
  for (const auto& l : alert_labels) b.Set(l.name, l.value);
  b.Set(labels::kMetricName, kAlertForStateMetricName);
  b.Set(kAlertNameLabel, name_);
  return b.Build();
}

std::vector<labels::Matcher> AlertingRule::ForStateMatchers() const {
  // As Prometheus: the rule's own (unexpanded) labels, name and alertname.
  std::vector<labels::Matcher> ms;
  for (const auto& l : ForStateLabels(labels::Labels())) {
    auto m = labels::Matcher::Make(labels::MatchType::kEqual, l.name, l.value);
    if (m.ok()) ms.push_back(std::move(*m));
  }
  return ms;
}

Result<promql::Vector> AlertingRule::Eval(int64_t ts_ms, int64_t query_offset_ms, int64_t limit) {
  const int64_t query_ts = ts_ms - query_offset_ms;
  WARD_ASSIGN_OR_RETURN(promql::Vector res, RunQuery(query_ts));

  // Alerts of this evaluation by label hash.
  absl::flat_hash_map<uint64_t, ActiveAlert> fresh;
  fresh.reserve(res.size());
  labels::Builder b;
  for (const promql::Sample& s : res) {
    auto expand = [&](const std::string& text) -> std::string {
      if (!opts_->expand) return text;
      return opts_->expand(name_, text, s.metric, s.f, ts_ms);
    };
    b.Reset(s.metric);
    b.Del(labels::kMetricName);
    for (const auto& l : labels_) b.Set(l.name, expand(l.value));
    b.Set(kAlertNameLabel, name_);

    std::vector<labels::Label> ann;
    ann.reserve(annotations_.size());
    for (const auto& a : annotations_) ann.push_back({a.name, expand(a.value)});

    ActiveAlert a;
    a.labels = b.Build();
    a.annotations = labels::Labels(std::move(ann));
    a.active_at_ms = ts_ms;
    a.state = AlertState::kPending;
    a.value = s.f;
    uint64_t h = a.labels.Hash();
    if (!fresh.emplace(h, std::move(a)).second) {
      return Status::Execution(
          "vector contains metrics with the same labelset after applying alert labels");
    }
  }

  std::lock_guard<std::mutex> l(mu_);
  for (auto& [h, a] : fresh) {
    auto it = active_.find(h);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = a.value;
      it->second.annotations = std::move(a.annotations);
      continue;
    }
    active_[h] = std::move(a);
  }

  promql::Vector vec;
  int64_t num_active_pending = 0;
  const bool restored = restored_.load(std::memory_order_relaxed);
  for (auto it = active_.begin(); it != active_.end();) {
    ActiveAlert& a = it->second;
    if (!fresh.contains(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && keep_firing_for_ms_ > 0) {
        if (a.keep_firing_since_ms == 0) a.keep_firing_since_ms = ts_ms;
        keep_firing = ts_ms - a.keep_firing_since_ms < keep_firing_for_ms_;
      }
      // Pending alerts vanish at once; resolved ones are kept for
      // kResolvedRetentionMs so the resolution is re-sent.
      if (a.state == AlertState::kPending ||
          (a.resolved_at_ms != 0 && ts_ms - a.resolved_at_ms > kResolvedRetentionMs)) {
        active_.erase(it++);
        continue;
      }
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at_ms = ts_ms;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since_ms = 0;
    }
    ++num_active_pending;
    if (a.state == AlertState::kPending && ts_ms - a.active_at_ms >= hold_duration_ms_) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = ts_ms;
    }
    if (restored) {
      promql::Sample s1;
      s1.metric = AlertsLabels(a);
      s1.t = query_ts;
      s1.f = 1;
      vec.push_back(std::move(s1));
      promql::Sample s2;
      s2.metric = ForStateLabels(a.labels);
      s2.t = query_ts;
      // Go's time.Unix(): whole seconds, rounded toward -inf.
      s2.f = static_cast<double>(a.active_at_ms >= 0 ? a.active_at_ms / 1000
                                                     : -((-a.active_at_ms + 999) / 1000));
      vec.push_back(std::move(s2));
    }
    ++it;
  }

  if (limit > 0 && num_active_pending > limit) {
    active_.clear();
    return Status::Execution("exceeded limit of " + std::to_string(limit) + " with " +
                             std::to_string(num_active_pending) + " alerts");
  }
  return vec;
}

std::vector<notifier::Alert> AlertingRule::AlertsToSend(int64_t ts_ms, int64_t resend_delay_ms,
                                                        int64_t interval_ms) {
  std::vector<notifier::Alert> out;
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [h, a] : active_) {
    if (!a.NeedsSending(ts_ms, resend_delay_ms)) continue;
    a.last_sent_at_ms = ts_ms;
    // Allow for two missed evaluations or failed sends.
    a.valid_until_ms = ts_ms + 4 * std::max(resend_delay_ms, interval_ms);
    notifier::Alert n;
    n.labels = a.labels;
    n.annotations = a.annotations;
    n.starts_at_ms = a.fired_at_ms;
    n.ends_at_ms = a.resolved_at_ms != 0 ? a.resolved_at_ms : a.valid_until_ms;
    n.generator_url = generator_url_;
    out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end(),
            [](const notifier::Alert& a, const notifier::Alert& b) { return a.labels < b.labels; });
  return out;
}

void AlertingRule::SendAlerts(int64_t ts_ms, int64_t resend_delay_ms, int64_t interval_ms) {
  std::vector<notifier::Alert> alerts = AlertsToSend(ts_ms, resend_delay_ms, interval_ms);
  if (!alerts.empty() && opts_->notify) opts_->notify(std::move(alerts));
}

void AlertingRule::ForEachAlert(const std::function<void(ActiveAlert&)>& fn) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [h, a] : active_) fn(a);
}

void AlertingRule::SetAlerts(std::vector<ActiveAlert> alerts) {
  std::lock_guard<std::mutex> l(mu_);
  active_.clear();
  for (auto& a : alerts) {
    uint64_t h = a.labels.Hash();
    active_[h] = std::move(a);
  }
}

namespace {
std::string FormatMs(int64_t ms) { return std::to_string(ms) + "ms"; }
}  // namespace

std::string AlertingRule::Definition() const {
  std::string out = "alert: " + name_ + "\nexpr: " + query_ + "\n";
  if (hold_duration_ms_ != 0) out += "for: " + FormatMs(hold_duration_ms_) + "\n";
  if (keep_firing_for_ms_ != 0) out += "keep_firing_for: " + FormatMs(keep_firing_for_ms_) + "\n";
  if (!labels_.empty()) out += "labels: " + labels_.ToString() + "\n";
  if (!annotations_.empty()) out += "annotations: " + annotations_.ToString() + "\n";
  return out;
}

}  // namespace ward::rules
