// Test helpers for rules/ tests: an in-memory head, an engine, Options with
// an injected clock, and raw reads of stored samples (stale markers
// included). Test-only; not part of ward_rules.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/rulefmt/rulefmt.h"
#include "promql/engine.h"
#include "rules/group.h"
#include "rules/rule.h"
#include "storage/interface.h"
#include "tsdb/head.h"
#include "util/metrics.h"

namespace ward::rules::testing {

inline constexpr int64_t kT0 = 1700000000000;  // 2023-11-14T22:13:20Z, whole minute
inline constexpr int64_t kMin = 60000;

struct Env {
  Env() {
    tsdb::HeadOptions ho;
    ho.chunk_range_ms = 24 * 60 * 60 * 1000LL;
    head = std::make_unique<tsdb::Head>(ho, nullptr, nullptr);
    engine = std::make_unique<promql::Engine>(promql::EngineOptions{});
  }

  // Options bound to this env; `now` is the injected wall clock.
  std::shared_ptr<Options> MakeOptions() {
    auto o = std::make_shared<Options>();
    o->engine = engine.get();
    o->queryable = head.get();
    o->appendable = head.get();
    o->registry = &registry;
    o->now_ms = [this] { return now; };
    o->notify = [this](std::vector<notifier::Alert> as) {
      for (auto& a : as) sent.push_back(std::move(a));
      ++notify_calls;
    };
    return o;
  }

  void Add(const labels::Labels& l, int64_t t, double v) {
    auto app = head->NewAppender();
    auto r = app->Append(0, l, t, v);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(app->Commit().ok());
  }

  // Every stored sample of the series matching `name` and `extra` equality matchers.
  std::vector<std::pair<labels::Labels, std::vector<std::pair<int64_t, double>>>> Raw(
      std::string_view name, std::vector<std::pair<std::string, std::string>> extra = {}) {
    std::vector<std::pair<labels::Labels, std::vector<std::pair<int64_t, double>>>> out;
    auto q = head->NewQuerier(0, INT64_MAX);
    EXPECT_TRUE(q.ok());
    if (!q.ok()) return out;
    std::vector<labels::Matcher> ms;
    ms.push_back(*labels::Matcher::Make(labels::MatchType::kEqual, "__name__", name));
    for (auto& [k, v] : extra)
      ms.push_back(*labels::Matcher::Make(labels::MatchType::kEqual, k, v));
    auto set = (*q)->Select(true, nullptr, ms);
    while (set->Next()) {
      std::vector<std::pair<int64_t, double>> samples;
      auto it = set->At().Iterator();
      while (it->Next() == storage::ValueType::kFloat) {
        int64_t t;
        double v;
        it->At(&t, &v);
        samples.emplace_back(t, v);
      }
      out.emplace_back(set->At().Labels(), std::move(samples));
    }
    return out;
  }

  std::shared_ptr<Group> MakeGroup(std::string_view yaml, std::shared_ptr<const Options> opts,
                                   bool should_restore = false, size_t index = 0) {
    auto rgs = rulefmt::Parse(yaml, "rules.yml");
    EXPECT_TRUE(rgs.ok()) << rgs.status().ToString();
    if (!rgs.ok() || rgs->groups.size() <= index) return nullptr;
    auto g = Group::Make(rgs->groups[index], "rules.yml", std::move(opts), should_restore);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return g.ok() ? *g : nullptr;
  }

  std::unique_ptr<tsdb::Head> head;
  std::unique_ptr<promql::Engine> engine;
  metrics::Registry registry;
  int64_t now = kT0;
  std::vector<notifier::Alert> sent;
  int notify_calls = 0;
};

inline labels::Labels L(std::initializer_list<std::pair<std::string_view, std::string_view>> p) {
  return labels::Labels(p);
}

}  // namespace ward::rules::testing
