#include "config/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "config/decode.h"

namespace ward::config {
namespace {

namespace fs = std::filesystem;

const std::string kTestdata = std::string(WARD_SOURCE_DIR) + "/config/testdata/";

struct BadCase {
  const char* file;
  const char* error;  // expected substring of the error, line included
};

// Every *.bad.yml in testdata must appear here (checked below).
const BadCase kBadCases[] = {
    {"unknown_field.bad.yml",
     "line 3: field scrape_intervall not found in type config.ScrapeConfig"},
    {"unknown_global_field.bad.yml",
     "line 3: field evaluation_intervall not found in type config.GlobalConfig"},
    {"unknown_top_level.bad.yml", "line 1: field scrape_config not found in type config.Config"},
    {"wrong_type_bool.bad.yml", "line 3: cannot unmarshal !!str `maybe` into bool"},
    {"wrong_type_uint.bad.yml", "line 3: cannot unmarshal !!int `-5` into uint"},
    {"wrong_type_list.bad.yml", "line 1: cannot unmarshal !!str `first.rules` into []string"},
    {"bad_duration.bad.yml", "line 2: not a valid duration string: \"1x\""},
    {"bad_duration_order.bad.yml", "line 3: not a valid duration string: \"5s1m\""},
    {"duplicate_job.bad.yml", "line 6: found multiple scrape configs with job name \"prometheus\""},
    {"duplicate_key.bad.yml",
     "line 3: field scrape_interval already set in type config.GlobalConfig"},
    {"section_key_dup.bad.yml", "line 3: field scrape_configs already set in type config.Config"},
    {"label_dup.bad.yml", "line 5: key \"a\" already set in map"},
    {"empty_action.bad.yml", "line 5: relabel action cannot be empty"},
    {"body_size_no_unit.bad.yml", "line 4: units: unknown unit  in 100"},
    {"remote_write_wrong_msg.bad.yml",
     "invalid protobuf_message value: unknown type for remote write protobuf message "
     "io.prometheus.writet.v2.Request, supported: prometheus.WriteRequest, "
     "io.prometheus.write.v2.Request"},
    {"empty_static_config.bad.yml", "empty or null section in static_configs"},
    {"empty_rw_relabel_config.bad.yml", "empty or null relabeling rule in remote write config"},
    {"validation_scheme.bad.yml", "line 2: unrecognized ValidationScheme: \"ascii\""},
    {"labelvalue.bad.yml", "line 6: \"\\xff\" is not a valid label value"},
    {"empty_job_name.bad.yml", "line 2: job_name is empty"},
    {"empty_scrape_config.bad.yml", "empty or null scrape config section"},
    {"invalid_scheme.bad.yml", "line 3: unknown scheme \"ftp\""},
    {"timeout_gt_interval.bad.yml",
     "line 4: scrape timeout greater than scrape interval for scrape config with job name "
     "\"prometheus\""},
    {"global_timeout_gt_interval.bad.yml",
     "line 3: global scrape timeout greater than scrape interval"},
    {"external_label_name.bad.yml", "line 4: \"not.valid\" is not a valid label name"},
    {"static_label_name.bad.yml", "line 6: \"\" is not a valid label name"},
    {"static_target_url.bad.yml", "\"http://localhost:9090/metrics\" is not a valid hostname"},
    {"static_unknown_field.bad.yml", "line 5: field label not found in type targetgroup.Group"},
    {"relabel_bad_regex.bad.yml", "line 5: error parsing regexp \"abc(def\""},
    {"relabel_missing_target.bad.yml",
     "line 4: relabel configuration for replace action requires 'target_label' value"},
    {"relabel_unknown_action.bad.yml", "line 5: unknown relabel action \"explode\""},
    {"relabel_hashmod_modulus.bad.yml",
     "line 4: relabel configuration for hashmod requires non-zero modulus"},
    {"relabel_labeldrop_extra.bad.yml",
     "line 4: labeldrop action requires only 'regex', and no other fields"},
    {"relabel_null_rule.bad.yml", "empty or null target relabeling rule in scrape config"},
    {"relabel_legacy_target.bad.yml",
     "line 6: \"not.legacy\" is invalid 'target_label' for replace action"},
    {"file_sd_bad_pattern.bad.yml",
     "line 4: path name \"targets/*/foo.json\" is not valid for file discovery"},
    {"file_sd_bad_extension.bad.yml", "path name \"targets.txt\" is not valid for file discovery"},
    {"file_sd_empty.bad.yml", "file service discovery config must contain at least one path name"},
    {"basic_auth_and_authorization.bad.yml",
     "line 6: at most one of basic_auth, oauth2 & authorization must be configured"},
    {"bearer_token_and_file.bad.yml",
     "line 4: at most one of bearer_token & bearer_token_file must be configured"},
    {"basic_auth_password_and_file.bad.yml",
     "at most one of basic_auth password & password_file must be configured"},
    {"authorization_basic.bad.yml",
     "authorization type cannot be set to \"basic\", use \"basic_auth\" instead"},
    {"tls_bad_version.bad.yml", "line 4: unknown TLS version: TLS99"},
    {"tls_cert_without_key.bad.yml",
     "exactly one of key or key_file must be configured when a client certificate"},
    {"bad_rule_path.bad.yml", "invalid rule file path \"rules/*/alerts.yml\""},
    {"scrape_protocols_unknown.bad.yml",
     "line 3: scrape_protocols: unknown scrape protocol Gopher"},
    {"scrape_protocols_dup.bad.yml",
     "duplicated protocol in scrape_protocols, got [PrometheusText0.0.4 prometheustext0.0.4] for "
     "global config"},
    {"scrape_protocols_empty.bad.yml",
     "scrape_protocols cannot be empty for scrape config with job name \"prometheus\""},
    {"fallback_protocol.bad.yml",
     "invalid fallback_scrape_protocol for scrape config with job name \"prometheus\""},
    {"remote_write_no_url.bad.yml", "line 2: url for remote_write is empty"},
    {"remote_write_reserved_header.bad.yml",
     "Content-Type is a reserved header. It must not be changed"},
    {"remote_write_dup_name.bad.yml", "found multiple remote write configs with job name \"same\""},
    {"remote_read_no_url.bad.yml", "line 2: url for remote_read is empty"},
    {"alertmanager_api_v1.bad.yml",
     "line 3: expected Alertmanager api version to be one of [v2] but got v1"},
    {"yaml_syntax.bad.yml", "yaml: line 3:"},
    {"body_size_limit.bad.yml", "line 2: units: unknown unit XB in 100XB"},
    {"escaping_scheme.bad.yml", "unknown scrape config name escaping method specified"},
    {"utf8_with_legacy.bad.yml",
     "utf8 metric names requested but validation scheme is not set to UTF8"},
    {"oauth2_missing_token_url.bad.yml", "line 4: oauth2 token_url must be configured"},
    {"http_header_reserved.bad.yml", "line 4: setting header \"User-Agent\" is not allowed"},
};

class BadConfigTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfigTest, FailsWithFileLineAndReason) {
  const BadCase& c = GetParam();
  const std::string path = kTestdata + c.file;
  auto cfg = LoadFile(path);
  ASSERT_FALSE(cfg.ok()) << c.file << " loaded";
  const std::string msg = cfg.status().ToString();
  EXPECT_TRUE(cfg.status().IsInvalidArgument()) << msg;
  EXPECT_EQ(msg.rfind("parsing YAML file " + path + ": ", 0), 0u) << msg;
  EXPECT_NE(msg.find(c.error), std::string::npos) << "got: " << msg << "\nwant: " << c.error;
}

INSTANTIATE_TEST_SUITE_P(Testdata, BadConfigTest, ::testing::ValuesIn(kBadCases),
                         [](const auto& info) {
                           std::string n = info.param.file;
                           n = n.substr(0, n.find('.'));
                           return n;
                         });

TEST(ConfigTest, EveryBadFileHasACase) {
  std::set<std::string> listed;
  for (const auto& c : kBadCases) listed.insert(c.file);
  int files = 0;
  for (const auto& e : fs::directory_iterator(kTestdata)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 8 && name.substr(name.size() - 8) == ".bad.yml") {
      ++files;
      EXPECT_TRUE(listed.count(name)) << name << " has no expected error in kBadCases";
    }
  }
  EXPECT_EQ(files, static_cast<int>(std::size(kBadCases)));
}

TEST(ConfigTest, EveryGoodFileLoads) {
  int files = 0;
  for (const auto& e : fs::directory_iterator(kTestdata)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 9 && name.substr(name.size() - 9) == ".good.yml") {
      ++files;
      auto cfg = LoadFile(e.path().string());
      EXPECT_TRUE(cfg.ok()) << name << ": " << cfg.status().ToString();
    }
  }
  EXPECT_GE(files, 5);
}

TEST(ConfigTest, EmptyConfigHasDefaults) {
  auto cfg = Load("", "");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->global.scrape_interval, 60000);
  EXPECT_EQ(cfg->global.scrape_timeout, 10000);
  EXPECT_EQ(cfg->global.evaluation_interval, 60000);
  EXPECT_EQ(cfg->global.rule_query_offset, 0);
  EXPECT_TRUE(cfg->global.external_labels.empty());
  EXPECT_TRUE(cfg->scrape_configs.empty());
  EXPECT_FALSE(cfg->storage.tsdb.has_value());
  // An empty global block still means the defaults.
  auto cfg2 = Load("global: {}\n", "");
  ASSERT_TRUE(cfg2.ok());
  EXPECT_EQ(cfg2->global.scrape_interval, 60000);
  EXPECT_EQ(cfg2->global.scrape_timeout, 10000);
}

TEST(ConfigTest, ScrapeDefaults) {
  auto cfg = Load("scrape_configs:\n  - job_name: node\n", "");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  ASSERT_EQ(cfg->scrape_configs.size(), 1u);
  const ScrapeConfig& sc = cfg->scrape_configs[0];
  EXPECT_EQ(sc.job_name, "node");
  EXPECT_EQ(sc.scrape_interval, 60000);
  EXPECT_EQ(sc.scrape_timeout, 10000);
  EXPECT_EQ(sc.metrics_path, "/metrics");
  EXPECT_EQ(sc.scheme, "http");
  EXPECT_FALSE(sc.honor_labels);
  EXPECT_TRUE(sc.honor_timestamps);
  EXPECT_FALSE(sc.track_timestamps_staleness);
  EXPECT_TRUE(sc.enable_compression);
  EXPECT_TRUE(sc.http_client_config.follow_redirects);
  EXPECT_TRUE(sc.http_client_config.enable_http2);
  EXPECT_EQ(sc.scrape_protocols,
            (std::vector<std::string>{"OpenMetricsText1.0.0", "OpenMetricsText0.0.1",
                                      "PrometheusText1.0.0", "PrometheusText0.0.4"}));
  EXPECT_EQ(sc.metric_name_validation_scheme, "utf8");
  EXPECT_EQ(sc.metric_name_escaping_scheme, "allow-utf-8");
  EXPECT_EQ(sc.sample_limit, 0u);
}

TEST(ConfigTest, TimeoutDefaultsToMinOfGlobalTimeoutAndInterval) {
  auto cfg = Load(
      "scrape_configs:\n"
      "  - job_name: fast\n    scrape_interval: 5s\n"
      "  - job_name: slow\n    scrape_interval: 2m\n",
      "");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->scrape_configs[0].scrape_timeout, 5000);
  EXPECT_EQ(cfg->scrape_configs[1].scrape_timeout, 10000);
}

TEST(ConfigTest, NativeHistogramsPutProtoFirst) {
  auto cfg = Load("scrape_configs:\n  - job_name: a\n    scrape_native_histograms: true\n", "");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->scrape_configs[0].scrape_protocols.front(), "PrometheusProto");
  EXPECT_EQ(cfg->scrape_configs[0].scrape_protocols.size(), 5u);
}

TEST(ConfigTest, GlobalsInherited) {
  auto cfg = LoadFile(kTestdata + "global_inherit.good.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  const auto& a = cfg->scrape_configs[0];
  const auto& b = cfg->scrape_configs[1];
  EXPECT_EQ(a.scrape_interval, 7000);
  EXPECT_EQ(a.scrape_timeout, 7000);
  EXPECT_EQ(a.sample_limit, 99u);
  EXPECT_EQ(a.scrape_protocols,
            (std::vector<std::string>{"PrometheusText0.0.4", "OpenMetricsText1.0.0"}));
  EXPECT_EQ(a.scrape_failure_log_file, kTestdata + "fail.log");
  EXPECT_EQ(b.scrape_interval, 3000);
  EXPECT_EQ(b.scrape_timeout, 3000);
  EXPECT_EQ(b.sample_limit, 5u);
  EXPECT_EQ(b.scrape_failure_log_file, "/var/log/b.log");
}

TEST(ConfigTest, FullConfig) {
  setenv("WARD_TEST_REGION", "eu-west", 1);
  auto cfg = LoadFile(kTestdata + "full.good.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  const Config& c = *cfg;
  EXPECT_EQ(c.source_file, kTestdata + "full.good.yml");

  // global
  EXPECT_EQ(c.global.scrape_interval, 15000);
  EXPECT_EQ(c.global.scrape_timeout, 5000);
  EXPECT_EQ(c.global.evaluation_interval, 30000);
  EXPECT_EQ(c.global.rule_query_offset, 60000);
  EXPECT_EQ(c.global.query_log_file, kTestdata + "query.log");
  EXPECT_EQ(c.global.external_labels.ToString(),
            R"({foo="bar", monitor="codelab", price="$5", region="eu-west"})");
  EXPECT_EQ(c.global.body_size_limit, 10 * 1024 * 1024);
  EXPECT_EQ(c.global.sample_limit, 1500u);
  EXPECT_EQ(c.global.keep_dropped_targets, 50u);

  // rule files resolved against the config dir; absolute kept
  EXPECT_EQ(c.rule_files,
            (std::vector<std::string>{kTestdata + "first.rules", kTestdata + "my/*.rules",
                                      "/absolute/third.rules"}));

  // alerting
  ASSERT_EQ(c.alerting.alert_relabel_configs.size(), 1u);
  EXPECT_EQ(c.alerting.alert_relabel_configs[0].action, relabel::Action::kDrop);
  ASSERT_EQ(c.alerting.alertmanagers.size(), 1u);
  const auto& am = c.alerting.alertmanagers[0];
  EXPECT_EQ(am.scheme, "https");
  EXPECT_EQ(am.timeout, 5000);
  EXPECT_EQ(am.path_prefix, "/alertmanager");
  EXPECT_EQ(am.static_configs[0].targets,
            (std::vector<std::string>{"1.2.3.4:9093", "1.2.3.5:9093"}));
  EXPECT_EQ(am.file_sd_configs[0].files, (std::vector<std::string>{kTestdata + "am/*.json"}));
  ASSERT_TRUE(am.http_client_config.basic_auth.has_value());
  EXPECT_EQ(am.http_client_config.basic_auth->password.value, "am-secret");

  ASSERT_EQ(c.scrape_configs.size(), 3u);
  // job 1
  const auto& p = c.scrape_configs[0];
  EXPECT_EQ(p.job_name, "prometheus");
  EXPECT_TRUE(p.honor_labels);
  EXPECT_EQ(p.scrape_interval, 15000);
  EXPECT_EQ(p.scrape_timeout, 5000);
  EXPECT_EQ(p.sample_limit, 1500u);
  ASSERT_EQ(p.static_configs.size(), 1u);
  EXPECT_EQ(p.static_configs[0].labels.ToString(), R"({my="label", your="label"})");
  ASSERT_EQ(p.file_sd_configs.size(), 2u);
  EXPECT_EQ(p.file_sd_configs[0].files[2], kTestdata + "single/file.yml");
  EXPECT_EQ(p.file_sd_configs[0].refresh_interval, 600000);
  EXPECT_EQ(p.file_sd_configs[1].refresh_interval, 300000);
  ASSERT_EQ(p.relabel_configs.size(), 6u);
  EXPECT_EQ(p.relabel_configs[0].regex.source(), "(.*)some-[regex]");
  EXPECT_EQ(p.relabel_configs[0].replacement, "foo-${1}");
  EXPECT_TRUE(p.relabel_configs[1].regex.IsDefault());
  EXPECT_EQ(p.relabel_configs[3].regex.source(), "");  // `regex:` with no value
  EXPECT_EQ(p.relabel_configs[4].action, relabel::Action::kKeepEqual);
  EXPECT_EQ(p.relabel_configs[5].action, relabel::Action::kDropEqual);
  ASSERT_TRUE(p.http_client_config.authorization.has_value());
  EXPECT_EQ(p.http_client_config.authorization->type, "Bearer");
  EXPECT_EQ(p.http_client_config.authorization->credentials_file, kTestdata + "valid_token_file");
  EXPECT_EQ(p.http_client_config.tls_config.min_version, "TLS10");

  // job 2
  const auto& x = c.scrape_configs[1];
  EXPECT_EQ(x.scrape_interval, 50000);
  EXPECT_EQ(x.scrape_timeout, 5000);
  EXPECT_EQ(x.scrape_protocols, (std::vector<std::string>{"PrometheusText0.0.4"}));
  EXPECT_EQ(x.fallback_scrape_protocol, "PrometheusText0.0.4");
  EXPECT_EQ(x.body_size_limit, 10 * 1024 * 1024);
  EXPECT_EQ(x.metrics_path, "/my_path");
  EXPECT_EQ(x.scheme, "https");
  EXPECT_FALSE(x.enable_compression);
  EXPECT_FALSE(x.honor_timestamps);
  EXPECT_TRUE(x.track_timestamps_staleness);
  EXPECT_EQ(x.params.at("target"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(x.http_client_config.basic_auth->username, "admin_name");
  const auto& hdr = x.http_client_config.http_headers.at("X-Tenant");
  EXPECT_EQ(hdr.values, (std::vector<std::string>{"team-a"}));
  EXPECT_EQ(hdr.secrets[0].value, "hush");
  EXPECT_EQ(hdr.files, (std::vector<std::string>{kTestdata + "header.txt"}));
  ASSERT_EQ(x.relabel_configs.size(), 8u);
  EXPECT_EQ(x.relabel_configs[1].action, relabel::Action::kHashMod);
  EXPECT_EQ(x.relabel_configs[1].modulus, 8u);
  EXPECT_EQ(x.relabel_configs[3].action, relabel::Action::kLabelMap);
  EXPECT_EQ(x.relabel_configs[6].action, relabel::Action::kLowercase);
  ASSERT_EQ(x.metric_relabel_configs.size(), 1u);

  // job 3: legacy bearer_token becomes authorization
  const auto& y = c.scrape_configs[2];
  ASSERT_TRUE(y.http_client_config.authorization.has_value());
  EXPECT_EQ(y.http_client_config.authorization->credentials.value, "mysecret");
  EXPECT_EQ(y.http_client_config.proxy_url, "http://proxy.example.com:3128");
  EXPECT_FALSE(y.http_client_config.follow_redirects);
  EXPECT_FALSE(y.http_client_config.enable_http2);
  EXPECT_EQ(y.http_client_config.tls_config.ca_file, kTestdata + "ca.crt");
  EXPECT_TRUE(y.http_client_config.tls_config.insecure_skip_verify);

  // remote write / read
  ASSERT_EQ(c.remote_write.size(), 2u);
  const auto& rw = c.remote_write[0];
  EXPECT_EQ(rw.url, "http://remote1/push");
  EXPECT_EQ(rw.remote_timeout, 10000);
  EXPECT_EQ(rw.headers.at("name"), "value");
  EXPECT_EQ(rw.write_relabel_configs.size(), 1u);
  EXPECT_EQ(rw.queue_config.capacity, 2500);
  EXPECT_EQ(rw.queue_config.max_backoff, 100);
  EXPECT_TRUE(rw.queue_config.retry_on_http_429);
  EXPECT_FALSE(rw.metadata_config.send);
  EXPECT_EQ(rw.metadata_config.send_interval, 120000);
  EXPECT_FALSE(rw.http_client_config.enable_http2);  // remote-write default
  ASSERT_TRUE(rw.http_client_config.oauth2.has_value());
  EXPECT_EQ(rw.http_client_config.oauth2->tls_config.cert_file, kTestdata + "valid_cert_file");
  EXPECT_EQ(c.remote_write[1].protobuf_message, "io.prometheus.write.v2.Request");
  EXPECT_EQ(c.remote_write[1].remote_timeout, 30000);
  ASSERT_EQ(c.remote_read.size(), 2u);
  EXPECT_TRUE(c.remote_read[0].read_recent);
  EXPECT_EQ(c.remote_read[0].required_matchers.at("job"), "special");
  EXPECT_FALSE(c.remote_read[0].filter_external_labels);
  EXPECT_TRUE(c.remote_read[1].filter_external_labels);
  EXPECT_EQ(c.remote_read[1].remote_timeout, 60000);

  // storage
  ASSERT_TRUE(c.storage.tsdb.has_value());
  EXPECT_EQ(c.storage.tsdb->out_of_order_time_window, 30 * 60000);
  ASSERT_TRUE(c.storage.exemplars.has_value());
  EXPECT_EQ(c.storage.exemplars->max_exemplars, 100000);

  // Parsed but unsupported settings are reported.
  EXPECT_NE(
      std::find(c.unsupported.begin(), c.unsupported.end(), "dns_sd_configs of job \"service-x\""),
      c.unsupported.end());
  EXPECT_NE(std::find(c.unsupported.begin(), c.unsupported.end(), "tracing"), c.unsupported.end());
}

TEST(ConfigTest, ToYAMLHidesSecretsAndRoundTrips) {
  auto cfg = LoadFile(kTestdata + "full.good.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  const std::string out = cfg->ToYAML();
  for (const char* secret : {"mysecret", "am-secret", "\"456\"", "hush"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " leaked:\n" << out;
  }
  EXPECT_NE(out.find("<secret>"), std::string::npos);
  EXPECT_NE(out.find("scrape_interval: 15s"), std::string::npos) << out;
  EXPECT_NE(out.find("job_name: service-x"), std::string::npos);
  EXPECT_NE(out.find("body_size_limit: 10MiB"), std::string::npos) << out;
  auto again = Load(out, "");
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << out;
  EXPECT_EQ(again->scrape_configs.size(), cfg->scrape_configs.size());
  EXPECT_EQ(again->scrape_configs[1].relabel_configs.size(), 8u);
  // (Values are env-expanded again on reload, as in Prometheus, so "$5" would not survive.)
  EXPECT_EQ(again->global.external_labels.Get("monitor"), "codelab");
  EXPECT_EQ(again->remote_write.size(), 2u);
}

TEST(ConfigTest, ScrapeConfigFilesAreMerged) {
  auto cfg = LoadFile(kTestdata + "scrape_config_files.good.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  ASSERT_EQ(cfg->scrape_configs.size(), 2u);
  EXPECT_EQ(cfg->scrape_configs[0].job_name, "main");
  EXPECT_EQ(cfg->scrape_configs[1].job_name, "extra");
  // Paths in a scrape config file are relative to that file.
  EXPECT_EQ(cfg->scrape_configs[1].file_sd_configs[0].files[0],
            kTestdata + "scrape_configs/extra/*.json");
}

TEST(ConfigTest, ScrapeConfigFilesDuplicateJob) {
  const fs::path dir = fs::temp_directory_path() / ("ward_config_test_" + std::to_string(getpid()));
  fs::create_directories(dir / "jobs");
  std::ofstream(dir / "main.yml")
      << "scrape_config_files: [jobs/*.yml]\nscrape_configs:\n  - job_name: a\n";
  std::ofstream(dir / "jobs" / "x.yml") << "scrape_configs:\n  - job_name: a\n";
  auto cfg = LoadFile((dir / "main.yml").string());
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(
      cfg.status().ToString().find(
          "found multiple scrape configs with job name \"a\", first found in main config file"),
      std::string::npos)
      << cfg.status().ToString();
  EXPECT_NE(cfg.status().ToString().find("x.yml"), std::string::npos);
  fs::remove_all(dir);
}

TEST(ConfigTest, AnchorsAndMergeKeys) {
  auto cfg = Load(
      "x-common: &common\n"
      "  scrape_interval: 30s\n"
      "  metrics_path: /probe\n"
      "scrape_configs:\n"
      "  - <<: *common\n"
      "    job_name: a\n"
      "  - <<: *common\n"
      "    job_name: b\n"
      "    metrics_path: /other\n",
      "");
  // x-common is not a Prometheus field.
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().ToString().find("field x-common not found"), std::string::npos);
  cfg = Load(
      "scrape_configs:\n"
      "  - &base\n"
      "    job_name: a\n"
      "    scrape_interval: 30s\n"
      "    metrics_path: /probe\n"
      "  - <<: *base\n"
      "    job_name: b\n"
      "    metrics_path: /other\n",
      "");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  ASSERT_EQ(cfg->scrape_configs.size(), 2u);
  EXPECT_EQ(cfg->scrape_configs[1].job_name, "b");
  EXPECT_EQ(cfg->scrape_configs[1].scrape_interval, 30000);
  EXPECT_EQ(cfg->scrape_configs[1].metrics_path, "/other");
}

TEST(ConfigTest, EqualityForReload) {
  auto a = LoadFile(kTestdata + "full.good.yml");
  auto b = LoadFile(kTestdata + "full.good.yml");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(*a == *b);
  EXPECT_TRUE(a->scrape_configs[1] == b->scrape_configs[1]);
  b->scrape_configs[1].relabel_configs[0].replacement = "x";
  EXPECT_FALSE(a->scrape_configs[1] == b->scrape_configs[1]);
  EXPECT_TRUE(a->scrape_configs[0] == b->scrape_configs[0]);
  ASSERT_TRUE(b->scrape_configs[0].relabel_configs[0].SetRegex("other").ok());
  EXPECT_FALSE(a->scrape_configs[0] == b->scrape_configs[0]);
}

TEST(ConfigTest, ExpandEnvLikeGoOsExpand) {
  setenv("WARD_X", "bar", 1);
  unsetenv("WARD_UNSET");
  const std::pair<const char*, const char*> cases[] = {
      {"plain", "plain"},     {"x$WARD_X", "xbar"},
      {"${WARD_X}y", "bary"}, {"$$WARD_X", "$WARD_X"},
      {"cost $", "cost $"},   {"a${}b", "ab"},
      {"$ x", "$ x"},         {"[$WARD_UNSET]", "[]"},
      {"${WARD_X", "WARD_X"}, {"$WARD_X$WARD_X", "barbar"}};
  for (const auto& [in, want] : cases) EXPECT_EQ(internal::ExpandEnv(in), want) << in;
}

TEST(ConfigTest, JoinDir) {
  EXPECT_EQ(internal::JoinDir("/etc/prom", "rules.yml"), "/etc/prom/rules.yml");
  EXPECT_EQ(internal::JoinDir("/etc/prom", "./rules.yml"), "/etc/prom/rules.yml");
  EXPECT_EQ(internal::JoinDir("/etc/prom", "/abs.yml"), "/abs.yml");
  EXPECT_EQ(internal::JoinDir("/etc/prom", ""), "");
  EXPECT_EQ(internal::JoinDir(".", "rules.yml"), "rules.yml");
  EXPECT_EQ(internal::JoinDir("", "rules.yml"), "rules.yml");
}

TEST(ConfigTest, LoadWithoutFileNameHasNoPrefix) {
  auto cfg = Load("global:\n  bogus: 1\n", "");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().ToString(), "line 2: field bogus not found in type config.GlobalConfig");
}

TEST(ConfigTest, MissingFile) {
  auto cfg = LoadFile(kTestdata + "does-not-exist.yml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_TRUE(cfg.status().IsIOError()) << cfg.status().ToString();
}

TEST(ConfigTest, GarbageNeverCrashes) {
  const char* inputs[] = {
      "[",
      "{a: [}",
      "- - -",
      "*alias",
      "&a [*a, *a]",
      "\t\x01\x02",
      "global: [1, 2]",
      "scrape_configs: {a: b}",
      "scrape_configs: [[]]",
      "scrape_configs:\n  - job_name: [a]\n",
      "global:\n  external_labels: [a]\n",
      "remote_write: 5",
      "alerting: {alertmanagers: [7]}",
      "scrape_configs:\n  - job_name: a\n    relabel_configs: {}\n",
      "? [a]\n: b\n",
      "scrape_configs:\n  - job_name: a\n    static_configs: [{targets: {a: b}}]\n",
      "global:\n  scrape_interval: 99999999999999999999y\n"};
  for (const char* in : inputs) {
    auto cfg = Load(in, "x.yml");
    EXPECT_FALSE(cfg.ok()) << in;
  }
}

}  // namespace
}  // namespace ward::config
