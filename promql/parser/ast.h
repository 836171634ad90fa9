// The PromQL abstract syntax tree, modelled on Prometheus's promql/parser
// (ast.go). ParseExpr (parse.h) builds it; the engine evaluates it; ToString
// (printer.h) prints it back as canonical PromQL. A parsed tree is immutable
// and may be shared by any number of threads once ParseExpr returns.
//
// Representation: every node is an `Expr` holding a std::variant of the node
// structs below plus its position in the query text. Children are owned
// through ExprPtr (unique_ptr). Use `e.As<Call>()` / std::visit to dispatch.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/labels/matcher.h"

namespace ward::promql::parser {

// Byte offsets into the query: [start, end).
struct PosRange {
  int start = 0;
  int end = 0;
};

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };
// "scalar", "instant vector", "range vector", "string", "none": the words
// Prometheus's error messages use.
std::string_view ValueTypeName(ValueType t);

// Operators and aggregators. Only the kinds an AST node can carry are here;
// the lexer has its own token kinds.
enum class ItemType {
  kInvalid,
  // Binary / unary operators.
  ADD,
  SUB,
  MUL,
  DIV,
  MOD,
  POW,
  ATAN2,
  EQLC,
  NEQ,
  LTE,
  LSS,
  GTE,
  GTR,
  LAND,
  LOR,
  LUNLESS,
  TRIM_UPPER,  // `</` native-histogram trim operators (precedence of `*`)
  TRIM_LOWER,  // `>/`
  // Aggregators.
  SUM,
  AVG,
  COUNT,
  MIN,
  MAX,
  GROUP,
  STDDEV,
  STDVAR,
  TOPK,
  BOTTOMK,
  COUNT_VALUES,
  QUANTILE,
  LIMITK,
  LIMIT_RATIO,
};
// The PromQL spelling: "+", "==", "and", "atan2", "sum", "count_values"...
std::string_view ItemTypeString(ItemType t);
bool IsComparisonOperator(ItemType t);  // == != <= < >= >
bool IsSetOperator(ItemType t);         // and or unless
bool IsAggregator(ItemType t);
// topk bottomk quantile count_values limitk limit_ratio.
bool IsAggregatorWithParam(ItemType t);

// A PromQL function's signature (Prometheus's functions.go).
// Argument i has type arg_types[i]. With variadic != 0 the LAST entry of
// arg_types is optional/repeatable: at least arg_types.size()-1 arguments,
// at most arg_types.size()-1+variadic (variadic > 0), unbounded (-1);
// extra arguments have the type of the last entry.
struct Function {
  std::string name;
  std::vector<ValueType> arg_types;
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  bool experimental = false;
};
// The function of that name, or nullptr. Pointers stay valid forever.
const Function* GetFunction(std::string_view name);

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class StartOrEnd { kNone, kStart, kEnd };

// A duration expression (Prometheus 3.x "duration expressions"): the
// argument of `[...]`, `[...:...]` and `offset` when it is more than a
// plain duration/number, e.g. `[5m+1m]`, `offset step()*2`,
// `[min_of(step(), 1h)]`. Values are in SECONDS (float), as in Prometheus.
// The engine evaluates these with EvalDuration (parse.h) once per query, as
// step() and range() depend on the query.
struct DurationExpr {
  enum class Op {
    kNumber,  // literal: value (seconds); is_duration says it was written `5m`
    kAdd,
    kSub,
    kMul,
    kDiv,
    kMod,
    kPow,  // binary: lhs op rhs
    kNeg,
    kPos,  // unary: -rhs, +rhs
    kStep,
    kRange,  // step(), range(): no operands
    kMinOf,
    kMaxOf,  // min_of(lhs, rhs), max_of(lhs, rhs)
  };
  Op op = Op::kNumber;
  double value = 0;          // kNumber only
  bool is_duration = false;  // kNumber only: printed as a duration
  bool wrapped = false;      // written in parentheses
  std::unique_ptr<DurationExpr> lhs, rhs;
  PosRange pos;
  // True when the value does not depend on step()/range().
  bool IsConstant() const;
};
using DurationExprPtr = std::unique_ptr<DurationExpr>;

struct NumberLiteral {
  double val = 0;
  bool is_duration = false;  // written as a duration (`1m`): printed as one
};

struct StringLiteral {
  std::string val;
};

// `name{matchers} @ t offset d`. `matchers` always includes the
// __name__="name" matcher when a name was given (as in Prometheus).
struct VectorSelector {
  std::string name;
  std::vector<labels::Matcher> matchers;
  // The offset as written (positive = into the past). When offset_expr is
  // set and constant, offset_ms is its folded value; when it depends on
  // step()/range(), offset_ms is 0 and the engine evaluates offset_expr.
  int64_t offset_ms = 0;
  DurationExprPtr offset_expr;
  std::optional<int64_t> timestamp_ms;          // `@ <t>`
  StartOrEnd start_or_end = StartOrEnd::kNone;  // `@ start()` / `@ end()`
  // Extended range selectors (ParseOptions::extended_range_selectors).
  bool anchored = false;
  bool smoothed = false;
};

// `vs[range]` where vector_selector holds a VectorSelector. The @/offset of
// `foo[5m] @ 1 offset 1m` live in that VectorSelector.
struct MatrixSelector {
  ExprPtr vector_selector;
  int64_t range_ms = 0;        // folded value (0 if range_expr non-constant)
  DurationExprPtr range_expr;  // set only for a real expression
  int end_pos = 0;             // position of the closing `]`+1
};

// `expr[range:step] @ t offset d`.
struct SubqueryExpr {
  ExprPtr expr;
  int64_t range_ms = 0;
  DurationExprPtr range_expr;
  int64_t step_ms = 0;  // 0 = the engine's default resolution
  DurationExprPtr step_expr;
  int64_t offset_ms = 0;
  DurationExprPtr offset_expr;
  std::optional<int64_t> timestamp_ms;
  StartOrEnd start_or_end = StartOrEnd::kNone;
  int end_pos = 0;
};

struct Call {
  const Function* func = nullptr;  // never null in a parsed tree
  std::vector<ExprPtr> args;
};

struct AggregateExpr {
  ItemType op = ItemType::kInvalid;
  ExprPtr expr;
  ExprPtr param;  // topk/bottomk/quantile/count_values/limitk/limit_ratio
  std::vector<std::string> grouping;
  bool without = false;
};

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  std::vector<std::string> matching_labels;  // on(...) / ignoring(...)
  bool on = false;
  std::vector<std::string> include;  // group_left(...) / group_right(...)
  // Binary-operator fill modifiers: fill(v) sets both; fill_left(v) fills a
  // missing left-hand sample, fill_right(v) a missing right-hand one.
  std::optional<double> fill_left;
  std::optional<double> fill_right;
};

struct BinaryExpr {
  ItemType op = ItemType::kInvalid;
  ExprPtr lhs, rhs;
  // Set when both sides are instant vectors (as in Prometheus); card is
  // kManyToMany for and/or/unless.
  std::optional<VectorMatching> matching;
  bool return_bool = false;
};

struct UnaryExpr {
  ItemType op = ItemType::SUB;  // SUB or ADD
  ExprPtr expr;
};

struct ParenExpr {
  ExprPtr expr;
};

// Never produced by the parser: the engine may wrap step-invariant subtrees
// in it (Prometheus's PreprocessExpr). Printed as its child.
struct StepInvariantExpr {
  ExprPtr expr;
};

struct Expr {
  using Node =
      std::variant<NumberLiteral, StringLiteral, VectorSelector, MatrixSelector, SubqueryExpr, Call,
                   AggregateExpr, BinaryExpr, UnaryExpr, ParenExpr, StepInvariantExpr>;
  Node node;
  PosRange pos;

  template <typename T>
  const T* As() const {
    return std::get_if<T>(&node);
  }
  template <typename T>
  T* As() {
    return std::get_if<T>(&node);
  }
  template <typename T>
  bool Is() const {
    return std::holds_alternative<T>(node);
  }

  // The value type the expression evaluates to (Prometheus's Expr.Type()).
  ValueType Type() const;
};

// Builds an Expr holding `n` at `pos`.
template <typename T>
ExprPtr MakeExpr(T n, PosRange pos = {}) {
  auto e = std::make_unique<Expr>();
  e->node = std::move(n);
  e->pos = pos;
  return e;
}

// Deep copy (matchers share their compiled regexes).
ExprPtr Clone(const Expr& e);
DurationExprPtr Clone(const DurationExpr& d);

// Canonical PromQL text of the tree, as Prometheus's String() prints it.
std::string ToString(const Expr& e);
std::string ToString(const DurationExpr& d);
// Multi-line form for humans (Prometheus's Prettify, /api/v1/format_query):
// nodes longer than 100 characters are split, two spaces per level.
std::string Prettify(const Expr& e);

}  // namespace ward::promql::parser
