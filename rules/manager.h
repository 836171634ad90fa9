// Manager: loads rule files into groups and runs one evaluation thread per
// group (Prometheus's rules/manager.go). cmd/ward calls Update on startup and
// on every config reload; the API reads RuleGroups() / AlertingRules().
// A reload keeps the state (pending/firing alerts, staleness bookkeeping) of
// groups with the same file and name; unchanged groups keep running as is.
// Thread safety: all methods are thread-safe; Update and Stop serialize.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "model/labels/labels.h"
#include "rules/group.h"
#include "rules/rule.h"
#include "util/log.h"
#include "util/status.h"

namespace ward::rules {

class Manager {
 public:
  explicit Manager(std::shared_ptr<const Options> opts);
  ~Manager();  // Stop()
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Expands each entry of `files` as a glob (a pattern matching nothing adds
  // nothing, as Prometheus), parses the files with rulefmt, builds the
  // groups (`interval_ms` is the default group interval), then swaps them in:
  // unchanged groups keep running, changed ones are stopped and their state
  // copied into the new group, removed ones are stopped and their series
  // marked stale. On any load error nothing changes and the error holds all
  // load errors (InvalidArgument, "error loading rules, previous rule set
  // restored: ..."). `external_labels` / `external_url` are for templates
  // (the ExpandFunc binds them) and the generator URL.
  Status Update(int64_t interval_ms, const std::vector<std::string>& files,
                const labels::Labels& external_labels, const std::string& external_url);

  // Stops every group thread and waits for them. Idempotent.
  void Stop();

  // Groups sorted by file then name.
  std::vector<std::shared_ptr<Group>> RuleGroups() const;
  // Alerting rules of all groups: groups in RuleGroups() order, each as
  // Group::AlertingRules() orders them.
  std::vector<std::shared_ptr<AlertingRule>> AlertingRules() const;

  const std::shared_ptr<const Options>& options() const { return opts_; }

 private:
  std::shared_ptr<const Options> opts_;
  const log::Logger logger_;

  std::mutex update_mu_;  // serializes Update and Stop
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Group>> groups_;  // by GroupKey; guarded by mu_
  bool restored_ = false;                                 // guarded by update_mu_
  bool stopped_ = false;                                  // guarded by update_mu_
  // Removed groups still writing their stale markers; guarded by update_mu_.
  std::vector<std::shared_ptr<Group>> retiring_;
};

}  // namespace ward::rules
