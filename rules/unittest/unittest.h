// Rule unit tests as `promtool test rules` runs them (Prometheus 3.x
// cmd/promtool/unittest.go): for each test group of a test file, the input
// series are loaded lazily into an in-memory head, every rule group of the
// rule files is evaluated (group_eval_order first) at each
// evaluation_interval step from the start to the largest eval_time, the
// firing alerts are compared with alert_rule_test at their eval_time, and
// promql_expr_test expressions are run through the engine at the end.
// Output, failure messages and exit status are promtool's, byte for byte
// where ward's engine words errors the same way.
// Thread safety: each call builds its own storage, engine and rules; calls
// are independent and may run concurrently.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "promql/engine.h"
#include "rules/unittest/test_file.h"

namespace ward::rules::unittest {

struct Options {
  // --run: only test groups whose name matches one of these RE2 patterns
  // (unanchored, joined with '|'). Empty: every group.
  std::vector<std::string> run;
  // --ignore-unknown-fields: skip unknown keys in test files (rule files
  // are still decoded strictly).
  bool ignore_unknown_fields = false;
  // --debug: after each test group, print every series it holds ("DEBUG:
  // Dump of all data ...") to `out`.
  bool debug = false;
  // --enable-feature=promql-experimental-functions and
  // promql-delayed-name-removal.
  bool experimental_functions = false;
  bool delayed_name_removal = false;
};

// The outcome of one test group (a JUnit test case).
struct CaseResult {
  std::string name;                   // name, or "unnamed#<index>"
  std::vector<std::string> failures;  // error texts, as printed
};

// The outcome of one test file (a JUnit test suite).
struct FileResult {
  std::string file;
  std::vector<std::string> errors;  // everything printed after "  FAILED:"
  std::string abort_error;          // the file itself failed (read/YAML/order)
  std::string timestamp;            // local start time "2006-01-02T15:04:05" once decoded
  std::vector<CaseResult> cases;
  bool ok() const { return errors.empty(); }
};

// Runs one test file. Writes "Unit Testing:  <file>" to `out` first and
// glob warnings to `err`; the verdict lines are RulesUnitTest's business.
FileResult RunTestFile(const std::string& path, const Options& opts, std::ostream& out,
                       std::ostream& err);

// Runs every file and prints as promtool does: per file "  SUCCESS" on
// `out`, or "  FAILED:" and each error on `err` (each followed by an empty
// line on `out`), then an empty line. Returns 0 when all passed, else 1.
// `results` (may be null) receives the per-file results (for --junit).
int RulesUnitTest(const std::vector<std::string>& files, const Options& opts, std::ostream& out,
                  std::ostream& err, std::vector<FileResult>* results = nullptr);

// JUnit XML of the results, as promtool 3.x's --junit writes it (Go's
// encoding/xml: one line, no declaration): per file a <testsuite> with
// tests/failures (failure messages)/errors/skipped/timestamp attributes, per
// test group a <testcase> with one <failure> per message; a file that could
// not run has errors="1" and an <error> on its last (or an "unknown") case.
std::string JUnitXML(const std::vector<FileResult>& results);

}  // namespace ward::rules::unittest
