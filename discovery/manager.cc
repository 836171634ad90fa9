// discovery::Manager; see manager.h.
#include "discovery/manager.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "discovery/file/file.h"
#include "util/log.h"

namespace ward::discovery {
namespace {

using Clock = std::chrono::steady_clock;

bool SameStatic(const config::StaticConfig& a, const config::StaticConfig& b) {
  return a.targets == b.targets && a.labels == b.labels;
}

bool SameFile(const config::FileSDConfig& a, const config::FileSDConfig& b) {
  return a.files == b.files && a.refresh_interval == b.refresh_interval;
}

std::vector<targetgroup::Group> StaticGroups(const std::vector<config::StaticConfig>& statics) {
  std::vector<targetgroup::Group> out;
  out.reserve(statics.size());
  for (size_t i = 0; i < statics.size(); ++i) {
    targetgroup::Group g;
    g.labels = statics[i].labels;
    g.source = std::to_string(i);
    g.targets.reserve(statics[i].targets.size());
    for (const auto& t : statics[i].targets) {
      g.targets.push_back(labels::Labels{{targetgroup::kAddressLabel, t}});
    }
    out.push_back(std::move(g));
  }
  return out;
}

void DefaultLog(std::string_view msg) {
  static const log::Logger kLogger("discovery manager");
  kLogger.Error("Discovery error", {{"err", msg}});
}

}  // namespace

bool ProviderConfigs::operator==(const ProviderConfigs& o) const {
  return std::equal(static_configs.begin(), static_configs.end(), o.static_configs.begin(),
                    o.static_configs.end(), SameStatic) &&
         std::equal(file_sd_configs.begin(), file_sd_configs.end(), o.file_sd_configs.begin(),
                    o.file_sd_configs.end(), SameFile);
}

struct Manager::TargetSet {
  ProviderConfigs cfg;
  std::vector<targetgroup::Group> static_groups;
  std::vector<std::unique_ptr<file::Discoverer>> files;
  std::vector<Clock::time_point> next_refresh;  // per file discoverer
};

Manager::Manager(Callback cb, ManagerOptions opts)
    : callback_(std::move(cb)), opts_([&] {
        if (!opts.log) opts.log = DefaultLog;
        return std::move(opts);
      }()) {
  if (pipe2(wake_fds_, O_NONBLOCK | O_CLOEXEC) != 0) {
    wake_fds_[0] = wake_fds_[1] = -1;  // then the thread polls on timeouts only
  }
  thread_ = std::thread([this] { Run(); });
}

Manager::~Manager() {
  Stop();
  if (wake_fds_[0] >= 0) close(wake_fds_[0]);
  if (wake_fds_[1] >= 0) close(wake_fds_[1]);
  if (inotify_fd_ >= 0) close(inotify_fd_);
}

std::map<std::string, ProviderConfigs> Manager::ScrapeSets(const config::Config& cfg) {
  std::map<std::string, ProviderConfigs> out;
  for (const auto& sc : cfg.scrape_configs) {
    out[sc.job_name] = ProviderConfigs{sc.static_configs, sc.file_sd_configs};
  }
  return out;
}

std::map<std::string, ProviderConfigs> Manager::AlertmanagerSets(const config::Config& cfg) {
  std::map<std::string, ProviderConfigs> out;
  for (size_t i = 0; i < cfg.alerting.alertmanagers.size(); ++i) {
    const auto& am = cfg.alerting.alertmanagers[i];
    out["config-" + std::to_string(i)] = ProviderConfigs{am.static_configs, am.file_sd_configs};
  }
  return out;
}

Status Manager::ApplyConfig(const std::map<std::string, ProviderConfigs>& sets) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return Status::Unavailable("discovery manager is stopped");
    next_config_ = sets;
    pending_config_ = true;
  }
  Wake();
  return Status::OK();
}

TargetSets Manager::Current() const {
  std::lock_guard<std::mutex> l(mu_);
  return current_;
}

void Manager::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopped_ = true;
  }
  Wake();
  std::lock_guard<std::mutex> j(join_mu_);  // concurrent Stop() calls join once
  if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) thread_.join();
}

void Manager::Wake() {
  if (wake_fds_[1] < 0) return;
  char b = 1;
  // A full pipe already guarantees a wake-up, so a failed write is harmless.
  [[maybe_unused]] ssize_t n = write(wake_fds_[1], &b, 1);
}

void Manager::Reconfigure() {
  std::map<std::string, ProviderConfigs> cfg;
  {
    std::lock_guard<std::mutex> l(mu_);
    cfg = std::move(next_config_);
    next_config_.clear();
    pending_config_ = false;
  }
  std::map<std::string, std::unique_ptr<TargetSet>> next;
  for (auto& [name, pc] : cfg) {
    auto it = sets_.find(name);
    if (it != sets_.end() && it->second->cfg == pc) {
      next[name] = std::move(it->second);
      continue;
    }
    auto ts = std::make_unique<TargetSet>();
    ts->cfg = pc;
    ts->static_groups = StaticGroups(pc.static_configs);
    for (const auto& f : pc.file_sd_configs) {
      ts->files.push_back(std::make_unique<file::Discoverer>(f));
      ts->next_refresh.push_back(Clock::time_point::min());  // read at once
    }
    next[name] = std::move(ts);
  }
  sets_ = std::move(next);
  SetUpWatches();
}

void Manager::SetUpWatches() {
  if (inotify_fd_ >= 0) close(inotify_fd_);
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) return;  // the refresh interval still applies
  std::set<std::string> dirs;
  for (const auto& [name, ts] : sets_) {
    for (const auto& d : ts->files) {
      for (auto& dir : d->WatchDirs()) dirs.insert(std::move(dir));
    }
  }
  const uint32_t mask = IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                        IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF;
  for (const auto& dir : dirs) {
    if (inotify_add_watch(inotify_fd_, dir.c_str(), mask) < 0) {
      opts_.log("cannot watch " + dir + " (relying on refresh_interval)");
    }
  }
}

void Manager::Run() {
  Clock::time_point last_send = Clock::time_point::min();
  bool dirty = false;
  bool file_event = false;
  while (true) {
    bool reconfigure;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopped_) return;
      reconfigure = pending_config_;
    }
    if (reconfigure) {
      Reconfigure();
      dirty = true;
      force_send_ = true;
    }
    Clock::time_point now = Clock::now();
    Clock::time_point next_wake = now + std::chrono::seconds(60);
    std::vector<std::string> errors;
    for (auto& [name, ts] : sets_) {
      for (size_t i = 0; i < ts->files.size(); ++i) {
        if (file_event || now >= ts->next_refresh[i]) {
          if (ts->files[i]->Refresh(&errors)) dirty = true;
          ts->next_refresh[i] = now + std::chrono::milliseconds(std::max<int64_t>(
                                          ts->files[i]->config().refresh_interval, 1000));
        }
        next_wake = std::min(next_wake, ts->next_refresh[i]);
      }
    }
    file_event = false;
    for (const auto& e : errors) opts_.log("file_sd: " + e);

    if (dirty) {
      if (force_send_ || now - last_send >= opts_.update_interval) {
        TargetSets out;
        for (const auto& [name, ts] : sets_) {
          auto& groups = out[name];
          groups = ts->static_groups;
          for (const auto& d : ts->files)
            groups.insert(groups.end(), d->groups().begin(), d->groups().end());
        }
        {
          std::lock_guard<std::mutex> l(mu_);
          if (stopped_) return;
          current_ = out;
        }
        callback_(out);
        last_send = Clock::now();
        dirty = false;
        force_send_ = false;
      } else {
        next_wake = std::min(next_wake, last_send + opts_.update_interval);
      }
    }

    now = Clock::now();
    int timeout_ms = 0;
    if (next_wake > now) {
      timeout_ms = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(next_wake - now).count() + 1);
    }
    if (wake_fds_[0] < 0) timeout_ms = std::min(timeout_ms, 100);  // no self-pipe: poll often
    pollfd fds[2];
    int nfds = 0;
    if (wake_fds_[0] >= 0) fds[nfds++] = pollfd{wake_fds_[0], POLLIN, 0};
    const int inotify_index = nfds;
    if (inotify_fd_ >= 0) fds[nfds++] = pollfd{inotify_fd_, POLLIN, 0};
    int rc = poll(fds, nfds, nfds == 0 ? std::min(timeout_ms, 100) : timeout_ms);
    if (rc <= 0) continue;
    if (wake_fds_[0] >= 0 && (fds[0].revents & POLLIN)) {
      char buf[64];
      while (read(wake_fds_[0], buf, sizeof(buf)) > 0) {
      }
    }
    if (inotify_fd_ >= 0 && inotify_index < nfds && (fds[inotify_index].revents & POLLIN)) {
      alignas(inotify_event) char buf[4096];
      while (read(inotify_fd_, buf, sizeof(buf)) > 0) {
      }
      file_event = true;
    }
  }
}

}  // namespace ward::discovery
