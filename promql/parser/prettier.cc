// Prettify: multi-line PromQL formatting, following Prometheus's
// prettier.go rules: a node whose one-line form exceeds 100 characters is
// split, children indented by two spaces per level; shorter nodes stay on
// one line. Used by /api/v1/format_query.
#include <string>

#include "promql/parser/ast.h"

namespace ward::promql::parser {

namespace {

constexpr size_t kMaxCharactersPerLine = 100;

std::string Indent(int level) { return std::string(2 * level, ' '); }

bool NeedsSplit(const Expr& e) { return ToString(e).size() > kMaxCharactersPerLine; }

std::string Pretty(const Expr& e, int level);

// The text of `[range:step] @ t offset d` of a subquery: its one-line form
// minus the inner expression.
std::string SubquerySuffix(const Expr& e, const SubqueryExpr& s) {
  std::string whole = ToString(e);
  std::string inner = ToString(*s.expr);
  return whole.substr(inner.size());
}

std::string Pretty(const Expr& e, int level) {
  if (const auto* a = e.As<AggregateExpr>()) {
    if (!NeedsSplit(e)) return Indent(level) + ToString(e);
    // The operator and grouping ("sum by (a) "): the one-line form minus
    // its argument list "(param, expr)".
    std::string one_line = ToString(e);
    size_t args = 2 + ToString(*a->expr).size() + (a->param ? ToString(*a->param).size() + 2 : 0);
    std::string s = Indent(level) + one_line.substr(0, one_line.size() - args) + "(\n";
    if (a->param) s += Pretty(*a->param, level + 1) + ",\n";
    s += Pretty(*a->expr, level + 1) + "\n" + Indent(level) + ")";
    return s;
  }
  if (const auto* b = e.As<BinaryExpr>()) {
    if (!NeedsSplit(e)) return Indent(level) + ToString(e);
    // The operator with its modifiers, as the one-line form prints them.
    std::string one_line = ToString(e);
    std::string lhs = ToString(*b->lhs);
    std::string rhs = ToString(*b->rhs);
    std::string op = one_line.substr(lhs.size() + 1, one_line.size() - lhs.size() - rhs.size() - 2);
    return Pretty(*b->lhs, level + 1) + "\n" + Indent(level) + op + "\n" +
           Pretty(*b->rhs, level + 1);
  }
  if (const auto* c = e.As<Call>()) {
    if (!NeedsSplit(e)) return Indent(level) + ToString(e);
    std::string s = Indent(level) + c->func->name + "(\n";
    for (size_t i = 0; i < c->args.size(); ++i) {
      if (i > 0) s += ",\n";
      s += Pretty(*c->args[i], level + 1);
    }
    return s + "\n" + Indent(level) + ")";
  }
  if (const auto* p = e.As<ParenExpr>()) {
    if (!NeedsSplit(e)) return Indent(level) + ToString(e);
    return Indent(level) + "(\n" + Pretty(*p->expr, level + 1) + "\n" + Indent(level) + ")";
  }
  if (const auto* s = e.As<SubqueryExpr>()) {
    if (!NeedsSplit(e)) return Indent(level) + ToString(e);
    return Pretty(*s->expr, level) + SubquerySuffix(e, *s);
  }
  if (const auto* u = e.As<UnaryExpr>()) {
    std::string child = Pretty(*u->expr, level);
    size_t first = child.find_first_not_of(' ');
    child = first == std::string::npos ? "" : child.substr(first);
    while (!child.empty() && child.back() == ' ') child.pop_back();
    return Indent(level) + std::string(ItemTypeString(u->op)) + child;
  }
  if (const auto* si = e.As<StepInvariantExpr>()) return Pretty(*si->expr, level);
  // Selectors and literals never split.
  return Indent(level) + ToString(e);
}

}  // namespace

std::string Prettify(const Expr& e) { return Pretty(e, 0); }

}  // namespace ward::promql::parser
