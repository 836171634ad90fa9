// wardtool: the promtool-style command line tool. Today: `wardtool tsdb dump`
// prints the samples of a data directory's head (WAL) as promtool does.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <limits>
#include <string>

#include "cmd/wardtool/selector.h"
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

  CLI11_PARSE(app, argc, argv);
  // Replay progress lines would mix with the output; keep warnings only.
  ward::log::SetLevel(ward::log::Level::kWarn);

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
