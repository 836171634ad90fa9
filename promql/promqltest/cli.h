// `wardtool test promql PATH...`: runs promqltest files (or every *.test in
// given directories, sorted) and prints per file `name: N passed, N failed,
// N skipped`, each failure and skip with file:line, and a closing line
// `N passed, N failed, N skipped`. Each file runs in a forked child so an
// engine crash fails that file's remaining evals instead of the whole run.
// Thread safety: call from one thread (it forks).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "promql/promqltest/runner.h"

namespace ward::promql::promqltest {

struct CliOptions {
  RunOptions run;
  bool verbose = false;  // also list passed evals and untruncated details
  bool isolate = true;   // one child process per file
};

// Returns the process exit status: 0 when no eval failed, 1 otherwise
// (including unreadable paths and files that fail to parse).
int RunPromqlTests(const std::vector<std::string>& paths, const CliOptions& opts,
                   std::ostream& out);

}  // namespace ward::promql::promqltest
