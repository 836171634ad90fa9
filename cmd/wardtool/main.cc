// wardtool: the promtool-style command line tool. `wardtool tsdb dump`
// prints the samples of a data directory's head (WAL) as promtool does;
// `wardtool test promql PATH...` runs PromQL test scripts (promql/promqltest).
#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "cmd/wardtool/selector.h"
#include "promql/promqltest/cli.h"
#include "tsdb/dump.h"
#include "util/log.h"

int main(int argc, char** argv) {
  CLI::App app{"Tooling for the ward monitoring system."};
  app.require_subcommand(1);

  CLI::App* tsdb = app.add_subcommand("tsdb", "Run tsdb commands.");
  tsdb->require_subcommand(1);
  CLI::App* dump = tsdb->add_subcommand("dump", "Dump samples from a TSDB.");
  std::string db_path = "data/";
  int64_t min_time = std::numeric_limits<int64_t>::min();
  int64_t max_time = std::numeric_limits<int64_t>::max();
  std::string match;
  dump->add_option("--min-time", min_time, "Minimum timestamp to dump (ms).");
  dump->add_option("--max-time", max_time, "Maximum timestamp to dump (ms).");
  dump->add_option("--match", match, "Series selector, e.g. 'up{job=\"x\"}'. Default: all series.");
  dump->add_option("db path", db_path, "Database path (default is data/).");

  CLI::App* test = app.add_subcommand("test", "Unit testing.");
  test->require_subcommand(1);
  CLI::App* test_promql =
      test->add_subcommand("promql", "Run PromQL test scripts (*.test files or directories).");
  std::vector<std::string> promql_paths;
  ward::promql::promqltest::CliOptions promql_opts;
  bool promql_no_at = false;
  test_promql->add_option("paths", promql_paths, "Test files or directories of *.test files.")
      ->required();
  test_promql->add_flag("--verbose", promql_opts.verbose, "List passed evals and full details.");
  test_promql->add_option("--run", promql_opts.run.run_regex,
                          "Only run evals whose expression matches this regex.");
  test_promql->add_flag("--no-at-variants", promql_no_at,
                        "Skip the @-modifier variants of instant evals.");
  bool promql_no_isolate = false;
  test_promql->add_flag("--no-isolate", promql_no_isolate,
                        "Run files in this process instead of one child per file.");

  CLI11_PARSE(app, argc, argv);
  // Replay progress lines would mix with the output; keep warnings only.
  ward::log::SetLevel(ward::log::Level::kWarn);

  if (test_promql->parsed()) {
    promql_opts.run.at_variants = !promql_no_at;
    promql_opts.isolate = !promql_no_isolate;
    return ward::promql::promqltest::RunPromqlTests(promql_paths, promql_opts, std::cout);
  }
  if (dump->parsed()) {
    std::vector<ward::labels::Matcher> matchers;
    if (!match.empty()) {
      auto ms = ward::wardtool::ParseSelector(match);
      if (!ms.ok()) {
        std::fprintf(stderr, "error: --match: %s\n", ms.status().ToString().c_str());
        return 1;
      }
      matchers = std::move(*ms);
    }
    std::ios::sync_with_stdio(false);
    ward::Status st = ward::tsdb::DumpSamples(db_path, min_time, max_time, matchers, std::cout);
    std::cout.flush();
    if (!st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  return 0;
}
