// Execution of promqltest scripts (FORMAT.md section 7).
#include "promql/promqltest/runner.h"

#include <re2/re2.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>

#include "promql/promqltest/compare.h"
#include "promql/promqltest/str_util.h"
#include "tsdb/db.h"
#include "tsdb/head.h"

namespace ward::promql::promqltest {

namespace {

// A series the runner could not store (ward has no native histograms and no
// start timestamps); evals selecting it are skipped.
struct Unstorable {
  labels::Labels labels;
  int line = 0;
  const char* why = "";
};

// Functions whose value depends on the evaluation time even when all their
// inputs are pinned by `@` (Prometheus's AtModifierUnsafeFunctions, plus the
// query-context functions of the test profile).
bool IsAtUnsafeFunction(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "days_in_month", "day_of_month", "day_of_week", "day_of_year",    "hour",
      "minute",        "month",        "year",        "predict_linear", "time",
      "timestamp",     "start",        "end",         "range",          "step"};
  for (auto n : kNames) {
    if (n == name) return true;
  }
  return false;
}

// Pins every selector and subquery not under a pinned subquery to `@ ts`
// (FORMAT.md 7.1 step 3). Sets *unsafe when a time-dependent function is met
// outside pinned subqueries.
void PinAt(parser::Expr* e, int64_t ts, bool* unsafe) {
  if (e == nullptr) return;
  if (auto* vs = e->As<parser::VectorSelector>()) {
    if (!vs->timestamp_ms) {
      vs->timestamp_ms = ts;
      vs->start_or_end = parser::StartOrEnd::kNone;
    }
  } else if (auto* ms = e->As<parser::MatrixSelector>()) {
    PinAt(ms->vector_selector.get(), ts, unsafe);
  } else if (auto* sq = e->As<parser::SubqueryExpr>()) {
    if (!sq->timestamp_ms) {
      sq->timestamp_ms = ts;
      sq->start_or_end = parser::StartOrEnd::kNone;
    }
    // Everything below is now under a pinned subquery: left alone.
  } else if (auto* c = e->As<parser::Call>()) {
    if (c->func != nullptr && IsAtUnsafeFunction(c->func->name)) *unsafe = true;
    for (auto& a : c->args) PinAt(a.get(), ts, unsafe);
  } else if (auto* ag = e->As<parser::AggregateExpr>()) {
    PinAt(ag->param.get(), ts, unsafe);
    PinAt(ag->expr.get(), ts, unsafe);
  } else if (auto* b = e->As<parser::BinaryExpr>()) {
    PinAt(b->lhs.get(), ts, unsafe);
    PinAt(b->rhs.get(), ts, unsafe);
  } else if (auto* u = e->As<parser::UnaryExpr>()) {
    PinAt(u->expr.get(), ts, unsafe);
  } else if (auto* p = e->As<parser::ParenExpr>()) {
    PinAt(p->expr.get(), ts, unsafe);
  } else if (auto* si = e->As<parser::StepInvariantExpr>()) {
    PinAt(si->expr.get(), ts, unsafe);
  }
}

void CollectSelectors(const parser::Expr* e, std::vector<const parser::VectorSelector*>* out) {
  if (e == nullptr) return;
  if (const auto* vs = e->As<parser::VectorSelector>()) {
    out->push_back(vs);
  } else if (const auto* ms = e->As<parser::MatrixSelector>()) {
    CollectSelectors(ms->vector_selector.get(), out);
  } else if (const auto* sq = e->As<parser::SubqueryExpr>()) {
    CollectSelectors(sq->expr.get(), out);
  } else if (const auto* c = e->As<parser::Call>()) {
    for (const auto& a : c->args) CollectSelectors(a.get(), out);
  } else if (const auto* ag = e->As<parser::AggregateExpr>()) {
    CollectSelectors(ag->param.get(), out);
    CollectSelectors(ag->expr.get(), out);
  } else if (const auto* b = e->As<parser::BinaryExpr>()) {
    CollectSelectors(b->lhs.get(), out);
    CollectSelectors(b->rhs.get(), out);
  } else if (const auto* u = e->As<parser::UnaryExpr>()) {
    CollectSelectors(u->expr.get(), out);
  } else if (const auto* p = e->As<parser::ParenExpr>()) {
    CollectSelectors(p->expr.get(), out);
  } else if (const auto* si = e->As<parser::StepInvariantExpr>()) {
    CollectSelectors(si->expr.get(), out);
  }
}

bool SelectorMatches(const parser::VectorSelector& vs, const labels::Labels& ls) {
  for (const auto& m : vs.matchers) {
    if (!m.Matches(ls.Get(m.name()))) return false;
  }
  return true;
}

// The classic-histogram base name of a metric name, or "" (load_with_nhcb).
std::string_view HistogramBaseName(std::string_view name) {
  for (std::string_view suffix : {"_bucket", "_count", "_sum"}) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      return name.substr(0, name.size() - suffix.size());
    }
  }
  return {};
}

bool ContainsQueryContextCall(std::string_view q) {
  static const RE2 re(R"((start|end|range|step)\(\))");
  return RE2::PartialMatch(q, re);
}

}  // namespace

std::optional<std::string> PinnedQuery(const parser::Expr& e, int64_t ts_ms) {
  parser::ExprPtr pinned = parser::Clone(e);
  bool unsafe = false;
  PinAt(pinned.get(), ts_ms, &unsafe);
  if (unsafe) return std::nullopt;
  return parser::ToString(*pinned);
}

EngineOptions TestEngineOptions() {
  EngineOptions o;
  o.lookback_delta_ms = 5 * 60 * 1000;
  o.default_subquery_step_ms = 60 * 1000;
  o.max_samples = 10000;
  o.timeout_ms = 100 * 1000;
  o.experimental_functions = true;
  o.extended_range_selectors = true;
  o.binop_fill_modifiers = true;
  o.delayed_name_removal = true;
  return o;
}

int FileReport::Count(Outcome o) const {
  int n = 0;
  for (const auto& e : evals) n += e.outcome == o ? 1 : 0;
  return n;
}

// Per-run state: the storage and what could not be stored in it. A bare
// in-memory head, or (for scripts with `restart`) a tsdb::DB in a temporary
// directory that is removed afterwards.
struct Runner::State {
  explicit State(bool persistent) : persistent_(persistent) {}
  ~State() { Drop(); }

  storage::Appendable* appendable = nullptr;
  storage::Queryable* queryable = nullptr;
  std::vector<Unstorable> unstorable;

  // Replaces the storage with an empty one.
  Status Clear() {
    Drop();
    unstorable.clear();
    if (!persistent_) {
      head_ = std::make_unique<tsdb::Head>(HeadOpts(), nullptr, nullptr);
      appendable = head_.get();
      queryable = head_.get();
      return Status::OK();
    }
    std::error_code ec;
    std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec) return Status::IOError(Cat("temp directory: ", ec.message()));
    std::string tmpl = (base / "ward-promqltest-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return Status::IOError(Cat("mkdtemp ", tmpl, ": ", std::strerror(errno)));
    }
    dir_ = tmpl;
    return Open();
  }

  // Closes the DB and reopens it from its directory (WAL replay).
  Status Restart() {
    if (!persistent_ || db_ == nullptr) return Status::Internal("restart without a DB");
    appendable = nullptr;
    queryable = nullptr;
    Status st = db_->Close();
    db_.reset();
    WARD_RETURN_IF_ERROR(st.WithContext("restart: close"));
    return Open().WithContext("restart: reopen");
  }

  Status Load(const LoadCmd& cmd) {
    auto app = appendable->NewAppender();
    for (const SeriesLine& s : cmd.series) {
      if (s.HasHistogram()) {
        unstorable.push_back({s.labels, s.line, "native histogram series"});
      }
      storage::SeriesRef ref = 0;
      for (size_t k = 0; k < s.values.size(); ++k) {
        const auto& v = s.values[k];
        if (v.omitted || v.histogram) continue;
        int64_t t = static_cast<int64_t>(k) * cmd.interval_ms;
        auto r = app->Append(ref, s.labels, t, v.value);
        if (!r.ok()) {
          app->Rollback().IgnoreError();  // the load error below is what matters
          return Status::InvalidArgument(Cat("load at line ", cmd.line, ": append ",
                                             s.labels.ToString(), " t=", t, ": ",
                                             r.status().message()));
        }
        ref = *r;
      }
    }
    for (const auto& ls : cmd.st_series) {
      unstorable.push_back({ls, cmd.line, "series with start timestamps (@st)"});
    }
    if (cmd.with_nhcb) {
      // The converted custom-bucket histograms are named by the base name
      // with every label but `le`.
      for (const SeriesLine& s : cmd.series) {
        std::string_view base = HistogramBaseName(s.labels.MetricName());
        if (base.empty()) continue;
        labels::Builder b(s.labels);
        b.Set("__name__", base);
        b.Del("le");
        labels::Labels ls = b.Build();
        bool dup = false;
        for (const auto& u : unstorable) dup = dup || u.labels == ls;
        if (!dup)
          unstorable.push_back(
              {std::move(ls), cmd.line, "native histogram series (load_with_nhcb)"});
      }
    }
    return app->Commit().WithContext(Cat("load at line ", cmd.line));
  }

  // Why the eval cannot run on ward, or nullopt.
  std::optional<std::string> SkipReason(const EvalCmd& cmd, const parser::Expr& e) const {
    if (cmd.HasExpectedHistogram())
      return "expects native histogram results (not supported by ward)";
    if (unstorable.empty()) return std::nullopt;
    std::vector<const parser::VectorSelector*> sels;
    CollectSelectors(&e, &sels);
    for (const auto* vs : sels) {
      for (const auto& u : unstorable) {
        if (SelectorMatches(*vs, u.labels)) {
          return Cat("selects ", u.why, " ", u.labels.ToString(), " (loaded at line ", u.line,
                     "), not supported by ward's storage");
        }
      }
    }
    return std::nullopt;
  }

 private:
  // As Prometheus's test storage: 24h blocks, so the head accepts samples
  // down to 12h before its newest one (loads restart at t=0).
  static constexpr int64_t kChunkRangeMs = 24 * 60 * 60 * 1000LL;
  static tsdb::HeadOptions HeadOpts() {
    tsdb::HeadOptions ho;
    ho.chunk_range_ms = kChunkRangeMs;
    return ho;
  }

  Status Open() {
    tsdb::Options o;
    o.compaction_interval_ms = 0;  // a script controls its data: never cut blocks under it
    o.min_block_duration_ms = kChunkRangeMs;
    o.wal_fsync_interval_ms = 0;  // sync on close only: a restart is a clean shutdown
    o.no_lockfile = true;
    WARD_ASSIGN_OR_RETURN(db_, tsdb::DB::Open(dir_, o));
    appendable = db_.get();
    queryable = db_.get();
    return Status::OK();
  }

  void Drop() {
    appendable = nullptr;
    queryable = nullptr;
    head_.reset();
    if (db_ != nullptr) {
      db_->Close().IgnoreError();  // the directory is deleted next
      db_.reset();
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);  // best effort: a temp dir
      dir_.clear();
    }
  }

  const bool persistent_;
  std::unique_ptr<tsdb::Head> head_;
  std::unique_ptr<tsdb::DB> db_;
  std::string dir_;
};

Runner::Runner(RunOptions opts) : opts_(std::move(opts)), engine_(TestEngineOptions()) {}
Runner::~Runner() = default;

namespace {

// Runs one query and returns its result or the failure text. Never throws.
template <typename Fn>
Result<QueryResult> Guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& ex) {
    return Status::Internal(Cat("engine threw: ", ex.what()));
  } catch (...) {
    return Status::Internal("engine threw an unknown exception");
  }
}

class EvalRun {
 public:
  EvalRun(Engine& engine, storage::Queryable& db, const EvalCmd& cmd)
      : engine_(engine), db_(db), cmd_(cmd) {}

  // One instant query (main run or an `@` variant) plus its range-mode
  // cross-check. Returns the failure text or nullopt.
  Mismatch Instant(const std::string& q, int64_t t, std::string_view label) {
    auto res = Guarded([&] { return engine_.InstantQuery(db_, q, t); });
    if (!res.ok()) {
      if (cmd_.expect_fail) {
        if (auto m = CheckFailure(cmd_, res.status().message())) return Where(label, q, t, *m);
        return std::nullopt;
      }
      return Where(label, q, t, Cat("error: ", res.status().message()));
    }
    if (cmd_.expect_fail) {
      return Where(label, q, t, Cat("expected an error but got ", DescribeValue(res->value)));
    }
    if (auto m = CheckAnnotations(cmd_, res->annotations.Warnings(q), res->annotations.Infos(q))) {
      return Where(label, q, t, *m);
    }
    if (auto m = CompareResult(cmd_, res->value)) return Where(label, q, t, *m);
    if (cmd_.exclude_from_range_check || ContainsQueryContextCall(q)) return std::nullopt;

    auto rr = Guarded([&] { return engine_.RangeQuery(db_, q, t - 60000, t + 60000, 60000); });
    if (!rr.ok()) {
      return Where(label, q, t, Cat("range mode: error: ", rr.status().message()));
    }
    if (cmd_.ordered) return std::nullopt;
    const Matrix* mat = std::get_if<Matrix>(&rr->value);
    if (mat == nullptr) {
      return Where(label, q, t,
                   Cat("range mode: expected a matrix, got ", DescribeValue(rr->value)));
    }
    if (auto m = CheckMatrixSorted(*mat)) return Where(label, q, t, "range mode: " + *m);
    Vector vec;
    for (const Series& s : *mat) {
      for (const FPoint& p : s.floats) {
        if (p.t == t) {
          vec.push_back(Sample{s.metric, p.t, p.f, false});
          break;
        }
      }
    }
    Mismatch m;
    if (std::holds_alternative<Scalar>(res->value)) {
      if (vec.empty()) return Where(label, q, t, "range mode: no point at the evaluation time");
      m = CompareResult(cmd_, Value(Scalar{t, vec[0].f}));
    } else {
      m = CompareResult(cmd_, Value(std::move(vec)));
    }
    if (m) return Where(label, q, t, "range mode: " + *m);
    return std::nullopt;
  }

  Mismatch Range() {
    const std::string& q = cmd_.expr;
    auto res = Guarded(
        [&] { return engine_.RangeQuery(db_, q, cmd_.start_ms, cmd_.end_ms, cmd_.step_ms); });
    if (!res.ok()) {
      if (cmd_.expect_fail) return CheckFailure(cmd_, res.status().message());
      return Cat("error: ", res.status().message());
    }
    if (cmd_.expect_fail) return Cat("expected an error but got ", DescribeValue(res->value));
    if (auto m = CheckAnnotations(cmd_, res->annotations.Warnings(q), res->annotations.Infos(q))) {
      return m;
    }
    return CompareResult(cmd_, res->value);
  }

 private:
  std::string Where(std::string_view label, const std::string& q, int64_t t, std::string_view m) {
    if (label.empty()) return std::string(m);
    return Cat(label, " `", q, "` at ", t, "ms: ", m);
  }

  Engine& engine_;
  storage::Queryable& db_;
  const EvalCmd& cmd_;
};

}  // namespace

FileReport Runner::RunText(std::string_view text, std::string_view name,
                           const std::function<void(const EvalOutcome&)>& on_eval) {
  auto script = ParseScript(text);
  if (!script.ok()) {
    FileReport rep;
    rep.name = std::string(name);
    rep.error = Cat("parse error: ", script.status().message());
    // The whole file fails (FORMAT.md 2.5); count its evals as failed.
    int n = CountEvalLines(text);
    for (int i = 0; i < n; ++i) {
      EvalOutcome o{0, "", Outcome::kFailed, "not run: the file failed to parse"};
      if (on_eval) on_eval(o);
      rep.evals.push_back(std::move(o));
    }
    return rep;
  }
  return Run(*script, name, on_eval);
}

FileReport Runner::Run(const Script& script, std::string_view name,
                       const std::function<void(const EvalOutcome&)>& on_eval) {
  FileReport rep;
  rep.name = std::string(name);
  std::optional<RE2> filter;
  if (!opts_.run_regex.empty()) filter.emplace(opts_.run_regex, RE2::Quiet);
  State st(script.HasRestart());
  auto emit = [&](EvalOutcome o) {
    if (on_eval) on_eval(o);
    rep.evals.push_back(std::move(o));
  };
  // A failed storage command aborts the file; the remaining evals fail.
  auto abort_from = [&](size_t ci, const Status& s) {
    rep.error = std::string(s.message());
    for (size_t k = ci; k < script.commands.size(); ++k) {
      if (const auto* ev = std::get_if<EvalCmd>(&script.commands[k])) {
        if (filter && !RE2::PartialMatch(ev->expr, *filter)) continue;
        emit({ev->line, ev->expr, Outcome::kFailed, "not run: an earlier command failed"});
      }
    }
    return rep;
  };
  if (Status s = st.Clear(); !s.ok()) return abort_from(0, s.WithContext("open storage"));
  for (size_t ci = 0; ci < script.commands.size(); ++ci) {
    const Command& c = script.commands[ci];
    if (const auto* clear = std::get_if<ClearCmd>(&c)) {
      if (Status s = st.Clear(); !s.ok()) {
        return abort_from(ci, s.WithContext(Cat("clear at line ", clear->line)));
      }
      continue;
    }
    if (const auto* restart = std::get_if<RestartCmd>(&c)) {
      if (Status s = st.Restart(); !s.ok()) {
        return abort_from(ci, s.WithContext(Cat("line ", restart->line)));
      }
      continue;
    }
    if (const auto* load = std::get_if<LoadCmd>(&c)) {
      if (Status s = st.Load(*load); !s.ok()) return abort_from(ci, s);
      continue;
    }
    const EvalCmd& cmd = std::get<EvalCmd>(c);
    if (filter && !RE2::PartialMatch(cmd.expr, *filter)) continue;
    EvalOutcome out{cmd.line, cmd.expr, Outcome::kPassed, ""};
    auto parsed = parser::ParseExpr(cmd.expr, parser::ParseOptions::All());
    if (!parsed.ok()) {  // cannot happen: ParseScript parsed it already
      out.outcome = Outcome::kFailed;
      out.detail = std::string(parsed.status().message());
      emit(std::move(out));
      continue;
    }
    if (auto why = st.SkipReason(cmd, **parsed)) {
      out.outcome = Outcome::kSkipped;
      out.detail = *why;
      emit(std::move(out));
      continue;
    }
    EvalRun run(engine_, *st.queryable, cmd);
    Mismatch m;
    if (cmd.is_range) {
      m = run.Range();
    } else {
      m = run.Instant(cmd.expr, cmd.eval_ms, "");
      if (!m && opts_.at_variants) {
        const int64_t ts = cmd.eval_ms;
        if (auto pinned = PinnedQuery(**parsed, ts)) {
          const std::string& q = *pinned;
          std::vector<int64_t> times = ts == 0
                                           ? std::vector<int64_t>{-1000, 0, 1000}
                                           : std::vector<int64_t>{-10 * ts, 0, ts / 5, ts, 10 * ts};
          for (int64_t t : times) {
            m = run.Instant(q, t, "@ variant");
            if (m) break;
          }
        }
      }
    }
    if (m) {
      out.outcome = Outcome::kFailed;
      out.detail = std::move(*m);
    }
    emit(std::move(out));
  }
  return rep;
}

}  // namespace ward::promql::promqltest
