// ToString: canonical PromQL text of an AST, following Prometheus's
// printer.go (String() of each node): numbers as Go's %v, durations as
// model.Duration, strings and label values Go-quoted, matchers sorted.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "model/labels/labels.h"
#include "promql/parser/ast.h"
#include "promql/parser/lex.h"

namespace ward::promql::parser {

namespace {

// Numbers print as Go's strconv.FormatFloat(v, 'f', -1, 64): no exponent.
void AppendNumber(std::string* out, double v) { out->append(FormatFloatF(v)); }

// Label names that are not legacy identifiers are printed quoted.
void AppendLabelName(std::string* out, std::string_view name) {
  if (IsLegacyLabelName(name)) {
    out->append(name);
  } else {
    AppendGoQuoted(out, name);
  }
}

void AppendLabelList(std::string* out, const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out->append(", ");
    AppendLabelName(out, names[i]);
  }
}

void AppendAt(std::string* out, const std::optional<int64_t>& ts, StartOrEnd soe) {
  if (ts) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " @ %.3f", static_cast<double>(*ts) / 1000.0);
    out->append(buf);
  } else if (soe == StartOrEnd::kStart) {
    out->append(" @ start()");
  } else if (soe == StartOrEnd::kEnd) {
    out->append(" @ end()");
  }
}

void AppendOffset(std::string* out, int64_t offset_ms, const DurationExprPtr& offset_expr) {
  if (offset_expr) {
    out->append(" offset ");
    out->append(ToString(*offset_expr));
  } else if (offset_ms > 0) {
    out->append(" offset ");
    out->append(FormatDuration(offset_ms));
  } else if (offset_ms < 0) {
    out->append(" offset -");
    out->append(FormatDuration(-offset_ms));
  }
}

void AppendSelectorBody(std::string* out, const VectorSelector& vs) {
  std::vector<std::string> parts;
  bool quoted_name = !vs.name.empty() && !IsLegacyMetricName(vs.name);
  for (const auto& m : vs.matchers) {
    if (m.name() == labels::kMetricName && m.type() == labels::MatchType::kEqual &&
        m.value() == vs.name && !m.value().empty()) {
      continue;
    }
    static constexpr const char* kOps[] = {"=", "!=", "=~", "!~"};
    std::string s;
    AppendLabelName(&s, m.name());
    s.append(kOps[static_cast<int>(m.type())]);
    AppendGoQuoted(&s, m.value());
    parts.push_back(std::move(s));
  }
  std::sort(parts.begin(), parts.end());
  if (quoted_name) {
    out->push_back('{');
    AppendGoQuoted(out, vs.name);
    for (const auto& p : parts) {
      out->append(", ");
      out->append(p);
    }
    out->push_back('}');
    return;
  }
  out->append(vs.name);
  if (parts.empty()) {
    // `{}` (legal only as info()'s selector); Prometheus would print nothing.
    if (vs.name.empty()) out->append("{}");
    return;
  }
  out->push_back('{');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append(parts[i]);
  }
  out->push_back('}');
}

void AppendRangeModifiers(std::string* out, const VectorSelector& vs) {
  if (vs.anchored) out->append(" anchored");
  if (vs.smoothed) out->append(" smoothed");
}

void Print(std::string* out, const Expr& e);

struct Printer {
  std::string* out;
  void operator()(const NumberLiteral& n) const {
    if (n.is_duration && std::isfinite(n.val)) {
      int64_t ms = static_cast<int64_t>(std::llround(n.val * 1000));
      if (ms < 0) {
        out->push_back('-');
        ms = -ms;
      }
      out->append(FormatDuration(ms));
      return;
    }
    AppendNumber(out, n.val);
  }
  void operator()(const StringLiteral& n) const { AppendGoQuoted(out, n.val); }
  void operator()(const VectorSelector& vs) const {
    // Order as Prometheus prints it: name{...} @ t anchored offset d.
    AppendSelectorBody(out, vs);
    AppendAt(out, vs.timestamp_ms, vs.start_or_end);
    AppendRangeModifiers(out, vs);
    AppendOffset(out, vs.offset_ms, vs.offset_expr);
  }
  void operator()(const MatrixSelector& m) const {
    const auto* vs = m.vector_selector->As<VectorSelector>();
    if (vs == nullptr) {
      Print(out, *m.vector_selector);
      return;
    }
    AppendSelectorBody(out, *vs);
    out->push_back('[');
    if (m.range_expr) {
      out->append(ToString(*m.range_expr));
    } else {
      out->append(FormatDuration(m.range_ms));
    }
    out->push_back(']');
    // name{...}[range] anchored @ t offset d
    AppendRangeModifiers(out, *vs);
    AppendAt(out, vs->timestamp_ms, vs->start_or_end);
    AppendOffset(out, vs->offset_ms, vs->offset_expr);
  }
  void operator()(const SubqueryExpr& s) const {
    Print(out, *s.expr);
    out->push_back('[');
    if (s.range_expr) {
      out->append(ToString(*s.range_expr));
    } else {
      out->append(FormatDuration(s.range_ms));
    }
    out->push_back(':');
    if (s.step_expr) {
      out->append(ToString(*s.step_expr));
    } else if (s.step_ms != 0) {
      out->append(FormatDuration(s.step_ms));
    }
    out->push_back(']');
    AppendAt(out, s.timestamp_ms, s.start_or_end);
    AppendOffset(out, s.offset_ms, s.offset_expr);
  }
  void operator()(const Call& c) const {
    out->append(c.func ? c.func->name : "<unknown>");
    out->push_back('(');
    for (size_t i = 0; i < c.args.size(); ++i) {
      if (i > 0) out->append(", ");
      Print(out, *c.args[i]);
    }
    out->push_back(')');
  }
  void operator()(const AggregateExpr& a) const {
    out->append(ItemTypeString(a.op));
    if (a.without) {
      out->append(" without (");
      AppendLabelList(out, a.grouping);
      out->append(") ");
    } else if (!a.grouping.empty()) {
      out->append(" by (");
      AppendLabelList(out, a.grouping);
      out->append(") ");
    }
    out->push_back('(');
    if (a.param) {
      Print(out, *a.param);
      out->append(", ");
    }
    if (a.expr) Print(out, *a.expr);
    out->push_back(')');
  }
  void operator()(const BinaryExpr& b) const {
    const auto* num = b.lhs->As<NumberLiteral>();
    if (b.op == ItemType::POW && num != nullptr && std::isinf(num->val) && num->val > 0) {
      // "+Inf ^ x" would re-parse as "+(Inf ^ x)"; print it unsigned.
      out->append("Inf");
    } else {
      Print(out, *b.lhs);
    }
    out->push_back(' ');
    out->append(ItemTypeString(b.op));
    if (b.return_bool) out->append(" bool");
    if (b.matching) {
      const VectorMatching& vm = *b.matching;
      if (!vm.matching_labels.empty() || vm.on) {
        out->append(vm.on ? " on (" : " ignoring (");
        AppendLabelList(out, vm.matching_labels);
        out->push_back(')');
        if (vm.card == Cardinality::kManyToOne || vm.card == Cardinality::kOneToMany) {
          out->append(vm.card == Cardinality::kManyToOne ? " group_left (" : " group_right (");
          AppendLabelList(out, vm.include);
          out->push_back(')');
        }
      }
      if (vm.fill_left || vm.fill_right) {
        if (vm.fill_left && vm.fill_right &&
            (*vm.fill_left == *vm.fill_right ||
             (std::isnan(*vm.fill_left) && std::isnan(*vm.fill_right)))) {
          out->append(" fill(");
          AppendNumber(out, *vm.fill_left);
          out->push_back(')');
        } else {
          if (vm.fill_left) {
            out->append(" fill_left(");
            AppendNumber(out, *vm.fill_left);
            out->push_back(')');
          }
          if (vm.fill_right) {
            out->append(" fill_right(");
            AppendNumber(out, *vm.fill_right);
            out->push_back(')');
          }
        }
      }
    }
    out->push_back(' ');
    Print(out, *b.rhs);
  }
  void operator()(const UnaryExpr& u) const {
    out->append(ItemTypeString(u.op));
    Print(out, *u.expr);
  }
  void operator()(const ParenExpr& p) const {
    out->push_back('(');
    Print(out, *p.expr);
    out->push_back(')');
  }
  void operator()(const StepInvariantExpr& s) const { Print(out, *s.expr); }
};

void Print(std::string* out, const Expr& e) { std::visit(Printer{out}, e.node); }

void PrintDuration(std::string* out, const DurationExpr& d) {
  if (d.wrapped) out->push_back('(');
  using Op = DurationExpr::Op;
  switch (d.op) {
    case Op::kNumber:
      if (d.is_duration && std::isfinite(d.value)) {
        int64_t ms = static_cast<int64_t>(std::llround(d.value * 1000));
        if (ms < 0) {
          out->push_back('-');
          ms = -ms;
        }
        out->append(FormatDuration(ms));
      } else {
        AppendNumber(out, d.value);
      }
      break;
    case Op::kStep:
      out->append("step()");
      break;
    case Op::kRange:
      out->append("range()");
      break;
    case Op::kMinOf:
    case Op::kMaxOf:
      out->append(d.op == Op::kMinOf ? "min_of(" : "max_of(");
      PrintDuration(out, *d.lhs);
      out->append(", ");
      PrintDuration(out, *d.rhs);
      out->push_back(')');
      break;
    case Op::kNeg:
    case Op::kPos:
      out->push_back(d.op == Op::kNeg ? '-' : '+');
      PrintDuration(out, *d.rhs);
      break;
    default: {
      static constexpr const char* kOps[] = {"", " + ", " - ", " * ", " / ", " % ", " ^ "};
      PrintDuration(out, *d.lhs);
      out->append(kOps[static_cast<int>(d.op)]);
      PrintDuration(out, *d.rhs);
    }
  }
  if (d.wrapped) out->push_back(')');
}

}  // namespace

std::string ToString(const Expr& e) {
  std::string out;
  Print(&out, e);
  return out;
}

std::string ToString(const DurationExpr& d) {
  std::string out;
  PrintDuration(&out, d);
  return out;
}

}  // namespace ward::promql::parser
