// Runner: executes parsed promqltest scripts (script.h) against ward's PromQL
// engine over a fresh in-memory tsdb::Head per file and per `clear`, as the
// reference runner does (FORMAT.md section 7): main instant run, the range
// mode cross-check, the `@` variants, range evals. Evals that need what ward
// lacks (native histograms, start timestamps) are reported SKIPPED with the
// reason, never passed. The CLI (cli.h, `wardtool test promql`) sits on it.
// Thread safety: a Runner is used by one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promql/engine.h"
#include "promql/promqltest/script.h"

namespace ward::promql::promqltest {

// The engine profile every script assumes (FORMAT.md section 1): lookback
// 5m, subquery step 1m, max samples 10000, timeout 100s, every feature on.
EngineOptions TestEngineOptions();

struct RunOptions {
  // Only evals whose expression contains a match of this RE2 pattern run;
  // the others are not counted. Empty: all. An invalid pattern matches
  // nothing (RunPromqlTests rejects it first).
  std::string run_regex;
  // The `@`-modifier variants of instant evals (FORMAT.md 7.1 step 3).
  bool at_variants = true;
};

// The `@` variant of an instant eval at `ts_ms` (FORMAT.md 7.1 step 3): the
// canonical text of `e` with every selector and subquery that has no `@`
// and is not inside a pinned subquery pinned to `@ ts`. Returns nullopt when
// the expression calls a time-dependent function (no variants then).
std::optional<std::string> PinnedQuery(const parser::Expr& e, int64_t ts_ms);

enum class Outcome { kPassed, kFailed, kSkipped };

struct EvalOutcome {
  int line = 0;  // 1-based line of the eval command
  std::string expr;
  Outcome outcome = Outcome::kPassed;
  std::string detail;  // why it failed / was skipped; empty when passed
};

struct FileReport {
  std::string name;
  // Set when the file failed as a whole (parse error, failed load); the
  // evals that did not run are counted in `evals` as failed.
  std::string error;
  std::vector<EvalOutcome> evals;
  int Count(Outcome o) const;
};

class Runner {
 public:
  explicit Runner(RunOptions opts);
  ~Runner();

  // Parses and runs one script text. `name` labels the report (usually the
  // file path). `on_eval`, when set, is called after each eval.
  FileReport RunText(std::string_view text, std::string_view name,
                     const std::function<void(const EvalOutcome&)>& on_eval = {});

  // Runs an already parsed script from an empty storage.
  FileReport Run(const Script& script, std::string_view name,
                 const std::function<void(const EvalOutcome&)>& on_eval = {});

 private:
  struct State;
  const RunOptions opts_;
  Engine engine_;
};

}  // namespace ward::promql::promqltest
