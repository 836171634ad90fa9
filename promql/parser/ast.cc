// Node helpers of the PromQL AST: type names, operator spellings, the
// function table (Prometheus's functions.go, as documented in
// querying/functions.md) and deep copies.
#include "promql/parser/ast.h"

#include <unordered_map>

namespace ward::promql::parser {

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNone:
      return "none";
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
  }
  return "none";
}

std::string_view ItemTypeString(ItemType t) {
  switch (t) {
    case ItemType::kInvalid:
      return "<invalid>";
    case ItemType::ADD:
      return "+";
    case ItemType::SUB:
      return "-";
    case ItemType::MUL:
      return "*";
    case ItemType::DIV:
      return "/";
    case ItemType::MOD:
      return "%";
    case ItemType::POW:
      return "^";
    case ItemType::ATAN2:
      return "atan2";
    case ItemType::EQLC:
      return "==";
    case ItemType::NEQ:
      return "!=";
    case ItemType::LTE:
      return "<=";
    case ItemType::LSS:
      return "<";
    case ItemType::GTE:
      return ">=";
    case ItemType::GTR:
      return ">";
    case ItemType::LAND:
      return "and";
    case ItemType::LOR:
      return "or";
    case ItemType::LUNLESS:
      return "unless";
    case ItemType::TRIM_UPPER:
      return "</";
    case ItemType::TRIM_LOWER:
      return ">/";
    case ItemType::SUM:
      return "sum";
    case ItemType::AVG:
      return "avg";
    case ItemType::COUNT:
      return "count";
    case ItemType::MIN:
      return "min";
    case ItemType::MAX:
      return "max";
    case ItemType::GROUP:
      return "group";
    case ItemType::STDDEV:
      return "stddev";
    case ItemType::STDVAR:
      return "stdvar";
    case ItemType::TOPK:
      return "topk";
    case ItemType::BOTTOMK:
      return "bottomk";
    case ItemType::COUNT_VALUES:
      return "count_values";
    case ItemType::QUANTILE:
      return "quantile";
    case ItemType::LIMITK:
      return "limitk";
    case ItemType::LIMIT_RATIO:
      return "limit_ratio";
  }
  return "<invalid>";
}

bool IsComparisonOperator(ItemType t) {
  return t == ItemType::EQLC || t == ItemType::NEQ || t == ItemType::LTE || t == ItemType::LSS ||
         t == ItemType::GTE || t == ItemType::GTR;
}
bool IsSetOperator(ItemType t) {
  return t == ItemType::LAND || t == ItemType::LOR || t == ItemType::LUNLESS;
}
bool IsAggregator(ItemType t) { return t >= ItemType::SUM && t <= ItemType::LIMIT_RATIO; }
bool IsAggregatorWithParam(ItemType t) {
  return t == ItemType::TOPK || t == ItemType::BOTTOMK || t == ItemType::COUNT_VALUES ||
         t == ItemType::QUANTILE || t == ItemType::LIMITK || t == ItemType::LIMIT_RATIO;
}

namespace {

using VT = ValueType;
constexpr VT S = VT::kScalar, V = VT::kVector, M = VT::kMatrix, Str = VT::kString;

std::unordered_map<std::string_view, Function>* BuildFunctions() {
  auto* m = new std::unordered_map<std::string_view, Function>();
  auto add = [m](const char* name, std::vector<VT> args, int variadic, VT ret, bool exp) {
    (*m)[name] = Function{name, std::move(args), variadic, ret, exp};
  };
  // Instant vector -> instant vector.
  for (const char* n : {"abs",
                        "absent",
                        "acos",
                        "acosh",
                        "asin",
                        "asinh",
                        "atan",
                        "atanh",
                        "ceil",
                        "cos",
                        "cosh",
                        "deg",
                        "exp",
                        "floor",
                        "histogram_avg",
                        "histogram_count",
                        "histogram_sum",
                        "histogram_stddev",
                        "histogram_stdvar",
                        "ln",
                        "log10",
                        "log2",
                        "rad",
                        "sgn",
                        "sin",
                        "sinh",
                        "sort",
                        "sort_desc",
                        "sqrt",
                        "tan",
                        "tanh",
                        "timestamp",
                        "start_timestamp"}) {
    add(n, {V}, 0, V, false);
  }
  // Range vector -> instant vector.
  for (const char* n : {"absent_over_time", "avg_over_time", "changes", "count_over_time", "delta",
                        "deriv", "first_over_time", "idelta", "increase", "irate", "last_over_time",
                        "max_over_time", "min_over_time", "present_over_time", "rate", "resets",
                        "stddev_over_time", "stdvar_over_time", "sum_over_time"}) {
    add(n, {M}, 0, V, false);
  }
  for (const char* n : {"mad_over_time", "ts_of_min_over_time", "ts_of_max_over_time",
                        "ts_of_last_over_time", "ts_of_first_over_time"}) {
    add(n, {M}, 0, V, true);
  }
  // Date functions take an optional vector (default: vector(time())).
  for (const char* n : {"day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour",
                        "minute", "month", "year"}) {
    add(n, {V}, 1, V, false);
  }
  add("clamp", {V, S, S}, 0, V, false);
  add("clamp_max", {V, S}, 0, V, false);
  add("clamp_min", {V, S}, 0, V, false);
  add("histogram_fraction", {S, S, V}, 0, V, false);
  add("histogram_quantile", {S, V}, 0, V, false);
  add("histogram_quantiles", {V, Str, S, S}, 9, V, true);
  add("double_exponential_smoothing", {M, S, S}, 0, V, true);
  add("info", {V, V}, 1, V, true);
  add("label_join", {V, Str, Str, Str}, -1, V, false);
  add("label_replace", {V, Str, Str, Str, Str}, 0, V, false);
  add("pi", {}, 0, S, false);
  add("predict_linear", {M, S}, 0, V, false);
  add("quantile_over_time", {S, M}, 0, V, false);
  add("round", {V, S}, 1, V, false);
  add("scalar", {V}, 0, S, false);
  add("sort_by_label", {V, Str}, -1, V, true);
  add("sort_by_label_desc", {V, Str}, -1, V, true);
  add("time", {}, 0, S, false);
  add("vector", {S}, 0, V, false);
  add("start", {}, 0, S, true);
  add("end", {}, 0, S, true);
  add("step", {}, 0, S, true);
  add("range", {}, 0, S, true);
  add("min_of", {S, S}, 0, S, true);
  add("max_of", {S, S}, 0, S, true);
  return m;
}

}  // namespace

const Function* GetFunction(std::string_view name) {
  static const std::unordered_map<std::string_view, Function>* table = BuildFunctions();
  auto it = table->find(name);
  return it == table->end() ? nullptr : &it->second;
}

ValueType Expr::Type() const {
  struct V {
    ValueType operator()(const NumberLiteral&) const { return ValueType::kScalar; }
    ValueType operator()(const StringLiteral&) const { return ValueType::kString; }
    ValueType operator()(const VectorSelector&) const { return ValueType::kVector; }
    ValueType operator()(const MatrixSelector&) const { return ValueType::kMatrix; }
    ValueType operator()(const SubqueryExpr&) const { return ValueType::kMatrix; }
    ValueType operator()(const Call& c) const {
      return c.func ? c.func->return_type : ValueType::kNone;
    }
    ValueType operator()(const AggregateExpr&) const { return ValueType::kVector; }
    ValueType operator()(const BinaryExpr& b) const {
      if (b.lhs->Type() == ValueType::kScalar && b.rhs->Type() == ValueType::kScalar) {
        return ValueType::kScalar;
      }
      return ValueType::kVector;
    }
    ValueType operator()(const UnaryExpr& u) const { return u.expr->Type(); }
    ValueType operator()(const ParenExpr& p) const { return p.expr->Type(); }
    ValueType operator()(const StepInvariantExpr& s) const { return s.expr->Type(); }
  };
  return std::visit(V{}, node);
}

bool DurationExpr::IsConstant() const {
  if (op == Op::kStep || op == Op::kRange) return false;
  if (lhs && !lhs->IsConstant()) return false;
  if (rhs && !rhs->IsConstant()) return false;
  return true;
}

DurationExprPtr Clone(const DurationExpr& d) {
  auto c = std::make_unique<DurationExpr>();
  c->op = d.op;
  c->value = d.value;
  c->is_duration = d.is_duration;
  c->wrapped = d.wrapped;
  c->pos = d.pos;
  if (d.lhs) c->lhs = Clone(*d.lhs);
  if (d.rhs) c->rhs = Clone(*d.rhs);
  return c;
}

namespace {
DurationExprPtr CloneOpt(const DurationExprPtr& d) { return d ? Clone(*d) : nullptr; }
ExprPtr CloneOpt(const ExprPtr& e) { return e ? Clone(*e) : nullptr; }
}  // namespace

ExprPtr Clone(const Expr& e) {
  struct V {
    Expr::Node operator()(const NumberLiteral& n) const { return n; }
    Expr::Node operator()(const StringLiteral& n) const { return n; }
    Expr::Node operator()(const VectorSelector& n) const {
      VectorSelector c;
      c.name = n.name;
      c.matchers = n.matchers;
      c.offset_ms = n.offset_ms;
      c.offset_expr = CloneOpt(n.offset_expr);
      c.timestamp_ms = n.timestamp_ms;
      c.start_or_end = n.start_or_end;
      c.anchored = n.anchored;
      c.smoothed = n.smoothed;
      return c;
    }
    Expr::Node operator()(const MatrixSelector& n) const {
      MatrixSelector c;
      c.vector_selector = CloneOpt(n.vector_selector);
      c.range_ms = n.range_ms;
      c.range_expr = CloneOpt(n.range_expr);
      c.end_pos = n.end_pos;
      return c;
    }
    Expr::Node operator()(const SubqueryExpr& n) const {
      SubqueryExpr c;
      c.expr = CloneOpt(n.expr);
      c.range_ms = n.range_ms;
      c.range_expr = CloneOpt(n.range_expr);
      c.step_ms = n.step_ms;
      c.step_expr = CloneOpt(n.step_expr);
      c.offset_ms = n.offset_ms;
      c.offset_expr = CloneOpt(n.offset_expr);
      c.timestamp_ms = n.timestamp_ms;
      c.start_or_end = n.start_or_end;
      c.end_pos = n.end_pos;
      return c;
    }
    Expr::Node operator()(const Call& n) const {
      Call c;
      c.func = n.func;
      for (const auto& a : n.args) c.args.push_back(Clone(*a));
      return c;
    }
    Expr::Node operator()(const AggregateExpr& n) const {
      AggregateExpr c;
      c.op = n.op;
      c.expr = CloneOpt(n.expr);
      c.param = CloneOpt(n.param);
      c.grouping = n.grouping;
      c.without = n.without;
      return c;
    }
    Expr::Node operator()(const BinaryExpr& n) const {
      BinaryExpr c;
      c.op = n.op;
      c.lhs = CloneOpt(n.lhs);
      c.rhs = CloneOpt(n.rhs);
      c.matching = n.matching;
      c.return_bool = n.return_bool;
      return c;
    }
    Expr::Node operator()(const UnaryExpr& n) const { return UnaryExpr{n.op, CloneOpt(n.expr)}; }
    Expr::Node operator()(const ParenExpr& n) const { return ParenExpr{CloneOpt(n.expr)}; }
    Expr::Node operator()(const StepInvariantExpr& n) const {
      return StepInvariantExpr{CloneOpt(n.expr)};
    }
  };
  auto c = std::make_unique<Expr>(Expr{std::visit(V{}, e.node), e.pos});
  return c;
}

}  // namespace ward::promql::parser
