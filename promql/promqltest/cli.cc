// `wardtool test promql`: file discovery, per-file child processes, report.
#include "promql/promqltest/cli.h"

#include <re2/re2.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "promql/promqltest/str_util.h"

namespace ward::promql::promqltest {

namespace {

namespace fs = std::filesystem;

// One-line encoding of free text for the child -> parent pipe.
std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      out += n == 'n' ? '\n' : n == 't' ? '\t' : n;
    } else {
      out += s[i];
    }
  }
  return out;
}

char Code(Outcome o) { return o == Outcome::kPassed ? 'P' : o == Outcome::kFailed ? 'F' : 'S'; }

bool WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    s.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    parts.emplace_back(s.substr(start, p == std::string_view::npos ? p : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return parts;
}

// Runs the file in a child process; the child streams outcomes back.
FileReport RunIsolated(const std::string& text, const std::string& name, const RunOptions& ropts) {
  FileReport rep;
  rep.name = name;
  int fds[2];
  if (::pipe(fds) != 0) {
    rep.error = Cat("pipe: ", std::strerror(errno));
    return rep;
  }
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    rep.error = Cat("fork: ", std::strerror(errno));
    ::close(fds[0]);
    ::close(fds[1]);
    return rep;
  }
  if (pid == 0) {
    ::close(fds[0]);
    Runner runner(ropts);
    FileReport r = runner.RunText(text, name, [&](const EvalOutcome& o) {
      WriteAll(fds[1], Cat(std::string(1, Code(o.outcome)), "\t", o.line, "\t", Escape(o.expr),
                           "\t", Escape(o.detail), "\n"));
    });
    if (!r.error.empty()) WriteAll(fds[1], Cat("E\t", Escape(r.error), "\n"));
    WriteAll(fds[1], "D\n");
    ::close(fds[1]);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string buf;
  char chunk[65536];
  while (true) {
    ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  bool done = false;
  for (const std::string& l : Split(buf, '\n')) {
    if (l.empty()) continue;
    auto f = Split(l, '\t');
    if (f[0] == "D") {
      done = true;
    } else if (f[0] == "E" && f.size() >= 2) {
      rep.error = Unescape(f[1]);
    } else if (f.size() >= 4) {
      EvalOutcome o;
      o.outcome = f[0] == "P"   ? Outcome::kPassed
                  : f[0] == "F" ? Outcome::kFailed
                                : Outcome::kSkipped;
      o.line = std::atoi(f[1].c_str());
      o.expr = Unescape(f[2]);
      o.detail = Unescape(f[3]);
      rep.evals.push_back(std::move(o));
    }
  }
  if (!done || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    int last = rep.evals.empty() ? 0 : rep.evals.back().line;
    std::string how = WIFSIGNALED(wstatus) ? Cat("killed by signal ", WTERMSIG(wstatus))
                                           : Cat("exited with ", WEXITSTATUS(wstatus));
    rep.error = Cat("runner crashed (", how, ") after the eval at line ", last);
    // Every eval the child did not report fails.
    auto script = ParseScript(text);
    if (script.ok()) {
      std::optional<RE2> filter;
      if (!ropts.run_regex.empty()) filter.emplace(ropts.run_regex, RE2::Quiet);
      bool blamed = false;
      for (const Command& c : script->commands) {
        const auto* ev = std::get_if<EvalCmd>(&c);
        if (ev == nullptr || ev->line <= last) continue;
        if (filter && !RE2::PartialMatch(ev->expr, *filter)) continue;
        const bool first = !blamed;
        blamed = true;
        rep.evals.push_back({ev->line, ev->expr, Outcome::kFailed,
                             first
                                 ? Cat("the runner crashed (", how, ") while running this eval")
                                 : std::string("not run: the runner crashed on an earlier eval")});
      }
    }
  }
  return rep;
}

std::string Shorten(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  return Cat(s.substr(0, max), "...");
}

}  // namespace

int RunPromqlTests(const std::vector<std::string>& paths, const CliOptions& opts,
                   std::ostream& out) {
  if (!opts.run.run_regex.empty()) {
    RE2 re(opts.run.run_regex, RE2::Quiet);
    if (!re.ok()) {
      out << "error: --run: invalid regex: " << re.error() << "\n";
      return 1;
    }
  }
  std::vector<std::string> files;
  int passed = 0, failed = 0, skipped = 0;
  bool file_error = false;  // a path that yielded no evals to count
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& de : fs::directory_iterator(p, ec)) {
        if (de.path().extension() == ".test") found.push_back(de.path().string());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) {
        out << p << ": no *.test files\n";
        file_error = true;
      }
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(p);
    }
  }
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      out << f << ": cannot read file\n";
      file_error = true;
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    FileReport rep;
    if (opts.isolate) {
      rep = RunIsolated(text, f, opts.run);
    } else {
      Runner runner(opts.run);
      rep = runner.RunText(text, f);
    }
    const int p = rep.Count(Outcome::kPassed), fl = rep.Count(Outcome::kFailed),
              sk = rep.Count(Outcome::kSkipped);
    out << f << ": " << p << " passed, " << fl << " failed, " << sk << " skipped\n";
    if (!rep.error.empty()) out << "  ERROR " << f << ": " << rep.error << "\n";
    const size_t max = opts.verbose ? std::string::npos : 300;
    for (const auto& e : rep.evals) {
      if (e.outcome == Outcome::kPassed) {
        if (opts.verbose) out << "  PASS " << f << ":" << e.line << ": " << e.expr << "\n";
        continue;
      }
      if (e.line == 0) continue;  // covered by the file's ERROR line
      if (e.outcome == Outcome::kFailed) {
        out << "  FAIL " << f << ":" << e.line << ": " << Shorten(e.expr, 160) << "\n"
            << "       " << Shorten(e.detail, max) << "\n";
      } else {
        out << "  SKIP " << f << ":" << e.line << ": " << e.detail << "\n";
      }
    }
    if (!rep.error.empty()) file_error = true;
    passed += p;
    failed += fl;
    skipped += sk;
  }
  out << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
  out.flush();
  return failed > 0 || file_error ? 1 : 0;
}

}  // namespace ward::promql::promqltest
