// Group: the rules of one rule group, evaluated in order at slotted times
// (Prometheus's rules/group.go). Eval queries each rule through promql,
// appends recording results and ALERTS / ALERTS_FOR_STATE through
// storage::Appendable, writes stale markers for series that disappeared,
// and hands alerts to Options::notify. The manager runs one thread per group
// (Start/Stop); tools (wardtool test rules) call Eval directly.
// Thread safety: Eval, RestoreForState and CopyState must not run
// concurrently with each other (one group thread); the accessors may be
// called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "model/rulefmt/rulefmt.h"
#include "rules/alerting.h"
#include "rules/recording.h"
#include "rules/rule.h"
#include "util/log.h"
#include "util/metrics.h"

namespace ward::rules {

// "file;name", the rule_group label of the prometheus_rule_* metrics.
std::string GroupKey(std::string_view file, std::string_view name);

struct LabelsHash {
  size_t operator()(const labels::Labels& l) const { return l.Hash(); }
};
using LabelsSet = absl::flat_hash_set<labels::Labels, LabelsHash>;

// The prometheus_rule_* metric families (registered once per registry).
struct GroupMetrics;

class Group {
 public:
  // Builds the rules of one parsed group (expressions parsed with the
  // engine's parser options; all features on when there is no engine).
  // Group labels are merged under each rule's labels. `should_restore`:
  // alerting rules wait for RestoreForState before writing ALERTS (the
  // manager sets it for groups loaded at startup).
  // REQUIRES: opts non-null.
  static Result<std::shared_ptr<Group>> Make(const rulefmt::RuleGroup& g, std::string file,
                                             std::shared_ptr<const Options> opts,
                                             bool should_restore = false);
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  // Evaluates every rule in order at ts_ms (already aligned; the query time
  // is ts_ms - query offset), appends recording results, ALERTS and
  // ALERTS_FOR_STATE, stale markers, and sends alerts. Rule errors go to
  // each rule's health/last_error; nothing here fails.
  void Eval(int64_t ts_ms);

  const std::vector<std::shared_ptr<Rule>>& rules() const { return rules_; }
  // The alerting rules, firing first, then pending, then inactive; by name
  // within a state (Prometheus's Group.AlertingRules).
  std::vector<std::shared_ptr<AlertingRule>> AlertingRules() const;
  const std::string& name() const { return name_; }
  const std::string& file() const { return file_; }
  int64_t interval_ms() const { return interval_ms_; }
  int64_t limit() const { return limit_; }
  // The group's query_offset, else Options::default_query_offset (read at
  // every evaluation when Options::default_query_offset_fn is set).
  int64_t query_offset_ms() const;
  const labels::Labels& group_labels() const { return group_labels_; }
  // Wall time (ms) the last iteration started; 0: never.
  int64_t last_evaluation_ms() const;
  // Seconds the last iteration took.
  double evaluation_seconds() const;
  // The aligned evaluation time of the last iteration; 0: never.
  int64_t last_eval_timestamp_ms() const;
  bool should_restore() const { return should_restore_.load(); }

  // The immediately preceding slotted evaluation time at or before start_ms:
  // slots are offset from multiples of the interval by a hash of (file, name)
  // (Prometheus's EvalTimestamp, computed in nanoseconds as Prometheus).
  int64_t EvalTimestamp(int64_t start_ms) const;
  // The offset (ms, truncated) of this group's slots within the interval.
  int64_t EvalOffsetMs() const;

  // Restores `for` state of alerting rules from ALERTS_FOR_STATE in storage
  // (Prometheus's RestoreForState), then marks every alerting rule restored.
  void RestoreForState(int64_t now_ms);

  // Carries alert state and staleness bookkeeping over from the old group
  // with the same name+file. REQUIRES: `old` is stopped.
  void CopyState(const Group& old);

  // True when both groups have the same definition (name, file, interval,
  // limit, query offset, labels, rules): a reload keeps the old group.
  bool Equals(const Group& o) const;

  // Starts the evaluation thread: waits for the next slot, evaluates, then
  // every interval (counting missed iterations); after the second iteration
  // of a group with should_restore it calls RestoreForState.
  void Start();
  // Stops the thread and waits for it (promptly: the wait is on a condition
  // variable). `mark_stale`: the group was removed, so the series it wrote
  // get stale markers two intervals later (room for a renamed rule in another
  // group to take its series over), written by the group's thread unless
  // Abandon() comes first. Either way Stop returns once no evaluation runs.
  void Stop(bool mark_stale = false);

  // Stale markers for series this group wrote last time, appended at ts_ms
  // (used when a group is removed). Exposed for tests.
  void MarkAllStale(int64_t ts_ms);

  // Asks the thread to stop without the stale-marker wait (manager shutdown).
  void Abandon();
  // Waits for the thread (after Stop/Abandon).
  void Join();
  // True once the thread has finished everything (including stale markers).
  bool done() const;
  // Drops this group's children of the prometheus_rule_* families.
  void RemoveMetrics();

 private:
  Group(std::string name, std::string file, int64_t interval_ms, int64_t limit,
        std::optional<int64_t> query_offset_ms, labels::Labels group_labels,
        std::vector<std::shared_ptr<Rule>> rules, std::shared_ptr<const Options> opts,
        bool should_restore);

  void Run();
  // Returns the seconds the rule took.
  double EvalRule(size_t i, int64_t ts_ms, double* samples_total);
  void CleanupStaleSeries(int64_t ts_ms);
  // Waits until wall time reaches `until_ms` or Stop; false when stopped.
  bool WaitUntil(int64_t until_ms);

  const std::string name_;
  const std::string file_;
  const int64_t interval_ms_;
  const int64_t limit_;
  const std::optional<int64_t> query_offset_ms_;  // unset: the default
  const labels::Labels group_labels_;
  const std::vector<std::shared_ptr<Rule>> rules_;
  const std::shared_ptr<const Options> opts_;
  const log::Logger logger_;
  const std::string key_;  // GroupKey(file, name)
  const std::unique_ptr<GroupMetrics> metrics_;
  std::atomic<bool> should_restore_;

  // Eval state: touched only by the evaluating thread (or CopyState on a
  // stopped group).
  std::vector<LabelsSet> series_in_previous_eval_;  // one per rule
  std::vector<labels::Labels> stale_series_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;               // guarded by mu_
  bool mark_stale_ = false;             // guarded by mu_
  bool abandoned_ = false;              // guarded by mu_
  bool loop_done_ = false;              // the thread evaluates no more; guarded by mu_
  int64_t last_evaluation_ms_ = 0;      // guarded by mu_
  double evaluation_seconds_ = 0;       // guarded by mu_
  int64_t last_eval_timestamp_ms_ = 0;  // guarded by mu_
  std::atomic<bool> stop_flag_{false};  // stopping_, readable without mu_
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace ward::rules
