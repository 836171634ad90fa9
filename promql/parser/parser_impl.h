// Internal to the parser library: the Parser class shared by parse.cc
// (expressions, selectors, calls) and parse_modifiers.cc (ranges,
// subqueries, offset, @, duration expressions). One Parser per ParseExpr
// call; not thread-safe, not for use outside promql/parser.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels/matcher.h"
#include "promql/parser/ast.h"
#include "promql/parser/lex.h"
#include "promql/parser/parse.h"

namespace ward::promql::parser::internal {

using labels::Matcher;
using labels::MatchType;

std::string Lower(std::string_view s);
// Case-insensitive equality with an already lower-case word.
bool EqualsLower(std::string_view s, std::string_view lower);

class Parser {
 public:
  Parser(std::string_view input, const ParseOptions& opts)
      : in_(input), opts_(opts), toks_(Lex(input)) {}

  Result<ExprPtr> ParseTop();

  Result<std::vector<Matcher>> ParseSelectorOnly();

 private:
  // ---- tokens and errors ----
  const Token& Cur() const { return toks_[i_]; }
  const Token& PeekAt(size_t k) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
  const Token& Advance();
  bool CurIsWord(std::string_view lower) const {
    return Cur().type == Tok::kIdent && EqualsLower(Cur().text, lower);
  }

  void AddError(PosRange pos, std::string msg);
  // Records a syntax error at the current token and returns nullptr.
  std::nullptr_t Unexpected(std::string_view context, std::string_view expected);
  Status TakeError();

  // ---- expressions ----
  std::optional<ItemType> CurBinaryOp() const;

  // Guards the recursion of the parser (nested parentheses, calls, unary
  // operators) so hostile input cannot overflow the stack.
  struct NestingGuard {
    explicit NestingGuard(int* n) : n_(n) { ++*n_; }
    ~NestingGuard() { --*n_; }
    int* n_;
  };
  bool TooDeep(PosRange pos);

  ExprPtr ParseBinary(int min_prec);

  std::optional<std::vector<std::string>> ParseGroupingLabels();

  std::optional<double> ParseFillValue();

  // A NUMBER token or Inf/NaN identifier at the cursor; advances on success.
  std::optional<double> ParseNumberToken();

  bool ParseBinModifiers(BinaryExpr* b);

  ExprPtr ParseUnary();

  ExprPtr ParsePrimary();

  std::optional<int64_t> ParseDurationToken();

  // Arguments of a call or aggregation: `(` [expr {, expr}] `)`.
  std::optional<std::vector<ExprPtr>> ParseArgs(std::string_view context);

  ExprPtr ParseCall();

  ExprPtr ParseAggregate(ItemType op);

  // `name` was consumed (or is empty); the cursor is at `{` or after name.
  ExprPtr ParseVectorSelector(std::string name, int start);

  // After `{`: matchers up to and including `}`.
  bool ParseMatchers(std::vector<Matcher>* out);

  // ---- postfix: [range], [range:step], offset, @, anchored, smoothed ----
  ExprPtr ParsePostfix(ExprPtr e);

  ExprPtr ParseRangeOrSubquery(ExprPtr e);

  // A literal becomes *ms; anything else is kept in *expr (with *ms its
  // folded value when constant and positive).
  bool SetDuration(DurationExprPtr d, int64_t* ms, DurationExprPtr* expr, bool allow_negative);

  // True when the cursor can start a duration expression.
  bool StartsDuration() const;

  ExprPtr ParseOffset(ExprPtr e);

  ExprPtr ParseAt(ExprPtr e);

  // ---- duration expressions ----
  // In `offset` position only a signed primary is taken (Prometheus: "without
  // parentheses, only the first duration value is used").
  DurationExprPtr ParseDurationExpr(bool offset) {
    if (offset) return ParseDurationUnary(/*offset=*/true);
    return ParseDurationBinary(0);
  }

  static int DurPrec(Tok t);

  DurationExprPtr ParseDurationBinary(int min_prec);

  DurationExprPtr ParseDurationUnary(bool offset);

  DurationExprPtr ParseDurationPrimary();

  // Limits that keep recursion over the tree (here, in the printer and in
  // the engine) well within a thread's stack.
  static constexpr int kMaxNesting = 1000;
  static constexpr int kMaxTreeDepth = 5000;

  std::string_view in_;
  ParseOptions opts_;
  int nesting_ = 0;  // current recursion depth of ParseBinary
  int depth_ = 0;    // tree depth of the expression parsed last
  std::vector<Token> toks_;
  size_t i_ = 0;
  int last_closing_ = 0;
  std::optional<std::string> err_;
  PosRange err_pos_;
};

}  // namespace ward::promql::parser::internal
