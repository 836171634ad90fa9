#include "scrape/manager.h"

#include <unistd.h>
#include <xxhash.h>

#include <utility>

namespace ward::scrape {

namespace {

std::string Hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

}  // namespace

Manager::Manager(storage::Appendable& app) : Manager(app, Options()) {}

Manager::Manager(storage::Appendable& app, Options opts)
    : app_(app),
      opts_(std::move(opts)),
      registry_(opts_.registry ? *opts_.registry : metrics::DefaultRegistry()),
      metrics_(registry_),
      log_(log::Logger("scrape manager")),
      client_(std::make_unique<HttpClient>(opts_.http)) {}

Manager::~Manager() { Stop(); }

Status Manager::ApplyConfig(const config::Config& cfg) {
  std::lock_guard<std::mutex> l(mu_);
  if (stopped_) return Status::Unavailable("scrape manager stopped");
  std::string host = opts_.hostname.empty() ? Hostname() : opts_.hostname;
  offset_seed_ = cfg.global.external_labels.Hash() ^ XXH3_64bits(host.data(), host.size());

  std::map<std::string, std::shared_ptr<const config::ScrapeConfig>> next;
  for (const auto& sc : cfg.scrape_configs) {
    next[sc.job_name] = std::make_shared<const config::ScrapeConfig>(sc);
  }
  // Removed jobs: stop their loops; their series go stale.
  for (auto it = pools_.begin(); it != pools_.end();) {
    if (next.count(it->first) == 0) {
      it->second->Stop(true);
      it = pools_.erase(it);
    } else {
      ++it;
    }
  }
  std::map<std::string, std::string> fps;
  for (const auto& [job, sc] : next) {
    fps[job] = ScrapeConfigFingerprint(*sc);
    auto pit = pools_.find(job);
    if (pit != pools_.end()) {
      if (fingerprints_[job] != fps[job]) pit->second->Reload(sc);
      continue;
    }
    auto tit = targets_.find(job);
    if (tit == targets_.end()) continue;  // created when targets arrive
    metrics_.scrape_pools_total.Inc();
    auto pool = std::make_unique<ScrapePool>(sc, app_, *client_, metrics_, offset_seed_);
    pool->Sync(tit->second);
    pools_.emplace(job, std::move(pool));
  }
  configs_ = std::move(next);
  fingerprints_ = std::move(fps);
  return Status::OK();
}

void Manager::ApplyTargets(const std::map<std::string, std::vector<targetgroup::Group>>& tsets) {
  std::lock_guard<std::mutex> l(mu_);
  if (stopped_) return;
  for (const auto& [job, groups] : tsets) {
    targets_[job] = groups;
    auto cit = configs_.find(job);
    if (cit == configs_.end()) continue;
    auto pit = pools_.find(job);
    if (pit == pools_.end()) {
      metrics_.scrape_pools_total.Inc();
      pit = pools_
                .emplace(job, std::make_unique<ScrapePool>(cit->second, app_, *client_, metrics_,
                                                           offset_seed_))
                .first;
    }
    pit->second->Sync(groups);
  }
}

void Manager::Stop() {
  std::map<std::string, std::unique_ptr<ScrapePool>> pools;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return;
    stopped_ = true;
    pools.swap(pools_);
  }
  for (auto& [job, pool] : pools) pool->Stop(false);
  // Cancels in-flight scrapes; their callbacks see the loops stopped.
  client_->Stop();
  for (auto& [job, pool] : pools) pool->Wait();
}

std::vector<TargetInfo> Manager::ActiveTargets() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<TargetInfo> out;
  for (const auto& [job, pool] : pools_) {
    auto ts = pool->ActiveTargets();
    for (auto& t : ts) out.push_back(std::move(t));
  }
  return out;
}

std::vector<DroppedTarget> Manager::DroppedTargets() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<DroppedTarget> out;
  for (const auto& [job, pool] : pools_) {
    auto ts = pool->DroppedTargets();
    for (auto& t : ts) out.push_back(std::move(t));
  }
  return out;
}

std::map<std::string, size_t> Manager::DroppedTargetCounts() const {
  std::lock_guard<std::mutex> l(mu_);
  std::map<std::string, size_t> out;
  for (const auto& [job, pool] : pools_) out[job] = pool->dropped_count();
  return out;
}

std::vector<std::string> Manager::ScrapePools() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> out;
  for (const auto& [job, sc] : configs_) out.push_back(job);
  return out;
}

ScrapePool* Manager::PoolForTesting(const std::string& job) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = pools_.find(job);
  return it == pools_.end() ? nullptr : it->second.get();
}

}  // namespace ward::scrape
