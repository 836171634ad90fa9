// Parser methods for what follows an expression: range selectors,
// subqueries, `offset`, `@`, `anchored`/`smoothed`, and the duration
// expressions inside them (see parser_impl.h).
#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_format.h"
#include "promql/parser/parser_impl.h"

namespace ward::promql::parser::internal {

// ---- postfix: [range], [range:step], offset, @, anchored, smoothed ----
ExprPtr Parser::ParsePostfix(ExprPtr e) {
  while (e) {
    const Token& t = Cur();
    if (t.type == Tok::kLBracket) {
      e = ParseRangeOrSubquery(std::move(e));
      ++depth_;
      if (e && TooDeep(e->pos)) return nullptr;
    } else if (CurIsWord("offset")) {
      e = ParseOffset(std::move(e));
    } else if (t.type == Tok::kAt) {
      e = ParseAt(std::move(e));
    } else if (opts_.extended_range_selectors && (CurIsWord("anchored") || CurIsWord("smoothed"))) {
      bool anchored = CurIsWord("anchored");
      VectorSelector* vs = e->As<VectorSelector>();
      if (auto* ms = e->As<MatrixSelector>()) vs = ms->vector_selector->As<VectorSelector>();
      if (vs == nullptr) {
        AddError(e->pos, absl::StrFormat("%s modifier must be preceded by an instant vector "
                                         "selector or range vector selector",
                                         anchored ? "anchored" : "smoothed"));
        return nullptr;
      }
      if (vs->anchored || vs->smoothed) {
        AddError(e->pos, "anchored and smoothed modifiers may not be set multiple times");
        return nullptr;
      }
      (anchored ? vs->anchored : vs->smoothed) = true;
      Advance();
      e->pos.end = t.end();
      if (auto* ms = e->As<MatrixSelector>()) ms->end_pos = t.end();
    } else {
      break;
    }
  }
  return e;
}

ExprPtr Parser::ParseRangeOrSubquery(ExprPtr e) {
  const Token& open = Cur();
  Advance();
  if (!StartsDuration()) return Unexpected("subquery selector", "number or duration");
  DurationExprPtr range = ParseDurationExpr(/*offset=*/false);
  if (!range) return nullptr;
  if (range->op == DurationExpr::Op::kNumber && !range->wrapped && range->value <= 0) {
    AddError(range->pos, "duration must be greater than 0");
    return nullptr;
  }
  if (Cur().type == Tok::kColon) {
    Advance();
    DurationExprPtr step;
    if (Cur().type != Tok::kRBracket) {
      if (!StartsDuration()) {
        return Unexpected("subquery selector", "number or duration or \"]\"");
      }
      step = ParseDurationExpr(false);
      if (!step) return nullptr;
    }
    if (Cur().type != Tok::kRBracket) return Unexpected("subquery selector", "\"]\"");
    Advance();
    SubqueryExpr sq;
    PosRange pos{e->pos.start, last_closing_};
    sq.expr = std::move(e);
    if (!SetDuration(std::move(range), &sq.range_ms, &sq.range_expr, false)) return nullptr;
    if (step && !SetDuration(std::move(step), &sq.step_ms, &sq.step_expr, false)) return nullptr;
    sq.end_pos = last_closing_;
    return MakeExpr(std::move(sq), pos);
  }
  if (Cur().type != Tok::kRBracket) {
    return Unexpected("subquery or range", "\":\" or \"]\"");
  }
  Advance();
  PosRange bracket{open.pos, last_closing_};
  std::string err;
  const VectorSelector* vs = e->As<VectorSelector>();
  if (vs == nullptr) {
    err = "ranges only allowed for vector selectors";
  } else if (vs->offset_ms != 0 || vs->offset_expr) {
    err = "no offset modifiers allowed before range";
  } else if (vs->timestamp_ms || vs->start_or_end != StartOrEnd::kNone) {
    err = "no @ modifiers allowed before range";
  } else if (vs->anchored || vs->smoothed) {
    err = "no anchored or smoothed modifiers allowed before range";
  }
  if (!err.empty()) {
    AddError(bracket, err);
    return nullptr;
  }
  MatrixSelector ms;
  PosRange pos{e->pos.start, last_closing_};
  ms.vector_selector = std::move(e);
  if (!SetDuration(std::move(range), &ms.range_ms, &ms.range_expr, false)) return nullptr;
  ms.end_pos = last_closing_;
  return MakeExpr(std::move(ms), pos);
}

// A literal becomes *ms; anything else is kept in *expr. A constant
// expression is also folded into *ms, and one that cannot be evaluated
// (division by zero, a range <= 0) is rejected here: Prometheus rejects it
// when the query is prepared, before any evaluation.
bool Parser::SetDuration(DurationExprPtr d, int64_t* ms, DurationExprPtr* expr,
                         bool allow_negative) {
  if (d->op == DurationExpr::Op::kNumber && !d->wrapped) {
    double v = d->value * 1000;
    if (!std::isfinite(v) || v >= 9.2e18 || v <= -9.2e18) {
      AddError(d->pos, "duration out of range");
      return false;
    }
    // A duration token (`1001ms`) holds an exact number of milliseconds:
    // round to get it back from its seconds form. A plain number (`[1.5]`)
    // is truncated, as Prometheus truncates time.Duration conversions.
    *ms = d->is_duration ? static_cast<int64_t>(std::llround(v)) : static_cast<int64_t>(v);
    return true;
  }
  if (!opts_.duration_expressions) {
    AddError(d->pos, "duration expressions are not enabled");
    return false;
  }
  if (d->IsConstant()) {
    auto v = EvalDuration(*d, 0, 0, allow_negative);
    if (!v.ok()) {
      // Drop EvalDuration's "start:end: " prefix; the parse error has its own.
      std::string msg(v.status().message());
      size_t colon = msg.find(": ");
      if (!msg.empty() && msg[0] >= '0' && msg[0] <= '9' && colon != std::string::npos) {
        msg = msg.substr(colon + 2);
      }
      AddError(d->pos, msg);
      return false;
    }
    *ms = *v;
  }
  *expr = std::move(d);
  return true;
}

// True when the cursor can start a duration expression.
bool Parser::StartsDuration() const {
  switch (Cur().type) {
    case Tok::kNumber:
    case Tok::kDuration:
    case Tok::kLParen:
    case Tok::kAdd:
    case Tok::kSub:
      return true;
    case Tok::kIdent: {
      std::string w = Lower(Cur().text);
      return w == "step" || w == "range" || w == "min_of" || w == "max_of" || w == "inf" ||
             w == "nan";
    }
    default:
      return false;
  }
}

ExprPtr Parser::ParseOffset(ExprPtr e) {
  Advance();  // offset
  if (!StartsDuration()) return Unexpected("offset", "number or duration");
  DurationExprPtr d = ParseDurationExpr(/*offset=*/true);
  if (!d) return nullptr;
  int64_t* offp = nullptr;
  DurationExprPtr* exprp = nullptr;
  int* endp = nullptr;
  if (auto* vs = e->As<VectorSelector>()) {
    offp = &vs->offset_ms;
    exprp = &vs->offset_expr;
    endp = &e->pos.end;
  } else if (auto* ms = e->As<MatrixSelector>()) {
    auto* inner = ms->vector_selector->As<VectorSelector>();
    if (inner == nullptr) {
      AddError(e->pos, "ranges only allowed for vector selectors");
      return nullptr;
    }
    offp = &inner->offset_ms;
    exprp = &inner->offset_expr;
    endp = &ms->end_pos;
  } else if (auto* sq = e->As<SubqueryExpr>()) {
    offp = &sq->offset_ms;
    exprp = &sq->offset_expr;
    endp = &sq->end_pos;
  } else {
    AddError(e->pos,
             "offset modifier must be preceded by an instant vector selector or range vector "
             "selector or a subquery");
    return nullptr;
  }
  if (*offp != 0 || *exprp) {
    AddError(e->pos, "offset may not be set multiple times");
    return nullptr;
  }
  int end = d->pos.end;
  if (!SetDuration(std::move(d), offp, exprp, true)) return nullptr;
  *endp = end;
  e->pos.end = end;
  return e;
}

ExprPtr Parser::ParseAt(ExprPtr e) {
  Advance();  // @
  std::optional<int64_t> ts;
  StartOrEnd soe = StartOrEnd::kNone;
  int end = 0;
  if ((CurIsWord("start") || CurIsWord("end")) && PeekAt(1).type == Tok::kLParen &&
      PeekAt(2).type == Tok::kRParen) {
    soe = CurIsWord("start") ? StartOrEnd::kStart : StartOrEnd::kEnd;
    Advance();
    Advance();
    end = Cur().end();
    Advance();
  } else {
    double sign = 1;
    if (Cur().type == Tok::kSub || Cur().type == Tok::kAdd) {
      if (Cur().type == Tok::kSub) sign = -1;
      Advance();
    }
    const Token& nt = Cur();
    std::optional<double> v;
    if (nt.type == Tok::kDuration) {  // `@ 100s` is accepted since Prometheus 3
      auto ms = ParsePromDuration(nt.text);
      if (!ms.ok()) {
        AddError({nt.pos, nt.end()}, std::string(ms.status().message()));
        return nullptr;
      }
      v = static_cast<double>(*ms) / 1000.0;
      Advance();
    } else {
      v = ParseNumberToken();
    }
    if (!v) {
      if (!err_) Unexpected("@", "timestamp");
      return nullptr;
    }
    end = nt.end();
    double t = sign * *v;
    if (!std::isfinite(t) || t >= static_cast<double>(std::numeric_limits<int64_t>::max()) ||
        t <= static_cast<double>(std::numeric_limits<int64_t>::min())) {
      AddError(e->pos, "timestamp out of bounds for @ modifier: " +
                           (std::isnan(t)   ? std::string("NaN")
                            : std::isinf(t) ? std::string(t > 0 ? "+Inf" : "-Inf")
                                            : absl::StrFormat("%f", t)));
      return nullptr;
    }
    ts = static_cast<int64_t>(std::round(t * 1000));
  }
  std::optional<int64_t>* tsp = nullptr;
  StartOrEnd* soep = nullptr;
  int* endp = nullptr;
  if (auto* vs = e->As<VectorSelector>()) {
    tsp = &vs->timestamp_ms;
    soep = &vs->start_or_end;
    endp = &e->pos.end;
  } else if (auto* ms = e->As<MatrixSelector>()) {
    auto* inner = ms->vector_selector->As<VectorSelector>();
    if (inner == nullptr) {
      AddError(e->pos, "ranges only allowed for vector selectors");
      return nullptr;
    }
    tsp = &inner->timestamp_ms;
    soep = &inner->start_or_end;
    endp = &ms->end_pos;
  } else if (auto* sq = e->As<SubqueryExpr>()) {
    tsp = &sq->timestamp_ms;
    soep = &sq->start_or_end;
    endp = &sq->end_pos;
  } else {
    AddError(e->pos,
             "@ modifier must be preceded by an instant vector selector or range vector "
             "selector or a subquery");
    return nullptr;
  }
  if (*tsp || *soep != StartOrEnd::kNone) {
    AddError(e->pos, "@ <timestamp> may not be set multiple times");
    return nullptr;
  }
  *tsp = ts;
  *soep = soe;
  *endp = end;
  e->pos.end = end;
  return e;
}

int Parser::DurPrec(Tok t) {
  switch (t) {
    case Tok::kAdd:
    case Tok::kSub:
      return 1;
    case Tok::kMul:
    case Tok::kDiv:
    case Tok::kMod:
      return 2;
    case Tok::kPow:
      return 3;
    default:
      return 0;
  }
}

DurationExprPtr Parser::ParseDurationBinary(int min_prec) {
  NestingGuard guard(&nesting_);
  if (TooDeep({Cur().pos, Cur().end()})) return nullptr;
  DurationExprPtr lhs = ParseDurationUnary(false);
  if (!lhs) return nullptr;
  while (true) {
    Tok t = Cur().type;
    int prec = DurPrec(t);
    if (prec == 0 || prec < min_prec) break;
    Advance();
    DurationExprPtr rhs = ParseDurationBinary(t == Tok::kPow ? prec : prec + 1);
    if (!rhs) return nullptr;
    auto d = std::make_unique<DurationExpr>();
    using Op = DurationExpr::Op;
    d->op = t == Tok::kAdd   ? Op::kAdd
            : t == Tok::kSub ? Op::kSub
            : t == Tok::kMul ? Op::kMul
            : t == Tok::kDiv ? Op::kDiv
            : t == Tok::kMod ? Op::kMod
                             : Op::kPow;
    d->pos = {lhs->pos.start, rhs->pos.end};
    d->lhs = std::move(lhs);
    d->rhs = std::move(rhs);
    lhs = std::move(d);
  }
  return lhs;
}

DurationExprPtr Parser::ParseDurationUnary(bool offset) {
  const Token& t = Cur();
  if (t.type == Tok::kAdd || t.type == Tok::kSub) {
    bool neg = t.type == Tok::kSub;
    int start = t.pos;
    Advance();
    DurationExprPtr e = offset ? ParseDurationPrimary() : ParseDurationBinary(3);
    if (!e) return nullptr;
    if (!neg) {
      e->pos.start = start;
      return e;
    }
    if (e->op == DurationExpr::Op::kNumber && !e->wrapped) {
      e->value = -e->value;
      e->pos.start = start;
      return e;
    }
    auto d = std::make_unique<DurationExpr>();
    d->op = DurationExpr::Op::kNeg;
    d->pos = {start, e->pos.end};
    d->rhs = std::move(e);
    return d;
  }
  return ParseDurationPrimary();
}

DurationExprPtr Parser::ParseDurationPrimary() {
  const Token& t = Cur();
  auto d = std::make_unique<DurationExpr>();
  d->pos = {t.pos, t.end()};
  switch (t.type) {
    case Tok::kNumber: {
      auto v = ParseNumberToken();
      if (!v) return nullptr;
      d->value = *v;
      return d;
    }
    case Tok::kDuration: {
      auto ms = ParseDurationToken();
      if (!ms) return nullptr;
      d->value = static_cast<double>(*ms) / 1000.0;
      d->is_duration = true;
      return d;
    }
    case Tok::kLParen: {
      Advance();
      DurationExprPtr inner = ParseDurationBinary(0);
      if (!inner) return nullptr;
      if (Cur().type != Tok::kRParen) return Unexpected("duration expression", "\")\"");
      inner->pos = {t.pos, Cur().end()};
      Advance();
      if (!opts_.duration_expressions) {
        AddError(inner->pos, "duration expressions are not enabled");
        return nullptr;
      }
      inner->wrapped = true;
      return inner;
    }
    case Tok::kIdent: {
      std::string w = Lower(t.text);
      using Op = DurationExpr::Op;
      if ((w == "step" || w == "range") && PeekAt(1).type == Tok::kLParen &&
          PeekAt(2).type == Tok::kRParen) {
        d->op = w == "step" ? Op::kStep : Op::kRange;
        Advance();
        Advance();
        d->pos.end = Cur().end();
        Advance();
        return d;
      }
      if ((w == "min_of" || w == "max_of") && PeekAt(1).type == Tok::kLParen) {
        d->op = w == "min_of" ? Op::kMinOf : Op::kMaxOf;
        Advance();
        Advance();
        d->lhs = ParseDurationBinary(0);
        if (!d->lhs) return nullptr;
        if (Cur().type != Tok::kComma) return Unexpected("duration expression", "\",\"");
        Advance();
        d->rhs = ParseDurationBinary(0);
        if (!d->rhs) return nullptr;
        if (Cur().type != Tok::kRParen) return Unexpected("duration expression", "\")\"");
        d->pos.end = Cur().end();
        Advance();
        return d;
      }
      if (w == "inf" || w == "nan") {
        auto v = ParseNumberToken();
        if (!v) return nullptr;
        d->value = *v;
        return d;
      }
      break;
    }
    default:
      break;
  }
  return Unexpected(d->pos.start == 0 && false ? "" : "duration", "number, duration, or step()");
}

}  // namespace ward::promql::parser::internal
