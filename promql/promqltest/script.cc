// Parser of promqltest scripts (FORMAT.md sections 2-6).
#include "promql/promqltest/script.h"

#include <re2/re2.h>

#include <cctype>

#include "promql/parser/lex.h"
#include "promql/promqltest/str_util.h"

namespace ward::promql::promqltest {

namespace {

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The file as trimmed lines; comment lines become empty (FORMAT.md 2.1-2.2).
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (true) {
    size_t nl = text.find('\n', start);
    std::string_view l = Trim(text.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (!l.empty() && l.front() == '#') l = {};
    lines.push_back(l);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

std::string FirstToken(std::string_view l) {
  size_t i = 0;
  while (i < l.size() && l[i] != ' ' && l[i] != '\t') ++i;
  std::string t(l.substr(0, i));
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

Status LineError(int line, std::string_view msg) {
  return Status::InvalidArgument(Cat("line ", line, ": ", msg));
}

// Header patterns of the reference runner (FORMAT.md 6).
const RE2& EvalInstantRe() {
  static const RE2 re(R"(^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$)");
  return re;
}
const RE2& EvalRangeRe() {
  static const RE2 re(
      R"(^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$)");
  return re;
}
const RE2& ExpectRe() {
  static const RE2 re(
      R"(^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$)");
  return re;
}
const RE2& ExpectRangeRe() {
  static const RE2 re(R"(^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$)");
  return re;
}

// Parses a series line; `line` is 1-based. A label with an empty value is
// the same as no label (Prometheus's data model), so `{a=""}` is dropped
// here from loaded and expected series alike.
Status ParseSeriesLine(std::string_view text, int line, SeriesLine* out) {
  out->line = line;
  Status st = parser::ParseSeriesDesc(text, &out->labels, &out->values);
  if (!st.ok()) return LineError(line, st.message());
  bool has_empty = false;
  for (const auto& l : out->labels) has_empty = has_empty || l.value.empty();
  if (has_empty) {
    labels::Builder b(out->labels);
    for (const auto& l : out->labels) {
      if (l.value.empty()) b.Del(l.name);
    }
    out->labels = b.Build();
  }
  return Status::OK();
}

// Adds or replaces (same label set) a series of a load block.
void SetSeries(std::vector<SeriesLine>* v, SeriesLine s) {
  for (auto& e : *v) {
    if (e.labels == s.labels) {
      e = std::move(s);
      return;
    }
  }
  v->push_back(std::move(s));
}

// `metric{...}@st <offsets>`: only the first token decides (FORMAT.md 4.5).
bool IsStLine(std::string_view l) {
  size_t sp = l.find_first_of(" \t");
  if (sp == std::string_view::npos) return false;
  std::string_view first = l.substr(0, sp);
  return first.size() >= 3 && first.substr(first.size() - 3) == "@st";
}

Status ParseLoad(const std::vector<std::string_view>& lines, size_t* i, LoadCmd* cmd) {
  std::string_view head = lines[*i];
  cmd->line = static_cast<int>(*i) + 1;
  std::string_view rest;
  if (StartsWith(head, "load_with_nhcb") && head.size() > 14 && IsBlank(head[14])) {
    cmd->with_nhcb = true;
    rest = head.substr(14);
  } else if (StartsWith(head, "load") && head.size() > 4 && IsBlank(head[4])) {
    rest = head.substr(4);
  } else {
    return LineError(cmd->line, "invalid load command. (load[_with_nhcb] <step:duration>)");
  }
  rest = Trim(rest);
  auto gap = ParseScriptDuration(rest);
  if (!gap.ok()) {
    return LineError(cmd->line,
                     Cat("invalid step definition \"", rest, "\": ", gap.status().message()));
  }
  cmd->interval_ms = *gap;

  std::optional<labels::Labels> pending_st;
  int pending_line = 0;
  bool default_st = false;
  while (*i + 1 < lines.size()) {
    ++*i;
    std::string_view l = lines[*i];
    int line = static_cast<int>(*i) + 1;
    if (l.empty()) {
      --*i;
      break;
    }
    if (IsStLine(l)) {
      if (pending_st) return LineError(pending_line, "@st line has no following sample line");
      std::string_view metric = l.substr(0, l.find_first_of(" \t"));
      metric.remove_suffix(3);
      if (metric.empty()) {
        default_st = true;
        continue;
      }
      SeriesLine s;
      WARD_RETURN_IF_ERROR(ParseSeriesLine(Cat(metric, " _"), line, &s));
      pending_st = std::move(s.labels);
      pending_line = line;
      continue;
    }
    SeriesLine s;
    WARD_RETURN_IF_ERROR(ParseSeriesLine(l, line, &s));
    if (pending_st) {
      if (*pending_st != s.labels) {
        return LineError(pending_line,
                         "@st metric does not match the following sample line metric");
      }
      cmd->st_series.push_back(std::move(*pending_st));
      pending_st.reset();
    } else if (default_st) {
      cmd->st_series.push_back(s.labels);
    }
    SetSeries(&cmd->series, std::move(s));
  }
  if (pending_st) return LineError(pending_line, "@st line has no following sample line");
  return Status::OK();
}

Result<MessageMatch> MakeMatch(MessageMatch::Kind kind, std::string_view text, int line) {
  MessageMatch m;
  m.kind = kind;
  m.text = std::string(Trim(text));
  if (kind == MessageMatch::Kind::kRegex) {
    RE2 re(m.text, RE2::Quiet);
    if (!re.ok()) return LineError(line, Cat("invalid regex ", m.text, ": ", re.error()));
  }
  return m;
}

Status ParseEval(const std::vector<std::string_view>& lines, size_t* i, EvalCmd* cmd) {
  std::string_view head = lines[*i];
  const int line = static_cast<int>(*i) + 1;
  cmd->line = line;
  std::string mod, at, from, to, step, expr;
  if (RE2::FullMatch(head, EvalInstantRe(), &mod, &at, &expr)) {
    cmd->is_range = false;
  } else if (RE2::FullMatch(head, EvalRangeRe(), &mod, &from, &to, &step, &expr)) {
    cmd->is_range = true;
  } else {
    return LineError(
        line,
        "invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered] instant "
        "[at <offset:duration>] <query>' or 'eval[_fail|_warn] range from <from> to "
        "<to> step <step> <query>'");
  }
  cmd->expr = expr;
  auto parsed = parser::ParseExpr(expr, parser::ParseOptions::All());
  if (!parsed.ok()) return LineError(line, parsed.status().message());

  auto bad = [&](std::string_view msg) {
    return LineError(line, Cat("error in eval ", expr, ": ", msg));
  };
  auto dur = [&](std::string_view what, const std::string& s, int64_t* out) -> Status {
    auto d = ParseScriptDuration(s);
    if (!d.ok()) {
      return bad(Cat("invalid ", what, " definition \"", s, "\": ", d.status().message()));
    }
    *out = *d;
    return Status::OK();
  };
  if (!cmd->is_range) {
    WARD_RETURN_IF_ERROR(dur("timestamp", at, &cmd->eval_ms));
    cmd->start_ms = cmd->end_ms = cmd->eval_ms;
  } else {
    WARD_RETURN_IF_ERROR(dur("start timestamp", from, &cmd->start_ms));
    WARD_RETURN_IF_ERROR(dur("end timestamp", to, &cmd->end_ms));
    if (cmd->end_ms < cmd->start_ms) {
      return bad(Cat("invalid test definition, end timestamp (", to,
                     ") is before start timestamp (", from, ")"));
    }
    WARD_RETURN_IF_ERROR(dur("step", step, &cmd->step_ms));
  }
  bool legacy_fail = false;
  if (mod == "ordered") cmd->ordered = true;
  if (mod == "fail") legacy_fail = cmd->expect_fail = true;
  if (mod == "warn") cmd->legacy_warn = true;
  if (mod == "info") cmd->legacy_info = true;

  int expect_fail_lines = 0;
  for (int j = 1; *i + 1 < lines.size(); ++j) {
    ++*i;
    std::string_view l = lines[*i];
    const int bl = static_cast<int>(*i) + 1;
    if (l.empty()) {
      --*i;
      break;
    }
    if (legacy_fail && StartsWith(l, "expected_fail_message")) {
      std::string_view msg = Trim(l.substr(21));
      if (!msg.empty()) {
        WARD_ASSIGN_OR_RETURN(auto m, MakeMatch(MessageMatch::Kind::kExact, msg, bl));
        cmd->fail_checks.push_back(std::move(m));
      }
      break;
    }
    if (legacy_fail && StartsWith(l, "expected_fail_regexp")) {
      WARD_ASSIGN_OR_RETURN(auto m, MakeMatch(MessageMatch::Kind::kRegex, l.substr(20), bl));
      cmd->fail_checks.push_back(std::move(m));
      break;
    }
    if (StartsWith(l, "expect range vector")) {
      std::string a, b, s;
      if (!RE2::FullMatch(l, ExpectRangeRe(), &a, &b, &s)) {
        return bad(Cat("invalid range vector definition \"", l, "\""));
      }
      WARD_RETURN_IF_ERROR(dur("start timestamp", a, &cmd->start_ms));
      WARD_RETURN_IF_ERROR(dur("end timestamp", b, &cmd->end_ms));
      if (cmd->end_ms < cmd->start_ms) return bad("end timestamp is before start timestamp");
      WARD_RETURN_IF_ERROR(dur("step", s, &cmd->step_ms));
      cmd->eval_ms = cmd->end_ms;
      cmd->expect_range_vector = true;
      cmd->exclude_from_range_check = true;
      continue;
    }
    if (StartsWith(l, "expect string")) {
      std::string_view s = l.substr(13);
      if (s.empty() || s.front() != ' ' || s.size() == 1) {
        return bad("expected string literal not valid - a quoted string literal is required");
      }
      auto v = parser::GoUnquote(s.substr(1));
      if (!v.ok()) {
        return bad("expected string literal not valid - check that the string is correctly quoted");
      }
      cmd->expect_string = std::move(*v);
      cmd->exclude_from_range_check = true;
      continue;
    }
    if (l.substr(0, l.find(' ')) == "expect") {
      std::string kind, mtype, text;
      if (!RE2::FullMatch(l, ExpectRe(), &kind, &mtype, &text)) {
        return bad(
            "invalid expect statement, must match `expect <type> <match_type>: <string>` format");
      }
      MessageMatch m;
      if (mtype == "msg") {
        WARD_ASSIGN_OR_RETURN(m, MakeMatch(MessageMatch::Kind::kExact, text, bl));
      } else if (mtype == "regex") {
        WARD_ASSIGN_OR_RETURN(m, MakeMatch(MessageMatch::Kind::kRegex, text, bl));
      }
      if (kind == "ordered") {
        cmd->ordered = true;
      } else if (kind == "fail") {
        ++expect_fail_lines;
        cmd->expect_fail = true;
        if (m.kind != MessageMatch::Kind::kAny) cmd->fail_checks.push_back(std::move(m));
      } else if (kind == "warn") {
        cmd->warn.push_back(std::move(m));
      } else if (kind == "no_warn") {
        cmd->no_warn = true;
      } else if (kind == "info") {
        cmd->info.push_back(std::move(m));
      } else if (kind == "no_info") {
        cmd->no_info = true;
      }
      if (!cmd->info.empty() && cmd->no_info) {
        return bad("invalid expect lines, info and no_info cannot be used together");
      }
      if (!cmd->warn.empty() && cmd->no_warn) {
        return bad("invalid expect lines, warn and no_warn cannot be used together");
      }
      if (expect_fail_lines > 1) {
        return bad("invalid expect lines, multiple expect fail lines are not allowed");
      }
      --j;
      continue;
    }
    if (auto f = parser::ParseGoNumber(l); f.ok()) {
      cmd->scalar = *f;
      cmd->expected.clear();
      break;
    }
    EvalCmd::Expected e;
    e.pos = j;
    WARD_RETURN_IF_ERROR(ParseSeriesLine(l, bl, &e.series));
    if (e.series.values.size() > 1 && !cmd->is_range && !cmd->expect_range_vector) {
      return bad(
          "expecting multiple values in instant evaluation not allowed. consider using 'expect "
          "range vector' directive to enable a range vector result for an instant query");
    }
    cmd->scalar.reset();
    bool replaced = false;
    for (auto& old : cmd->expected) {
      if (old.series.labels == e.series.labels) {
        old = std::move(e);
        replaced = true;
        break;
      }
    }
    if (!replaced) cmd->expected.push_back(std::move(e));
  }
  return Status::OK();
}

}  // namespace

bool SeriesLine::HasHistogram() const {
  for (const auto& v : values) {
    if (v.histogram) return true;
  }
  return false;
}

bool EvalCmd::HasExpectedHistogram() const {
  for (const auto& e : expected) {
    if (e.series.HasHistogram()) return true;
  }
  return false;
}

bool MessageMatch::Matches(std::string_view s) const {
  switch (kind) {
    case Kind::kAny:
      return true;
    case Kind::kExact:
      return s == text;
    case Kind::kRegex: {
      RE2 re(text, RE2::Quiet);
      return re.ok() && RE2::PartialMatch(s, re);
    }
  }
  return false;
}

int Script::NumEvals() const {
  int n = 0;
  for (const auto& c : commands) n += std::holds_alternative<EvalCmd>(c) ? 1 : 0;
  return n;
}

bool Script::HasRestart() const {
  for (const auto& c : commands) {
    if (std::holds_alternative<RestartCmd>(c)) return true;
  }
  return false;
}

Result<int64_t> ParseScriptDuration(std::string_view s) { return parser::ParsePromDuration(s); }

int CountEvalLines(std::string_view text) {
  int n = 0;
  for (std::string_view l : SplitLines(text)) {
    if (!l.empty() && StartsWith(FirstToken(l), "eval")) ++n;
  }
  return n;
}

Result<Script> ParseScript(std::string_view text) {
  Script script;
  std::vector<std::string_view> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (l.empty()) continue;
    std::string c = FirstToken(l);
    if (c == "clear") {
      script.commands.emplace_back(ClearCmd{static_cast<int>(i) + 1});
    } else if (c == "restart") {
      script.commands.emplace_back(RestartCmd{static_cast<int>(i) + 1});
    } else if (StartsWith(c, "load")) {
      LoadCmd cmd;
      WARD_RETURN_IF_ERROR(ParseLoad(lines, &i, &cmd));
      script.commands.emplace_back(std::move(cmd));
    } else if (StartsWith(c, "eval")) {
      EvalCmd cmd;
      WARD_RETURN_IF_ERROR(ParseEval(lines, &i, &cmd));
      script.commands.emplace_back(std::move(cmd));
    } else {
      return LineError(static_cast<int>(i) + 1, Cat("invalid command \"", l, "\""));
    }
  }
  return script;
}

}  // namespace ward::promql::promqltest
