// Tests for rule unit testing (rules/unittest): Go formatting, strict
// decoding of test files, rule file globbing, and every testdata/*.yml test
// file run through the library (verdict from the file name: *_pass.yml
// must pass, *_fail.yml must fail), with exact output for some of them.
#include "rules/unittest/unittest.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rules/unittest/format.h"
#include "rules/unittest/test_file.h"

namespace ward::rules::unittest {
namespace {

namespace fs = std::filesystem;

std::string TestdataDir() { return std::string(WARD_SOURCE_DIR) + "/rules/unittest/testdata"; }

TEST(FormatTest, GoDurationString) {
  EXPECT_EQ(GoDurationString(0), "0s");
  EXPECT_EQ(GoDurationString(500), "500ms");
  EXPECT_EQ(GoDurationString(1500), "1.5s");
  EXPECT_EQ(GoDurationString(30000), "30s");
  EXPECT_EQ(GoDurationString(90000), "1m30s");
  EXPECT_EQ(GoDurationString(300000), "5m0s");
  EXPECT_EQ(GoDurationString(3600000), "1h0m0s");
  EXPECT_EQ(GoDurationString(90061001), "25h1m1.001s");
  EXPECT_EQ(GoDurationString(-60000), "-1m0s");
}

TEST(FormatTest, FormatFloatE) {
  EXPECT_EQ(FormatFloatE(50), "5E+01");
  EXPECT_EQ(FormatFloatE(0), "0E+00");
  EXPECT_EQ(FormatFloatE(0.1 + 0.2), "3.0000000000000004E-01");
  EXPECT_EQ(FormatFloatE(1.5e-7), "1.5E-07");
  EXPECT_EQ(FormatFloatE(1e100), "1E+100");
  EXPECT_EQ(FormatFloatE(-2), "-2E+00");
  EXPECT_EQ(FormatFloatE(NAN), "NaN");
  EXPECT_EQ(FormatFloatE(INFINITY), "+Inf");
  EXPECT_EQ(FormatFloatE(-INFINITY), "-Inf");
}

TEST(FormatTest, IndentLinesAndQuote) {
  EXPECT_EQ(IndentLines("a\nb\nc", "  "), "a\n  b\n  c");
  EXPECT_EQ(IndentLines("a", "  "), "a");
  EXPECT_EQ(IndentLines("a\n", "  "), "a\n  ");
  EXPECT_EQ(GoQuote("up{a=\"b\"}\n"), "\"up{a=\\\"b\\\"}\\n\"");
}

TEST(TestFileTest, DecodesEveryField) {
  auto tf = ParseTestFile(R"(
rule_files: [a.yml, 'rules/*.yml']
evaluation_interval: 30s
fuzzy_compare: true
group_eval_order: [g1, g2]
tests:
  - name: t1
    interval: 15s
    start_timestamp: 2021-01-01T00:00:00Z
    external_labels: {cluster: c1}
    external_url: http://x
    input_series:
      - series: 'up{job="a"}'
        values: '1+1x3 _ stale'
    alert_rule_test:
      - eval_time: 1m30s
        groupname: g1
        alertname: A
        exp_alerts:
          - exp_labels: {severity: page}
            exp_annotations: {summary: s}
    promql_expr_test:
      - expr: up
        eval_time: 2m
        exp_samples:
          - labels: 'up{job="a"}'
            value: 1e3
          - labels: '{}'
            value: -.inf
  - start_timestamp: 1609459200
)");
  ASSERT_TRUE(tf.ok()) << tf.status().ToString();
  EXPECT_EQ(tf->rule_files, (std::vector<std::string>{"a.yml", "rules/*.yml"}));
  EXPECT_EQ(tf->evaluation_interval_ms, 30000);
  EXPECT_TRUE(tf->fuzzy_compare);
  EXPECT_EQ(tf->group_eval_order, (std::vector<std::string>{"g1", "g2"}));
  ASSERT_EQ(tf->tests.size(), 2u);
  const TestGroup& g = tf->tests[0];
  EXPECT_EQ(g.name, "t1");
  EXPECT_EQ(g.interval_ms, 15000);
  EXPECT_EQ(g.start_timestamp_ms, 1609459200000);
  EXPECT_EQ(g.external_labels.at("cluster"), "c1");
  EXPECT_EQ(g.external_url, "http://x");
  ASSERT_EQ(g.input_series.size(), 1u);
  EXPECT_EQ(g.input_series[0].values, "1+1x3 _ stale");
  ASSERT_EQ(g.alert_rule_test.size(), 1u);
  EXPECT_EQ(g.alert_rule_test[0].eval_time_ms, 90000);
  EXPECT_EQ(g.alert_rule_test[0].groupname, "g1");
  EXPECT_EQ(g.alert_rule_test[0].exp_alerts[0].exp_labels.at("severity"), "page");
  ASSERT_EQ(g.promql_expr_test[0].exp_samples.size(), 2u);
  EXPECT_EQ(g.promql_expr_test[0].exp_samples[0].value, 1000);
  EXPECT_EQ(g.promql_expr_test[0].exp_samples[1].value, -INFINITY);
  EXPECT_EQ(tf->tests[1].start_timestamp_ms, 1609459200000);
  EXPECT_EQ(tf->tests[1].interval_ms, 0);  // the runner applies evaluation_interval
}

TEST(TestFileTest, EmptyFileHasDefaults) {
  auto tf = ParseTestFile("");
  ASSERT_TRUE(tf.ok()) << tf.status().ToString();
  EXPECT_EQ(tf->evaluation_interval_ms, 0);
  EXPECT_TRUE(tf->tests.empty());
}

TEST(TestFileTest, UnknownFieldsAreAllReported) {
  const char* kYaml =
      "rule_files: []\n"
      "tests:\n"
      "  - interval: 1m\n"
      "    bogus: 1\n"
      "    input_series:\n"
      "      - series: x\n"
      "        valuez: '1'\n"
      "extra: true\n";
  auto tf = ParseTestFile(kYaml);
  ASSERT_FALSE(tf.ok());
  EXPECT_EQ(tf.status().message(),
            "yaml: unmarshal errors:\n"
            "  line 4: field bogus not found in type main.testGroup\n"
            "  line 7: field valuez not found in type main.series\n"
            "  line 8: field extra not found in type main.unitTestFile");
  auto ignored = ParseTestFile(kYaml, /*ignore_unknown_fields=*/true);
  ASSERT_TRUE(ignored.ok()) << ignored.status().ToString();
  EXPECT_EQ(ignored->tests[0].input_series[0].series, "x");
}

TEST(TestFileTest, BadValues) {
  auto dur = ParseTestFile("evaluation_interval: 1 minute\n");
  ASSERT_FALSE(dur.ok());
  EXPECT_EQ(dur.status().message(), "not a valid duration string: \"1 minute\"");

  auto flt = ParseTestFile(
      "tests:\n  - promql_expr_test:\n      - exp_samples:\n          - value: abc\n");
  ASSERT_FALSE(flt.ok());
  EXPECT_EQ(flt.status().message(),
            "yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `abc` into float64");

  auto seq = ParseTestFile("tests: {a: b}\n");
  ASSERT_FALSE(seq.ok());
  EXPECT_NE(seq.status().message().find("into []main.testGroup"), std::string::npos);

  auto dup = ParseTestFile("evaluation_interval: 1m\nevaluation_interval: 2m\n");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("line 2: key \"evaluation_interval\" already set in map"),
            std::string::npos)
      << dup.status().message();

  auto syntax = ParseTestFile("tests: [\n");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().message().substr(0, 11), "yaml: line ");

  // yaml.v2's wording for common syntax errors.
  auto mapping = ParseTestFile("tests:\n  - interval: 1m\n    input_series: x: y\n");
  ASSERT_FALSE(mapping.ok());
  EXPECT_EQ(mapping.status().message(),
            "yaml: line 3: mapping values are not allowed in this context");

  auto ts = ParseTestFile("tests:\n  - start_timestamp: yesterday\n");
  ASSERT_FALSE(ts.ok());
  EXPECT_NE(ts.status().message().find("start_timestamp"), std::string::npos);
}

TEST(TestFileTest, ResolveRuleFiles) {
  std::ostringstream warn;
  auto files = ResolveRuleFiles({"alerts.yml", "templates*.yml", "none-*.yml", "/abs/x.yml"},
                                TestdataDir(), warn);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_EQ(*files, (std::vector<std::string>{
                        TestdataDir() + "/alerts.yml", TestdataDir() + "/templates.yml",
                        TestdataDir() + "/templates2.yml", TestdataDir() + "/templates2_fail.yml",
                        TestdataDir() + "/templates_pass.yml"}));
  EXPECT_EQ(warn.str(), "  WARNING: no file match pattern " + TestdataDir() +
                            "/none-*.yml\n  WARNING: no file match pattern /abs/x.yml\n");
}

// Every *_pass.yml / *_fail.yml file of testdata/ gets its verdict.
TEST(RunTest, TestdataVerdicts) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(TestdataDir())) {
    std::string name = e.path().filename().string();
    bool pass = name.ends_with("_pass.yml");
    bool fail = name.ends_with("_fail.yml");
    if (!pass && !fail) continue;
    ++n;
    std::ostringstream out, err;
    int rc = RulesUnitTest({e.path().string()}, Options{}, out, err);
    EXPECT_EQ(rc, pass ? 0 : 1) << name << "\nstdout:\n" << out.str() << "\nstderr:\n" << err.str();
    if (pass) {
      EXPECT_NE(out.str().find("  SUCCESS\n"), std::string::npos) << name;
      EXPECT_EQ(err.str().find("FAILED"), std::string::npos) << name;
    } else {
      EXPECT_EQ(err.str().substr(0, 10), "  FAILED:\n") << name << ": " << err.str();
    }
  }
  EXPECT_GE(n, 15);
}

// The exact output promtool prints for example_fail.yml (checked against
// promtool 2.42, which prints this file the same as 3.x).
TEST(RunTest, ExampleFailOutput) {
  std::ostringstream out, err;
  const std::string path = TestdataDir() + "/example_fail.yml";
  int rc = RulesUnitTest({path}, Options{}, out, err);
  EXPECT_EQ(rc, 1);
  // One empty line per error, then one after the file.
  EXPECT_EQ(out.str(), "Unit Testing:  " + path + "\n" + std::string(6, '\n'));
  EXPECT_EQ(err.str(),
            R"X(  FAILED:
    name: wrong alerts,
    alertname: InstanceDown, time: 10m, 
        exp:[
            0:
              Labels:{alertname="InstanceDown", instance="localhost:9090", job="prometheus", severity="page"}
              Annotations:{summary="Instance localhost:9090 down"}
            ], 
        got:[
            0:
              Labels:{alertname="InstanceDown", instance="localhost:9090", job="prometheus", severity="page"}
              Annotations:{description="localhost:9090 of job prometheus has been down for more than 5 minutes.", summary="Instance localhost:9090 down"}
            ]
    name: wrong alerts,
    alertname: AnotherInstanceDown, time: 12m, 
        exp:[], 
        got:[
            0:
              Labels:{alertname="AnotherInstanceDown", instance="localhost:9090", job="prometheus", severity="page"}
              Annotations:{description="localhost:9090 of job prometheus has been down for more than 5 minutes.", summary="Instance localhost:9090 down"}
            ]
    expr: "go_goroutines > 5", time: 4m,
        exp: {__name__="go_goroutines", instance="localhost:9090", job="prometheus"} 5.1E+01
        got: {__name__="go_goroutines", instance="localhost:9090", job="prometheus"} 5E+01
    expr: "sum(go_goroutines)", time: 1m,
        exp: {} 2E+01, {job="x"} 1.5E-07
        got: {} 2E+01
    expr: "go_goroutines offset 10m", time: 2m,
        exp: {__name__="go_goroutines", job="prometheus"} 1E+01
        got: nil
)X");
}

TEST(RunTest, EvalErrorStopsGroup) {
  std::ostringstream out, err;
  int rc = RulesUnitTest({TestdataDir() + "/eval_error_fail.yml"}, Options{}, out, err);
  EXPECT_EQ(rc, 1);
  const std::string e = err.str();
  EXPECT_NE(e.find("    rule: TooMany, time: 2m0s, err: vector contains metrics with the same "
                   "labelset after applying alert labels\n"),
            std::string::npos)
      << e;
  // Evaluation stopped at 2m: the PromQL tests never ran.
  EXPECT_EQ(e.find("expr:"), std::string::npos) << e;
}

TEST(RunTest, RunFilterAndCaseNames) {
  Options opts;
  opts.run = {"^unix", "^defaults"};
  std::ostringstream out, err;
  FileResult fr = RunTestFile(TestdataDir() + "/v3_features_pass.yml", opts, out, err);
  EXPECT_TRUE(fr.ok());
  ASSERT_EQ(fr.cases.size(), 2u);
  EXPECT_EQ(fr.cases[0].name, "defaults and fuzzy values");
  EXPECT_EQ(fr.cases[1].name, "unix start timestamp");

  // Unnamed groups are "unnamed#<index>" and never match a --run pattern
  // that needs characters.
  FileResult all = RunTestFile(TestdataDir() + "/example_fail.yml", Options{}, out, err);
  ASSERT_EQ(all.cases.size(), 2u);
  EXPECT_EQ(all.cases[0].name, "wrong alerts");
  EXPECT_EQ(all.cases[1].name, "unnamed#1");
  EXPECT_EQ(all.cases[0].failures.size(), 2u);
  EXPECT_EQ(all.cases[1].failures.size(), 3u);
  opts.run = {"wrong"};
  FileResult some = RunTestFile(TestdataDir() + "/example_fail.yml", opts, out, err);
  ASSERT_EQ(some.cases.size(), 1u);
  EXPECT_EQ(some.errors.size(), 2u);

  opts.run = {"("};
  FileResult bad = RunTestFile(TestdataDir() + "/example_fail.yml", opts, out, err);
  EXPECT_FALSE(bad.ok());
}

// Input the runner cannot use fails the test group with a message.
TEST(RunTest, BadInputSeries) {
  const fs::path dir =
      fs::temp_directory_path() / ("ward-rules-unittest-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "t.yml").string();
  std::ofstream(path) << "tests:\n"
                         "  - interval: 1m\n"
                         "    input_series:\n"
                         "      - series: 'h'\n"
                         "        values: '{{schema:0 sum:1 count:1}}x2'\n"
                         "  - interval: 1m\n"
                         "    input_series:\n"
                         "      - series: 'up{'\n"
                         "        values: '1 2'\n"
                         "      - series: 'ok'\n"
                         "        values: '1 x 2'\n";
  std::ostringstream out, err;
  FileResult fr = RunTestFile(path, Options{}, out, err);
  fs::remove_all(dir);
  ASSERT_EQ(fr.cases.size(), 2u);
  ASSERT_EQ(fr.cases[0].failures.size(), 1u);
  EXPECT_EQ(fr.cases[0].failures[0],
            "input series \"h\": native histogram samples are not supported by ward yet");
  ASSERT_EQ(fr.cases[1].failures.size(), 1u);
  EXPECT_NE(fr.cases[1].failures[0].find("parse error"), std::string::npos)
      << fr.cases[1].failures[0];
}

// fuzzy_compare lets values one ulp apart through, not three.
TEST(RunTest, FuzzyCompare) {
  const fs::path dir =
      fs::temp_directory_path() / ("ward-rules-fuzzy-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "t.yml").string();
  std::ofstream(path) << "fuzzy_compare: true\n"
                         "tests:\n"
                         "  - name: close\n"
                         "    input_series:\n"
                         "      - {series: low, values: '2.9999999999999996'}\n"
                         "      - {series: high, values: '3.0000000000000004'}\n"
                         "    promql_expr_test:\n"
                         "      - {expr: low, exp_samples: [{labels: low, value: 3}]}\n"
                         "      - {expr: high, exp_samples: [{labels: high, value: 3}]}\n"
                         "      - {expr: 0/0, exp_samples: [{labels: '{}', value: .nan}]}\n"
                         "  - name: far\n"
                         "    input_series:\n"
                         "      - {series: low, values: '2.9999999999999987'}\n"
                         "      - {series: high, values: '3.0000000000000013'}\n"
                         "    promql_expr_test:\n"
                         "      - {expr: low, exp_samples: [{labels: low, value: 3}]}\n"
                         "      - {expr: high, exp_samples: [{labels: high, value: 3}]}\n";
  std::ostringstream out, err;
  FileResult fr = RunTestFile(path, Options{}, out, err);
  fs::remove_all(dir);
  ASSERT_EQ(fr.cases.size(), 2u);
  EXPECT_TRUE(fr.cases[0].failures.empty()) << fr.cases[0].failures[0];
  EXPECT_EQ(fr.cases[1].failures.size(), 2u);
}

// --enable-feature=promql-experimental-functions reaches the engine.
TEST(RunTest, ExperimentalFunctions) {
  const fs::path dir = fs::temp_directory_path() / ("ward-rules-exp-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "t.yml").string();
  std::ofstream(path) << "tests:\n"
                         "  - interval: 1m\n"
                         "    input_series:\n"
                         "      - {series: 'up{a=\"1\"}', values: '1'}\n"
                         "    promql_expr_test:\n"
                         "      - expr: limitk(1, up)\n"
                         "        exp_samples: [{labels: 'up{a=\"1\"}', value: 1}]\n";
  std::ostringstream out, err;
  FileResult off = RunTestFile(path, Options{}, out, err);
  Options opts;
  opts.experimental_functions = true;
  FileResult on = RunTestFile(path, opts, out, err);
  fs::remove_all(dir);
  ASSERT_EQ(off.errors.size(), 1u);
  EXPECT_NE(off.errors[0].find("err: "), std::string::npos) << off.errors[0];
  EXPECT_TRUE(on.ok()) << on.errors[0];
}

TEST(RunTest, MissingFileAndJUnit) {
  std::ostringstream out, err;
  std::vector<FileResult> results;
  const std::string missing = TestdataDir() + "/does_not_exist.yml";
  int rc =
      RulesUnitTest({missing, TestdataDir() + "/example_fail.yml"}, Options{}, out, err, &results);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.str().find("open " + missing + ": no such file or directory\n"), std::string::npos)
      << err.str();
  ASSERT_EQ(results.size(), 2u);
  std::string xml = JUnitXML(results);
  // Go's encoding/xml: one line, no declaration.
  EXPECT_EQ(xml.substr(0, 13),
            "<testsuites>"
            "<")
      << xml;
  EXPECT_EQ(xml.find('\n'), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testsuite name=\"" + missing +
                     "\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" timestamp=\"\">"
                     "<testcase name=\"unknown\"><error>open " +
                     missing + ": no such file or directory</error></testcase></testsuite>"),
            std::string::npos)
      << xml;
  // One failure per message (2 + 3), one case per test group.
  EXPECT_NE(xml.find("tests=\"2\" failures=\"5\" errors=\"0\" skipped=\"0\" timestamp=\"20"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testcase name=\"wrong alerts\"><failure>    name: wrong alerts,&#xA;"),
            std::string::npos)
      << xml;
  EXPECT_NE(
      xml.find("<testcase name=\"unnamed#1\"><failure>    expr: &#34;go_goroutines &gt; 5&#34;"),
      std::string::npos)
      << xml;
  EXPECT_EQ(xml.substr(xml.size() - 13), "</testsuites>");
}

}  // namespace
}  // namespace ward::rules::unittest
