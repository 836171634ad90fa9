// EvalDuration: the value of a duration expression for one query
// (Prometheus's durations.go rules). See parse.h.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "promql/parser/parse.h"

namespace ward::promql::parser {

Result<int64_t> EvalDuration(const DurationExpr& d, int64_t step_ms, int64_t range_ms,
                             bool allow_negative) {
  struct Eval {
    int64_t step_ms, range_ms;
    Result<double> operator()(const DurationExpr& d) const {
      using Op = DurationExpr::Op;
      double l = 0, r = 0;
      if (d.lhs) {
        WARD_ASSIGN_OR_RETURN(l, (*this)(*d.lhs));
      }
      if (d.rhs) {
        WARD_ASSIGN_OR_RETURN(r, (*this)(*d.rhs));
      }
      switch (d.op) {
        case Op::kNumber:
          return d.value;
        case Op::kStep:
          return static_cast<double>(step_ms) / 1000.0;
        case Op::kRange:
          return static_cast<double>(range_ms) / 1000.0;
        case Op::kMinOf:
          return std::min(l, r);
        case Op::kMaxOf:
          return std::max(l, r);
        case Op::kAdd:
          return l + r;
        case Op::kSub:
          return l - r;
        case Op::kMul:
          return l * r;
        case Op::kNeg:
          return -r;
        case Op::kPos:
          return r;
        case Op::kDiv:
          if (r == 0) return Status::InvalidArgument("division by zero");
          return l / r;
        case Op::kMod:
          if (r == 0) return Status::InvalidArgument("modulo by zero");
          return std::fmod(l, r);
        case Op::kPow:
          return std::pow(l, r);
      }
      return Status::Internal("bad duration op");
    }
  };
  WARD_ASSIGN_OR_RETURN(double secs, (Eval{step_ms, range_ms})(d));
  if (secs <= 0 && !allow_negative) {
    return Status::InvalidArgument(
        absl::StrFormat("%d:%d: duration must be greater than 0", d.pos.start, d.pos.end));
  }
  double ms = secs * 1000;
  if (!(ms < 9.2e18 && ms > -9.2e18)) {
    return Status::InvalidArgument(
        absl::StrFormat("%d:%d: duration is out of range", d.pos.start, d.pos.end));
  }
  return static_cast<int64_t>(ms);
}

}  // namespace ward::promql::parser
