#include "rules/manager.h"

#include <glob.h>

#include <algorithm>

#include "model/rulefmt/rulefmt.h"

namespace ward::rules {

Manager::Manager(std::shared_ptr<const Options> opts)
    : opts_(std::move(opts)), logger_(log::Logger("rule manager")) {}

Manager::~Manager() { Stop(); }

namespace {

// Expands one rule_files entry as filepath.Glob does: no match, no files.
std::vector<std::string> ExpandGlob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  return out;
}

}  // namespace

Status Manager::Update(int64_t interval_ms, const std::vector<std::string>& files,
                       const labels::Labels& external_labels, const std::string& external_url) {
  std::lock_guard<std::mutex> ul(update_mu_);
  if (stopped_) return Status::Unavailable("rule manager is stopped");

  std::shared_ptr<const Options> opts = opts_;
  if (opts->default_interval_ms != interval_ms || opts->external_url != external_url) {
    auto o = std::make_shared<Options>(*opts);
    if (interval_ms > 0) o->default_interval_ms = interval_ms;
    o->external_url = external_url;
    opts = std::move(o);
  }

  // Load everything first: on any error the running groups stay as they are.
  std::map<std::string, std::shared_ptr<Group>> loaded;
  std::vector<std::string> errors;
  const bool should_restore = !restored_;
  for (const std::string& pattern : files) {
    for (const std::string& fn : ExpandGlob(pattern)) {
      auto rgs = rulefmt::ParseFile(fn);
      if (!rgs.ok()) {
        errors.emplace_back(rgs.status().message());
        continue;
      }
      for (const rulefmt::RuleGroup& rg : rgs->groups) {
        auto g = Group::Make(rg, fn, opts, should_restore);
        if (!g.ok()) {
          errors.emplace_back(g.status().message());
          continue;
        }
        loaded[GroupKey(fn, rg.name)] = std::move(*g);
      }
    }
  }
  if (!errors.empty()) {
    std::string msg = "error loading rules, previous rule set restored";
    for (const auto& e : errors) {
      logger_.Error("loading groups failed", {{"err", e}});
      msg += "\n" + e;
    }
    return Status::InvalidArgument(msg);
  }
  restored_ = true;
  opts_ = opts;

  std::map<std::string, std::shared_ptr<Group>> old;
  {
    std::lock_guard<std::mutex> l(mu_);
    old = groups_;
  }
  // Stop changed groups first (their last iteration finishes), then copy
  // their state into the replacements.
  for (auto& [key, newg] : loaded) {
    auto it = old.find(key);
    if (it != old.end()) {
      std::shared_ptr<Group> oldg = it->second;
      old.erase(it);
      if (oldg->Equals(*newg)) {
        newg = oldg;  // unchanged: keeps running
        continue;
      }
      oldg->Stop(/*mark_stale=*/false);
      newg->CopyState(*oldg);
    }
    newg->Start();
  }
  // Groups that are gone: stopped, and their series marked stale later.
  for (auto& [key, oldg] : old) {
    oldg->Stop(/*mark_stale=*/true);
    oldg->RemoveMetrics();
    retiring_.push_back(oldg);
  }
  // Forget retired groups whose stale markers are written.
  retiring_.erase(std::remove_if(retiring_.begin(), retiring_.end(),
                                 [](const std::shared_ptr<Group>& g) {
                                   if (!g->done()) return false;
                                   g->Join();
                                   return true;
                                 }),
                  retiring_.end());
  {
    std::lock_guard<std::mutex> l(mu_);
    groups_ = std::move(loaded);
  }
  (void)external_labels;  // templates get them through Options::expand
  return Status::OK();
}

void Manager::Stop() {
  std::lock_guard<std::mutex> ul(update_mu_);
  if (stopped_) return;
  stopped_ = true;
  std::map<std::string, std::shared_ptr<Group>> groups;
  {
    std::lock_guard<std::mutex> l(mu_);
    groups = groups_;
  }
  // Signal everything first so the threads wind down in parallel.
  for (auto& [k, g] : groups) g->Abandon();
  for (auto& g : retiring_) g->Abandon();
  for (auto& [k, g] : groups) g->Join();
  for (auto& g : retiring_) g->Join();
  retiring_.clear();
  logger_.Info("Rule manager stopped");
}

std::vector<std::shared_ptr<Group>> Manager::RuleGroups() const {
  std::vector<std::shared_ptr<Group>> out;
  {
    std::lock_guard<std::mutex> l(mu_);
    out.reserve(groups_.size());
    for (const auto& [k, g] : groups_) out.push_back(g);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a->file() != b->file()) return a->file() < b->file();
    return a->name() < b->name();
  });
  return out;
}

std::vector<std::shared_ptr<AlertingRule>> Manager::AlertingRules() const {
  std::vector<std::shared_ptr<AlertingRule>> out;
  for (const auto& g : RuleGroups()) {
    for (auto& r : g->AlertingRules()) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ward::rules
