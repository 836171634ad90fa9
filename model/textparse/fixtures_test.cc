// Parses real exporter output captured in ../shared/fixtures (etcd 3.4,
// node_exporter 1.5, RabbitMQ 3.10) and fuzzes both parsers with truncated
// and mutated slices of the etcd body: they must never crash or hang.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "model/textparse/openmetricsparse.h"
#include "model/textparse/promparse.h"
#include "model/textparse/test_util.h"

namespace ward::textparse {
namespace {

using testing::Item;
using testing::ParseAll;


#define LOAD_FIXTURE_OR_SKIP(var, name)                     \
  std::string var = testing::ReadSharedFixture(name);       \
  if (var.empty())                                          \
  GTEST_SKIP() << "fixture " << name << " not found under " \
               << "../shared/fixtures (shared test data absent)"

struct Counts {
  size_t series = 0, help = 0, type = 0, comment = 0;
};

Counts Count(const std::vector<Item>& items) {
  Counts c;
  for (const Item& it : items) {
    switch (it.entry) {
      case Entry::kSeries:
        c.series++;
        break;
      case Entry::kHelp:
        c.help++;
        break;
      case Entry::kType:
        c.type++;
        break;
      case Entry::kComment:
        c.comment++;
        break;
      default:
        break;
    }
  }
  return c;
}

const Item* FindSeries(const std::vector<Item>& items, std::string_view series) {
  for (const Item& it : items) {
    if (it.entry == Entry::kSeries && it.m == series) return &it;
  }
  return nullptr;
}

TEST(TextparseFixturesTest, Etcd) {
  LOAD_FIXTURE_OR_SKIP(body, "etcd-3.4-metrics.txt");
  PromParser p(body);
  Status st;
  std::vector<Item> items = ParseAll(p, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  Counts c = Count(items);
  EXPECT_EQ(c.series, 1291u);
  EXPECT_EQ(c.help, 127u);
  EXPECT_EQ(c.type, 127u);
  EXPECT_EQ(c.comment, 0u);

  const Item* it = FindSeries(items, "etcd_server_version{server_version=\"3.4.23\"}");
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->v, 1);
  EXPECT_EQ(it->lset, "{__name__=\"etcd_server_version\", server_version=\"3.4.23\"}");
  EXPECT_FALSE(it->ts.has_value());

  it = FindSeries(items, "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"}");
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->v, 9);
  EXPECT_EQ(it->lset, "{__name__=\"etcd_disk_wal_fsync_duration_seconds_bucket\", le=\"0.001\"}");

  it = FindSeries(items, "etcd_debugging_lease_ttl_total_bucket{le=\"1.048576e+06\"}");
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->lset, "{__name__=\"etcd_debugging_lease_ttl_total_bucket\", le=\"1.048576e+06\"}");

  it = FindSeries(items, "go_gc_duration_seconds{quantile=\"1\"}");
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->v, 0.006553039);
  EXPECT_EQ(it->lset, "{__name__=\"go_gc_duration_seconds\", quantile=\"1.0\"}");

  it = FindSeries(items, "etcd_server_has_leader");
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->v, 1);

  size_t inf_buckets = 0;
  for (const Item& i : items) {
    if (i.entry == Entry::kSeries && i.lset.find("le=\"+Inf\"") != std::string::npos) inf_buckets++;
  }
  EXPECT_EQ(inf_buckets, 20u);
}

TEST(TextparseFixturesTest, EtcdAsOpenMetricsMatchesText) {
  LOAD_FIXTURE_OR_SKIP(body, "etcd-3.4-metrics.txt");
  PromParser text(body);
  Status st;
  std::vector<Item> a = ParseAll(text, &st);
  ASSERT_TRUE(st.ok());
  std::string om = body + "# EOF\n";
  OpenMetricsParser omp(om);
  std::vector<Item> b = ParseAll(omp, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); i++) {
    EXPECT_EQ(a[i].entry, b[i].entry);
    EXPECT_EQ(a[i].m, b[i].m);
    EXPECT_EQ(a[i].lset, b[i].lset);
    EXPECT_EQ(a[i].help, b[i].help);
    if (!std::isnan(a[i].v)) {
      EXPECT_EQ(a[i].v, b[i].v);
    }
  }
}

TEST(TextparseFixturesTest, NodeExporter) {
  LOAD_FIXTURE_OR_SKIP(body, "node-exporter-1.5-metrics.txt");
  PromParser p(body);
  Status st;
  std::vector<Item> items = ParseAll(p, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  Counts c = Count(items);
  EXPECT_EQ(c.series, 507u);
  EXPECT_EQ(c.help, 283u);
  EXPECT_EQ(c.type, 283u);
  const Item* it = FindSeries(items, "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}");
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->v, 301.87);
  EXPECT_EQ(it->lset, "{__name__=\"node_cpu_seconds_total\", cpu=\"0\", mode=\"idle\"}");
  bool found_uname = false;
  for (const Item& i : items) {
    if (i.entry == Entry::kSeries && i.m.rfind("node_uname_info{", 0) == 0) {
      found_uname = true;
      EXPECT_EQ(
          i.lset,
          "{__name__=\"node_uname_info\", domainname=\"(none)\", machine=\"x86_64\", "
          "nodename=\"vm\", "
          "release=\"6.18.44-fc-v595\", sysname=\"Linux\", version=\"#1 SMP PREEMPT_DYNAMIC @0\"}");
    }
  }
  EXPECT_TRUE(found_uname);
}

TEST(TextparseFixturesTest, RabbitMQ) {
  LOAD_FIXTURE_OR_SKIP(body, "rabbitmq-3.10-metrics.txt");
  PromParser p(body);
  Status st;
  std::vector<Item> items = ParseAll(p, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  Counts c = Count(items);
  EXPECT_EQ(c.series, 673u);
  EXPECT_EQ(c.help, 222u);
  EXPECT_EQ(c.type, 222u);
  std::map<std::string, MetricType> types;
  for (const Item& i : items) {
    if (i.entry == Entry::kType) types[i.m] = i.typ;
  }
  EXPECT_EQ(types["rabbitmq_build_info"], MetricType::kUnknown);  // "untyped"
  EXPECT_EQ(types["erlang_mnesia_held_locks"], MetricType::kGauge);
  bool found = false;
  for (const Item& i : items) {
    if (i.entry == Entry::kSeries && i.m.rfind("rabbitmq_build_info{", 0) == 0) {
      found = true;
      EXPECT_EQ(i.v, 1);
      EXPECT_EQ(i.lset,
                "{__name__=\"rabbitmq_build_info\", erlang_version=\"25.2.3\", "
                "prometheus_client_version=\"4.9.1\", prometheus_plugin_version=\"3.10.8\", "
                "rabbitmq_version=\"3.10.8\"}");
    }
  }
  EXPECT_TRUE(found);
}

// Runs a parser over `body` and touches every accessor of every entry.
void Exercise(Parser& p) {
  labels::Labels ls;
  std::string help;
  for (int n = 0; n < 100000; n++) {
    Result<Entry> r = p.Next();
    if (!r.ok()) {
      EXPECT_TRUE(r.status().IsInvalidArgument());
      EXPECT_FALSE(r.status().message().empty());
      return;
    }
    switch (*r) {
      case Entry::kEOF:
        return;
      case Entry::kSeries: {
        std::string_view s;
        std::optional<int64_t> ts;
        double v;
        p.Series(&s, &ts, &v);
        p.Metric(&ls);
        EXPECT_FALSE(ls.empty());
        Exemplar e;
        p.GetExemplar(&e);
        break;
      }
      case Entry::kHelp: {
        std::string_view m;
        p.Help(&m, &help);
        break;
      }
      case Entry::kType: {
        std::string_view m;
        MetricType t;
        p.Type(&m, &t);
        break;
      }
      case Entry::kUnit: {
        std::string_view m, u;
        p.Unit(&m, &u);
        break;
      }
      case Entry::kComment: {
        std::string_view c;
        p.Comment(&c);
        break;
      }
      default:
        break;
    }
  }
  ADD_FAILURE() << "parser did not terminate";
}

TEST(TextparseFixturesTest, FuzzTruncationsAndMutations) {
  LOAD_FIXTURE_OR_SKIP(body, "etcd-3.4-metrics.txt");
  std::mt19937_64 rng(20261126);
  // Truncations of the whole body at 300 random points.
  for (int i = 0; i < 300; i++) {
    std::string cut = body.substr(0, rng() % (body.size() + 1));
    PromParser p(cut);
    Exercise(p);
    std::string om = cut + "# EOF\n";
    OpenMetricsParser o(om);
    Exercise(o);
  }
  // Mutations of random 2 KiB windows, with bytes that matter to the lexers.
  static const char kBytes[] = "{}=\",\\\n \t#.eE+-_pxX0123456789aZ\xff\xc3\r";
  const size_t kAlphabet = sizeof(kBytes) - 1;
  for (int i = 0; i < 4000; i++) {
    size_t start = rng() % body.size();
    std::string w = body.substr(start, 2048);
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !w.empty(); e++) {
      size_t pos = rng() % w.size();
      switch (rng() % 3) {
        case 0:
          w[pos] = kBytes[rng() % kAlphabet];
          break;
        case 1:
          w.insert(pos, 1, kBytes[rng() % kAlphabet]);
          break;
        case 2:
          w.erase(pos, 1 + rng() % 8);
          break;
      }
    }
    if (rng() % 8 == 0) w.push_back('\0');
    PromParser p(w);
    Exercise(p);
    std::string om = (rng() % 2) ? w + "# EOF\n" : w;
    OpenMetricsParser o(om);
    Exercise(o);
  }
}

}  // namespace
}  // namespace ward::textparse
