// The promqltest script model and its parser: `load`, `load_with_nhcb`,
// `clear`, `eval` (and ward's `restart`) commands of Prometheus's PromQL test language, as
// specified in the conformance suite's FORMAT.md (sections 2-6). A whole file
// is parsed before anything runs; any error fails the file. The runner
// (runner.h) executes a parsed Script against the engine.
// Thread safety: plain value types; ParseScript is pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/labels/labels.h"
#include "promql/parser/ast.h"
#include "promql/parser/parse.h"
#include "util/result.h"

namespace ward::promql::promqltest {

// One series line of a `load` block or of an eval's expectations.
struct SeriesLine {
  labels::Labels labels;
  std::vector<parser::SequenceValue> values;
  int line = 0;  // 1-based line in the file
  // True when any slot holds a native histogram literal.
  bool HasHistogram() const;
};

struct LoadCmd {
  int line = 0;
  int64_t interval_ms = 0;
  bool with_nhcb = false;  // load_with_nhcb: classic -> custom-bucket histograms
  // In file order; a later line with the same labels replaced an earlier one.
  std::vector<SeriesLine> series;
  // Label sets that carried an `@st` (start timestamp) line.
  std::vector<labels::Labels> st_series;
};

struct ClearCmd {
  int line = 0;
};

// `restart` (a ward extension, STYLE.md section 7): close the storage and
// reopen it from its WAL; the data must read back the same. A script with a
// restart runs on a tsdb::DB in a temporary directory instead of a bare head.
struct RestartCmd {
  int line = 0;
};

// How an `expect ... msg:`/`regex:` text is matched; kAny for a bare line.
struct MessageMatch {
  enum class Kind { kAny, kExact, kRegex };
  Kind kind = Kind::kAny;
  std::string text;  // the message or the (unanchored, RE2) pattern
  // True when `s` satisfies this expectation.
  bool Matches(std::string_view s) const;
};

struct EvalCmd {
  int line = 0;
  std::string expr;
  bool is_range = false;
  // Instant: start == end == the evaluation time (or the `expect range
  // vector` end). Range and `expect range vector`: start, end, step.
  int64_t start_ms = 0, end_ms = 0, step_ms = 0;
  int64_t eval_ms = 0;  // instant evaluation time

  // Expectations (FORMAT.md 6.1). With expect_fail, the error text must
  // satisfy every entry of fail_checks (`expect fail msg:/regex:` and the
  // legacy expected_fail_message / expected_fail_regexp lines).
  bool expect_fail = false;
  std::vector<MessageMatch> fail_checks;
  std::vector<MessageMatch> warn, info;
  bool no_warn = false, no_info = false;
  bool legacy_warn = false, legacy_info = false;  // eval_warn / eval_info
  bool ordered = false;                           // expect ordered / eval_ordered
  bool expect_range_vector = false;
  std::optional<std::string> expect_string;
  // Result with no `expect range vector`/`expect string`: checked in range
  // mode too (FORMAT.md 7.1 step 2).
  bool exclude_from_range_check = false;

  // Expected results: a scalar, or series lines (each with its 1-based
  // position among the body lines, for ordered comparisons).
  std::optional<double> scalar;
  bool scalar_is_histogram = false;
  struct Expected {
    SeriesLine series;
    int pos = 0;
  };
  std::vector<Expected> expected;

  bool HasExpectedHistogram() const;
};

using Command = std::variant<LoadCmd, ClearCmd, RestartCmd, EvalCmd>;

struct Script {
  std::vector<Command> commands;
  int NumEvals() const;
  bool HasRestart() const;
};

// Parses a whole script. Errors are InvalidArgument "line N: ..." naming the
// first offending line; PromQL expressions are parsed with every feature of
// the test profile on (FORMAT.md section 1).
Result<Script> ParseScript(std::string_view text);

// Counts `eval...` command lines the way the per-file table does (used to
// report every eval of a file that failed to parse as failed).
int CountEvalLines(std::string_view text);

// Prometheus duration syntax (`1m30s`, `0`, `500ms`) -> ms.
Result<int64_t> ParseScriptDuration(std::string_view s);

}  // namespace ward::promql::promqltest
