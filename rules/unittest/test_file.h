// The rule unit-test file of `promtool test rules` (Prometheus's
// cmd/promtool/unittest.go, docs configuration/unit_testing_rules.md):
// decoding a test file strictly, as yaml.v2's UnmarshalStrict does, into
// plain structs, and resolving its rule_files globs against the file's
// directory. The runner (unittest.h) executes what this produces.
// Thread safety: plain value types; the functions are pure and thread-safe
// (ResolveRuleFiles reads the file system).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace ward::rules::unittest {

// One `input_series` entry: a series selector and its expanding notation.
struct InputSeries {
  std::string series;
  std::string values;
};

struct ExpAlert {
  std::map<std::string, std::string> exp_labels;
  std::map<std::string, std::string> exp_annotations;
};

struct AlertTestCase {
  int64_t eval_time_ms = 0;
  std::string groupname;  // optional: only alerts of this rule group count
  std::string alertname;
  std::vector<ExpAlert> exp_alerts;
};

struct ExpSample {
  std::string labels;
  double value = 0;
};

struct PromqlTestCase {
  std::string expr;
  int64_t eval_time_ms = 0;
  std::vector<ExpSample> exp_samples;
};

// A `tests[]` entry.
struct TestGroup {
  int64_t interval_ms = 0;  // 0: the file's evaluation_interval
  std::vector<InputSeries> input_series;
  std::vector<AlertTestCase> alert_rule_test;
  std::vector<PromqlTestCase> promql_expr_test;
  std::map<std::string, std::string> external_labels;
  std::string external_url;
  std::string name;
  int64_t start_timestamp_ms = 0;  // base time of samples and eval_time (3.x)
};

struct TestFile {
  std::vector<std::string> rule_files;  // as written (see ResolveRuleFiles)
  int64_t evaluation_interval_ms = 0;   // 0 when absent (the runner uses 1m)
  bool fuzzy_compare = false;
  std::vector<std::string> group_eval_order;
  std::vector<TestGroup> tests;
};

// Decodes a test file. Errors read as promtool prints them: "yaml: line N:
// ..." for YAML syntax, "yaml: unmarshal errors:\n  line N: field x not
// found in type main.testGroup" for unknown fields and wrong types, and
// `not a valid duration string: "x"` for bad durations. With
// `ignore_unknown_fields` unknown keys are skipped (promtool
// --ignore-unknown-fields).
Result<TestFile> ParseTestFile(std::string_view yaml, bool ignore_unknown_fields = false);

// Joins relative rule_files with `base_dir` and expands globs (in file
// order, each glob's matches sorted). A pattern matching nothing writes
// "  WARNING: no file match pattern <pattern>" to `warn`, as promtool does.
// Fails only on a malformed pattern.
Result<std::vector<std::string>> ResolveRuleFiles(const std::vector<std::string>& patterns,
                                                  std::string_view base_dir, std::ostream& warn);

}  // namespace ward::rules::unittest
