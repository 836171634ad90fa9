// Runs the parser over every `eval` expression of the PromQL conformance
// suite (Prometheus 3.14's promqltest files): each must parse with all
// features on, and ToString must round-trip (parse -> print -> parse ->
// print gives the same text). Also parses every series line (load blocks
// and expected results).
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "promql/parser/lex.h"
#include "promql/parser/parse.h"

namespace ward::promql::parser {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Fields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char kTestdata[] = WARD_SOURCE_DIR "/../shared/conformance/promql/testdata";

struct EvalLine {
  std::string file;
  int line;
  std::string expr;
  bool fail;  // eval_fail
};

std::vector<std::string> TestFiles() {
  std::vector<std::string> out;
  DIR* d = opendir(kTestdata);
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 5 && n.compare(n.size() - 5, 5, ".test") == 0)
      out.push_back(std::string(kTestdata) + "/" + n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// Strips the command and time spec from an eval line.
std::string ExprOf(std::string_view line) {
  std::vector<std::string_view> f = Fields(line);
  size_t skip = 0;
  if (f.size() > 1 && f[1] == "instant")
    skip = 4;  // eval instant at T
  else if (f.size() > 1 && f[1] == "range")
    skip = 8;  // eval range from A to B step S
  if (skip == 0 || f.size() <= skip) return "";
  const char* p = f[skip].data();
  return std::string(Trim(std::string_view(p, line.data() + line.size() - p)));
}

void Collect(std::vector<EvalLine>* evals,
             std::vector<std::pair<std::string, std::string>>* series) {
  for (const auto& path : TestFiles()) {
    std::ifstream in(path);
    std::string raw;
    int lineno = 0;
    bool in_load = false, in_eval = false;
    while (std::getline(in, raw)) {
      ++lineno;
      std::string_view line = Trim(raw);
      if (line.empty() || line[0] == '#') {
        in_load = in_eval = false;
        continue;
      }
      std::string first = ToLower(line.substr(0, line.find_first_of(" \t")));
      if (first.rfind("eval", 0) == 0) {
        in_load = false;
        in_eval = true;
        evals->push_back(
            {path.substr(path.rfind('/') + 1), lineno, ExprOf(line), first == "eval_fail"});
      } else if (first.rfind("load", 0) == 0) {
        in_load = true;
      } else if (in_eval) {
        // Expected-result lines: skip `expect ...`, legacy messages and
        // bare scalars; the rest are series descriptions.
        if (first == "expect" || first.rfind("expected_fail", 0) == 0 ||
            ParseGoNumber(std::string(line)).ok()) {
          continue;
        }
        series->push_back(
            {path.substr(path.rfind('/') + 1) + ":" + std::to_string(lineno), std::string(line)});
      } else if (in_load) {
        series->push_back(
            {path.substr(path.rfind('/') + 1) + ":" + std::to_string(lineno), std::string(line)});
      }
    }
  }
}

TEST(PromqlParserSuiteTest, EveryEvalExpressionParsesAndRoundTrips) {
  std::vector<EvalLine> evals;
  std::vector<std::pair<std::string, std::string>> series;
  Collect(&evals, &series);
  if (evals.empty()) GTEST_SKIP() << "conformance testdata not found at " << kTestdata;
  int parsed = 0, failed = 0, roundtrip_bad = 0;
  for (const auto& ev : evals) {
    auto e = ParseExpr(ev.expr, ParseOptions::All());
    if (!e.ok()) {
      if (!ev.fail) {
        ++failed;
        ADD_FAILURE() << ev.file << ":" << ev.line << ": " << ev.expr << "\n  "
                      << e.status().ToString();
      }
      continue;
    }
    ++parsed;
    std::string s1 = ToString(**e);
    auto e2 = ParseExpr(s1, ParseOptions::All());
    if (!e2.ok()) {
      ++roundtrip_bad;
      ADD_FAILURE() << ev.file << ":" << ev.line << ": " << ev.expr << "\n  printed: " << s1
                    << "\n  reparse: " << e2.status().ToString();
      continue;
    }
    std::string s2 = ToString(**e2);
    auto pretty = ParseExpr(Prettify(**e), ParseOptions::All());
    if (!pretty.ok() || ToString(**pretty) != s1) {
      ++roundtrip_bad;
      ADD_FAILURE() << ev.file << ":" << ev.line << ": Prettify does not round-trip:\n"
                    << Prettify(**e);
    }
    if (s1 != s2) {
      ++roundtrip_bad;
      ADD_FAILURE() << ev.file << ":" << ev.line << ": " << ev.expr << "\n  first:  " << s1
                    << "\n  second: " << s2;
    }
  }
  std::printf("suite: %zu eval expressions, %d parsed, %d failed, %d round-trip mismatches\n",
              evals.size(), parsed, failed, roundtrip_bad);
  RecordProperty("parsed", parsed);
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(roundtrip_bad, 0);
}

// Mutates the suite's expressions (deterministic pseudo-random byte edits)
// and checks the parser never crashes, and that whatever parses still
// round-trips through ToString.
TEST(PromqlParserSuiteTest, MutatedExpressionsNeverCrash) {
  std::vector<EvalLine> evals;
  std::vector<std::pair<std::string, std::string>> series;
  Collect(&evals, &series);
  if (evals.empty()) GTEST_SKIP() << "conformance testdata not found at " << kTestdata;
  static const char kAlphabet[] = "()[]{}:,=!~\"'`@+-*/^%<>#0123456789.eExsmhdwy_ aZ\\\n\xff";
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int parsed = 0;
  for (const auto& ev : evals) {
    for (int round = 0; round < 4; ++round) {
      std::string in = ev.expr;
      int edits = 1 + static_cast<int>(next() % 3);
      for (int k = 0; k < edits && !in.empty(); ++k) {
        size_t pos = next() % in.size();
        char c = kAlphabet[next() % (sizeof(kAlphabet) - 1)];
        switch (next() % 3) {
          case 0:
            in.erase(pos, 1);
            break;
          case 1:
            in.insert(in.begin() + pos, c);
            break;
          default:
            in[pos] = c;
        }
      }
      auto e = ParseExpr(in, ParseOptions::All());
      if (!e.ok()) {
        EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument) << in;
        continue;
      }
      ++parsed;
      std::string s1 = ToString(**e);
      auto e2 = ParseExpr(s1, ParseOptions::All());
      ASSERT_TRUE(e2.ok()) << in << "\n  printed: " << s1 << "\n  " << e2.status().ToString();
      EXPECT_EQ(ToString(**e2), s1) << in;
    }
  }
  std::printf("fuzz: %zu mutated inputs, %d still parse\n", evals.size() * 4, parsed);
}

TEST(PromqlParserSuiteTest, EverySeriesLineParses) {
  std::vector<EvalLine> evals;
  std::vector<std::pair<std::string, std::string>> series;
  Collect(&evals, &series);
  if (series.empty()) GTEST_SKIP() << "conformance testdata not found at " << kTestdata;
  int bad = 0;
  for (const auto& [where, line] : series) {
    std::string_view l = line;
    // ST lines (`metric@st ...`) use Prometheus durations, not values.
    if (l.find("@st") != std::string_view::npos) continue;
    labels::Labels ls;
    std::vector<SequenceValue> vals;
    Status st = ParseSeriesDesc(line, &ls, &vals);
    if (!st.ok()) {
      ++bad;
      ADD_FAILURE() << where << ": " << line << "\n  " << st.ToString();
    }
  }
  std::printf("suite: %zu series lines (load and expected), %d failed\n", series.size(), bad);
  // Mutated lines must fail cleanly or parse; never crash.
  uint64_t state = 0x2545F4914F6CDD1DULL;
  static const char kAlphabet[] = "{}[]:_x+-.0123456789 \"=,stale";
  for (const auto& [where, line] : series) {
    for (int round = 0; round < 4; ++round) {
      std::string in = line;
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      size_t pos = state % (in.size() + 1);
      char c = kAlphabet[(state >> 20) % (sizeof(kAlphabet) - 1)];
      if ((state >> 40) % 2 == 0 && pos < in.size()) {
        in.erase(pos, 1);
      } else {
        in.insert(in.begin() + pos, c);
      }
      labels::Labels ls;
      std::vector<SequenceValue> vals;
      ParseSeriesDesc(in, &ls, &vals).IgnoreError();  // only crashes matter here
    }
  }
}

}  // namespace
}  // namespace ward::promql::parser
