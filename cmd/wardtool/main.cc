// wardtool: the promtool-style command line tool. `wardtool tsdb dump`
// prints the samples of a data directory (blocks and WAL) as promtool does;
// `tsdb list`, `tsdb analyze` and `tsdb create-blocks-from openmetrics` work
// on blocks (tsdb/tools);
// `tsdb print KIND PATH` prints one on-disk format (print.h);
// `tsdb convert --chunk-encoding=xor|dense BLOCK_DIR...` rewrites blocks
// to another chunk encoding (tsdb/docs/format/dense_chunks.md);
// `wardtool test promql PATH...` runs PromQL test scripts (promql/promqltest);
// `wardtool check rules|config FILE...` validate rule and config files;
// `wardtool test rules FILE...` runs rule unit tests (rules/unittest).
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "cmd/wardtool/check.h"
#include "cmd/wardtool/print.h"
#include "cmd/wardtool/selector.h"
#include "promql/promqltest/cli.h"
#include "rules/unittest/unittest.h"
#include "tsdb/dump.h"
#include "tsdb/tools/tools.h"
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

  CLI::App* list = tsdb->add_subcommand("list", "List tsdb blocks.");
  bool list_human = false;
  std::string list_path = "data/";
  list->add_flag("-r,--human-readable", list_human, "Print human readable values.");
  list->add_option("db path", list_path, "Database path (default is data/).");

  CLI::App* analyze =
      tsdb->add_subcommand("analyze", "Analyze churn, label pair cardinality of a block.");
  int analyze_limit = 20;
  bool analyze_extended = false;
  std::string analyze_path = "data/";
  std::string analyze_block;
  analyze->add_option("--limit", analyze_limit, "How many items to show in each list.")
      ->default_val(20);
  analyze->add_flag("--extended", analyze_extended, "Run extended analysis (not supported yet).");
  analyze->add_option("db path", analyze_path, "Database path (default is data/).");
  analyze->add_option("block id", analyze_block, "Block to analyze (default is the last block).");

  CLI::App* print = tsdb->add_subcommand(
      "print", "Print an on-disk file or directory (wal, snapshot, index, chunks, tombstones, "
               "meta) and check its checksums.");
  std::string print_kind;
  std::string print_path;
  ward::wardtool::PrintOptions print_opts;
  print->add_option("kind", print_kind, "One of: wal snapshot index chunks tombstones meta.")
      ->required();
  print->add_option("path", print_path, "File or directory to print.")->required();
  print->add_option("--limit", print_opts.limit,
                    "Print at most N items per list (0 = all; the rest is still checked).")
      ->default_val(0);

  CLI::App* create = tsdb->add_subcommand("create-blocks-from", "[Experimental] Import samples.");
  create->require_subcommand(1);
  ward::tsdb::tools::CreateBlocksOptions create_opts;
  std::string max_block_duration;
  create->add_flag("-r,--human-readable", create_opts.human_readable,
                   "Print human readable values.");
  create->add_flag("-q,--quiet", create_opts.quiet, "Do not print created blocks.");
  create->add_option("--max-block-duration", max_block_duration,
                     "Maximum duration created blocks may span (e.g. 6h). Anything less than "
                     "2h is ignored.");
  std::vector<std::string> create_labels;
  create->add_option("--label", create_labels,
                     "Label to attach to every series, name=value (repeatable; not in promtool "
                     "2.42).");
  std::string create_encoding = "xor";
  create
      ->add_option("--chunk-encoding", create_encoding,
                   "Chunk encoding of the blocks: xor (Prometheus's, default) or dense (ward "
                   "only, smaller; `wardtool tsdb convert` goes back to xor).")
      ->check(CLI::IsMember({"xor", "dense"}));
  CLI::App* openmetrics = create->add_subcommand(
      "openmetrics", "Import samples from OpenMetrics input and produce TSDB blocks.");
  openmetrics->fallthrough();
  std::string om_input;
  std::string om_output = "data/";
  openmetrics->add_option("input file", om_input, "OpenMetrics file to read samples from.")
      ->required();
  openmetrics->add_option("output directory", om_output, "Output directory for generated blocks.");

  CLI::App* convert = tsdb->add_subcommand(
      "convert",
      "Rewrite blocks with another chunk encoding (xor: readable by Prometheus; dense: ward's "
      "smaller format). Each block gets a new ULID; stop any server using the directory first.");
  std::string convert_encoding;
  std::vector<std::string> convert_blocks;
  convert->add_option("--chunk-encoding", convert_encoding, "Target encoding: xor or dense.")
      ->required()
      ->check(CLI::IsMember({"xor", "dense"}));
  convert->add_option("block dirs", convert_blocks, "Block directories (<data dir>/<ULID>).")
      ->required();

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

  CLI::App* test_rules = test->add_subcommand("rules", "Unit tests for rules.");
  std::vector<std::string> test_rule_files;
  ward::rules::unittest::Options rules_opts;
  std::string rules_junit;
  std::vector<std::string> rules_features;
  test_rules->add_option("test-rule-file", test_rule_files, "The unit test file.")->required();
  test_rules
      ->add_option("--run", rules_opts.run,
                   "If set, will only run test groups whose names match the regular expression. "
                   "Can be specified multiple times.")
      ->allow_extra_args(false);
  test_rules->add_option("--junit", rules_junit, "File path to store JUnit XML test results.");
  test_rules->add_flag("--ignore-unknown-fields", rules_opts.ignore_unknown_fields,
                       "Ignore unknown fields in the test files.");
  test_rules->add_flag("--debug", rules_opts.debug,
                       "Enable unit test debugging: dump every series after each test group.");
  test_rules
      ->add_option("--enable-feature", rules_features,
                   "Comma separated feature names to enable (promql-experimental-functions, "
                   "promql-delayed-name-removal).")
      ->delimiter(',')
      ->allow_extra_args(false);

  CLI::App* check = app.add_subcommand("check", "Check the resources for validity.");
  check->require_subcommand(1);
  CLI::App* check_rules = check->add_subcommand("rules", "Check if the rule files are valid or not.");
  std::vector<std::string> check_rule_files;
  check_rules->add_option("rule-files", check_rule_files, "The rule files to check.")->required();
  CLI::App* check_config =
      check->add_subcommand("config", "Check if the config files are valid or not.");
  std::vector<std::string> check_config_files;
  check_config->add_option("config-files", check_config_files, "The config files to check.")
      ->required();

  CLI11_PARSE(app, argc, argv);
  // Replay progress lines would mix with the output; keep warnings only.
  ward::log::SetLevel(ward::log::Level::kWarn);

  if (check_rules->parsed()) {
    return ward::wardtool::CheckRules(check_rule_files, std::cout, std::cerr);
  }
  if (check_config->parsed()) {
    return ward::wardtool::CheckConfig(check_config_files, std::cout, std::cerr);
  }
  if (test_rules->parsed()) {
    // promtool runs the rule manager with a no-op logger: rule errors show
    // up in the test output, not as log lines.
    ward::log::SetLevel(ward::log::Level::kError);
    // As promtool's argument parser (kingpin ExistingFiles): missing files
    // fail the command before any test runs.
    for (const std::string& f : test_rule_files) {
      std::error_code ec;
      if (!std::filesystem::exists(f, ec)) {
        std::fprintf(stderr, "wardtool: error: path '%s' does not exist, try --help\n", f.c_str());
        return 1;
      }
    }
    for (const std::string& f : rules_features) {
      if (f == "promql-experimental-functions") {
        rules_opts.experimental_functions = true;
      } else if (f == "promql-delayed-name-removal") {
        rules_opts.delayed_name_removal = true;
      } else if (!f.empty()) {
        std::fprintf(stderr, "  WARNING: Unknown feature passed to --enable-feature: %s\n",
                     f.c_str());
      }
    }
    std::vector<ward::rules::unittest::FileResult> results;
    int rc = ward::rules::unittest::RulesUnitTest(test_rule_files, rules_opts, std::cout,
                                                  std::cerr, &results);
    if (!rules_junit.empty()) {
      std::ofstream junit(rules_junit, std::ios::binary | std::ios::trunc);
      junit << ward::rules::unittest::JUnitXML(results);
      if (!junit) {
        std::fprintf(stderr, "error: write %s: %s\n", rules_junit.c_str(), std::strerror(errno));
        return 1;
      }
    }
    return rc;
  }
  if (test_promql->parsed()) {
    promql_opts.run.at_variants = !promql_no_at;
    promql_opts.isolate = !promql_no_isolate;
    return ward::promql::promqltest::RunPromqlTests(promql_paths, promql_opts, std::cout);
  }
  if (print->parsed()) {
    std::ios::sync_with_stdio(false);
    ward::Status st = ward::wardtool::PrintTsdb(print_kind, print_path, print_opts, std::cout);
    std::cout.flush();
    if (!st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
      return 1;
    }
    return 0;
  }
  if (list->parsed()) {
    ward::Status st = ward::tsdb::tools::ListBlocks(list_path, list_human, std::cout);
    std::cout.flush();
    if (!st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
      return 1;
    }
    return 0;
  }
  if (analyze->parsed()) {
    if (analyze_extended) {
      std::fprintf(stderr, "error: --extended is not supported yet\n");
      return 1;
    }
    ward::Status st =
        ward::tsdb::tools::AnalyzeBlock(analyze_path, analyze_block, analyze_limit, std::cout);
    std::cout.flush();
    if (!st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
      return 1;
    }
    return 0;
  }
  if (convert->parsed()) {
    auto enc = ward::tsdb::tools::ParseChunkEncoding(convert_encoding);
    ward::Status st =
        enc.ok() ? ward::tsdb::tools::ConvertBlocks(convert_blocks, *enc, std::cout) : enc.status();
    std::cout.flush();
    if (!st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
      return 1;
    }
    return 0;
  }
  if (openmetrics->parsed()) {
    {
      auto enc = ward::tsdb::tools::ParseChunkEncoding(create_encoding);
      if (!enc.ok()) {
        std::fprintf(stderr, "error: --chunk-encoding: %s\n", enc.status().ToString().c_str());
        return 1;
      }
      create_opts.chunk_encoding = *enc;
    }
    if (!max_block_duration.empty()) {
      auto d = ward::tsdb::tools::ParseGoDurationMs(max_block_duration);
      if (!d.ok()) {
        std::fprintf(stderr, "error: --max-block-duration: %s\n", d.status().ToString().c_str());
        return 1;
      }
      create_opts.max_block_duration_ms = *d;
    }
    for (const std::string& l : create_labels) {
      size_t eq = l.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "error: --label: expected name=value, got \"%s\"\n", l.c_str());
        return 1;
      }
      create_opts.labels.emplace_back(l.substr(0, eq), l.substr(eq + 1));
    }
    std::ifstream in(om_input, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "error: open %s: %s\n", om_input.c_str(), std::strerror(errno));
      return 1;
    }
    // One read of the whole file; the parser's views point into it.
    std::string body;
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    in.seekg(0, std::ios::beg);
    if (size > 0) {
      body.resize(static_cast<size_t>(size));
      in.read(body.data(), size);
    }
    if (!in && size > 0) {
      std::fprintf(stderr, "error: read %s: %s\n", om_input.c_str(), std::strerror(errno));
      return 1;
    }
    std::error_code ec;
    std::filesystem::create_directories(om_output, ec);
    if (ec) {
      std::fprintf(stderr, "error: create output dir: %s\n", ec.message().c_str());
      return 1;
    }
    ward::Status st =
        ward::tsdb::tools::CreateBlocksFromOpenMetrics(body, om_output, create_opts, std::cout);
    std::cout.flush();
    if (!st.ok()) {
      std::fprintf(stderr, "error: block creation: %s\n", st.ToString().c_str());
      return 1;
    }
    return 0;
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
