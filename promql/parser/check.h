// Type checks of a parsed PromQL tree (Prometheus's checkAST): argument and
// operand types, vector-matching rules, selector sanity. Internal to the
// parser library; ParseExpr runs it. Pure function, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "promql/parser/ast.h"

namespace ward::promql::parser {

struct CheckError {
  PosRange pos;
  std::string msg;
};

// Returns the first error in Prometheus's walk order, or nullopt. May
// normalise binary-expression matching in place (set operators become
// many-to-many; matching is dropped unless both sides are vectors), as
// Prometheus's checkAST does. `input` is the query text (for positions).
std::optional<CheckError> CheckAST(Expr& e, std::string_view input);

}  // namespace ward::promql::parser
