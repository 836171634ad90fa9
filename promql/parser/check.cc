// Prometheus's checkAST, over ward's AST (see check.h).
#include "promql/parser/check.h"

#include "absl/strings/str_format.h"
#include "model/labels/labels.h"

namespace ward::promql::parser {

namespace {

class Checker {
 public:
  explicit Checker(std::string_view input) : in_(input) {}
  std::optional<CheckError> Run(const Expr& e) {
    CheckAST(e);
    return std::move(err_);
  }

 private:
  void AddError(PosRange pos, std::string msg) {
    if (!err_) err_ = CheckError{pos, std::move(msg)};
  }

  void ExpectType(const Expr& e, ValueType want, std::string_view context) {
    ValueType got = CheckAST(e);
    if (got != want) {
      AddError(e.pos, absl::StrFormat("expected type %s in %s, got %s", ValueTypeName(want),
                                      context, ValueTypeName(got)));
    }
  }

  ValueType CheckAST(const Expr& e) {
    if (err_) return e.Type();
    if (const auto* a = e.As<AggregateExpr>()) {
      ExpectType(*a->expr, ValueType::kVector, "aggregation expression");
      if (a->op == ItemType::TOPK || a->op == ItemType::BOTTOMK || a->op == ItemType::QUANTILE ||
          a->op == ItemType::LIMITK || a->op == ItemType::LIMIT_RATIO) {
        ExpectType(*a->param, ValueType::kScalar, "aggregation parameter");
      }
      if (a->op == ItemType::COUNT_VALUES) {
        ExpectType(*a->param, ValueType::kString, "aggregation parameter");
      }
    } else if (const auto* b = e.As<BinaryExpr>()) {
      CheckBinary(e, *b);
    } else if (const auto* c = e.As<Call>()) {
      CheckCall(e, *c);
    } else if (const auto* p = e.As<ParenExpr>()) {
      CheckAST(*p->expr);
    } else if (const auto* u = e.As<UnaryExpr>()) {
      ValueType t = CheckAST(*u->expr);
      if (t != ValueType::kScalar && t != ValueType::kVector) {
        AddError(e.pos, absl::StrFormat("unary expression only allowed on expressions of type "
                                        "scalar or instant vector, got \"%s\"",
                                        ValueTypeName(t)));
      }
    } else if (const auto* s = e.As<SubqueryExpr>()) {
      ValueType t = CheckAST(*s->expr);
      if (t != ValueType::kVector) {
        static constexpr const char* kGoNames[] = {"none", "scalar", "vector", "matrix", "string"};
        AddError(e.pos, absl::StrFormat("subquery is only allowed on instant vector, got %s "
                                        "instead",
                                        kGoNames[static_cast<int>(t)]));
      }
    } else if (const auto* m = e.As<MatrixSelector>()) {
      CheckAST(*m->vector_selector);
    } else if (const auto* vs = e.As<VectorSelector>()) {
      CheckVectorSelector(e, *vs);
    }
    return e.Type();
  }

  void CheckVectorSelector(const Expr& e, const VectorSelector& vs) {
    if (!vs.name.empty()) {
      for (size_t i = 0; i + 1 < vs.matchers.size(); ++i) {
        if (vs.matchers[i].name() == labels::kMetricName) {
          AddError(e.pos, absl::StrFormat("metric name must not be set twice: \"%s\" or \"%s\"",
                                          vs.name, vs.matchers[i].value()));
        }
      }
      return;
    }
    for (const auto& m : vs.matchers) {
      if (!m.MatchesEmpty()) return;
    }
    AddError(e.pos, "vector selector must contain at least one non-empty matcher");
  }

  void CheckCall(const Expr& e, const Call& c) {
    const Function& f = *c.func;
    int nargs = static_cast<int>(f.arg_types.size());
    int got = static_cast<int>(c.args.size());
    if (f.variadic == 0) {
      if (nargs != got) {
        AddError(e.pos, absl::StrFormat("expected %d argument(s) in call to \"%s\", got %d", nargs,
                                        f.name, got));
      }
    } else {
      int na = nargs - 1;
      if (na > got) {
        AddError(e.pos,
                 absl::StrFormat("expected at least %d argument(s) in call to \"%s\", got %d", na,
                                 f.name, got));
      } else if (f.variadic > 0 && na + f.variadic < got) {
        AddError(e.pos, absl::StrFormat("expected at most %d argument(s) in call to \"%s\", got %d",
                                        na + f.variadic, f.name, got));
      }
    }
    std::string context = absl::StrFormat("call to function \"%s\"", f.name);
    // info()'s second argument is a label selector that may consist of
    // empty matchers only; it must not name a metric.
    bool info_selector = f.name == "info" && got > 1;
    if (info_selector) {
      const Expr& sel = *c.args[1];
      if (sel.Type() != ValueType::kVector) {
        AddError(e.pos, absl::StrFormat("expected type %s in %s, got %s",
                                        ValueTypeName(ValueType::kVector), context,
                                        ValueTypeName(sel.Type())));
      } else if (!sel.Is<VectorSelector>()) {
        AddError(sel.pos, "expected label selectors only, got " + std::string("an expression"));
      } else if (!sel.As<VectorSelector>()->name.empty()) {
        AddError(sel.pos, "expected label selectors only, got vector selector instead");
      }
    }
    for (int i = 0; i < got; ++i) {
      int k = i;
      if (k >= nargs) {
        if (f.variadic == 0) break;
        k = nargs - 1;
      }
      if (info_selector && i == 1) continue;  // checked above, no empty-matcher rule
      ExpectType(*c.args[i], f.arg_types[k], context);
    }
  }

  void CheckBinary(const Expr& e, const BinaryExpr& cb) {
    // The matching is normalised here as Prometheus's checkAST does.
    auto& b = const_cast<BinaryExpr&>(cb);
    ValueType lt = CheckAST(*b.lhs);
    ValueType rt = CheckAST(*b.rhs);
    PosRange op_range{b.lhs->pos.end, b.rhs->pos.start};
    while (op_range.start < static_cast<int>(in_.size()) &&
           (in_[op_range.start] == ' ' || in_[op_range.start] == '\t' ||
            in_[op_range.start] == '\n' || in_[op_range.start] == '\r')) {
      ++op_range.start;
    }
    if (b.return_bool && !IsComparisonOperator(b.op)) {
      AddError(op_range, "bool modifier can only be used on comparison operators");
    }
    if (IsComparisonOperator(b.op) && !b.return_bool && lt == ValueType::kScalar &&
        rt == ValueType::kScalar) {
      AddError(op_range, "comparisons between scalars must use BOOL modifier");
    }
    if (b.matching && IsSetOperator(b.op) && b.matching->card == Cardinality::kOneToOne) {
      b.matching->card = Cardinality::kManyToMany;
    }
    if (b.matching && b.matching->on) {
      for (const auto& l1 : b.matching->matching_labels) {
        for (const auto& l2 : b.matching->include) {
          if (l1 == l2) {
            AddError(
                op_range,
                absl::StrFormat("label \"%s\" must not occur in ON and GROUP clause at once", l1));
          }
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      AddError(b.lhs->pos, "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      AddError(b.rhs->pos, "binary expression must contain only scalar and instant vector types");
    }
    if ((lt != ValueType::kVector || rt != ValueType::kVector) && b.matching) {
      if (!b.matching->matching_labels.empty()) {
        AddError(e.pos, "vector matching only allowed between instant vectors");
      }
      b.matching.reset();
    } else if (b.matching && IsSetOperator(b.op)) {
      if (b.matching->card == Cardinality::kOneToMany ||
          b.matching->card == Cardinality::kManyToOne) {
        AddError(e.pos,
                 absl::StrFormat("no grouping allowed for \"%s\" operation", ItemTypeString(b.op)));
      }
      if (b.matching->card != Cardinality::kManyToMany) {
        AddError(e.pos, "set operations must always be many-to-many");
      }
      if (b.matching->fill_left || b.matching->fill_right) {
        AddError(e.pos, absl::StrFormat("fill modifiers are not allowed for \"%s\" operation",
                                        ItemTypeString(b.op)));
      }
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && IsSetOperator(b.op)) {
      AddError(e.pos, absl::StrFormat("set operator \"%s\" not allowed in binary scalar expression",
                                      ItemTypeString(b.op)));
    }
  }

  std::string_view in_;
  std::optional<CheckError> err_;
};

}  // namespace

std::optional<CheckError> CheckAST(Expr& e, std::string_view input) {
  return Checker(input).Run(e);
}

}  // namespace ward::promql::parser
