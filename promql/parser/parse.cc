// The PromQL parser: precedence climbing over the tokens of lex.h, then the
// type checks of check.h. Only the first error is reported, as Prometheus's
// ParseErrors.Error() does. Ranges, offsets and duration expressions are in
// parse_modifiers.cc.
#include "promql/parser/parse.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "model/labels/labels.h"
#include "promql/parser/check.h"
#include "promql/parser/lex.h"
#include "promql/parser/parser_impl.h"

namespace ward::promql::parser {
namespace internal {

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(std::string(s)); }

bool EqualsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

std::optional<ItemType> AggregatorOf(std::string_view lower) {
  static constexpr struct {
    std::string_view name;
    ItemType op;
  } kAggs[] = {{"sum", ItemType::SUM},
               {"avg", ItemType::AVG},
               {"count", ItemType::COUNT},
               {"min", ItemType::MIN},
               {"max", ItemType::MAX},
               {"group", ItemType::GROUP},
               {"stddev", ItemType::STDDEV},
               {"stdvar", ItemType::STDVAR},
               {"topk", ItemType::TOPK},
               {"bottomk", ItemType::BOTTOMK},
               {"count_values", ItemType::COUNT_VALUES},
               {"quantile", ItemType::QUANTILE},
               {"limitk", ItemType::LIMITK},
               {"limit_ratio", ItemType::LIMIT_RATIO}};
  for (const auto& a : kAggs) {
    if (a.name == lower) return a.op;
  }
  return std::nullopt;
}

bool IsKeyword(std::string_view lower) {
  static constexpr std::string_view kKeywords[] = {"by",         "without",     "on",   "ignoring",
                                                   "group_left", "group_right", "bool", "offset",
                                                   "start",      "end",         "inf",  "nan"};
  for (auto k : kKeywords) {
    if (k == lower) return true;
  }
  return false;
}

std::optional<ItemType> WordOperator(std::string_view lower) {
  if (lower == "and") return ItemType::LAND;
  if (lower == "or") return ItemType::LOR;
  if (lower == "unless") return ItemType::LUNLESS;
  if (lower == "atan2") return ItemType::ATAN2;
  return std::nullopt;
}

std::optional<ItemType> SymbolOperator(Tok t) {
  switch (t) {
    case Tok::kAdd:
      return ItemType::ADD;
    case Tok::kSub:
      return ItemType::SUB;
    case Tok::kMul:
      return ItemType::MUL;
    case Tok::kDiv:
      return ItemType::DIV;
    case Tok::kMod:
      return ItemType::MOD;
    case Tok::kPow:
      return ItemType::POW;
    case Tok::kEqlc:
      return ItemType::EQLC;
    case Tok::kNeq:
      return ItemType::NEQ;
    case Tok::kLte:
      return ItemType::LTE;
    case Tok::kLss:
      return ItemType::LSS;
    case Tok::kGte:
      return ItemType::GTE;
    case Tok::kGtr:
      return ItemType::GTR;
    case Tok::kTrimUpper:
      return ItemType::TRIM_UPPER;
    case Tok::kTrimLower:
      return ItemType::TRIM_LOWER;
    default:
      return std::nullopt;
  }
}

int Precedence(ItemType op) {
  switch (op) {
    case ItemType::LOR:
      return 1;
    case ItemType::LAND:
    case ItemType::LUNLESS:
      return 2;
    case ItemType::EQLC:
    case ItemType::NEQ:
    case ItemType::LTE:
    case ItemType::LSS:
    case ItemType::GTE:
    case ItemType::GTR:
      return 3;
    case ItemType::ADD:
    case ItemType::SUB:
      return 4;
    case ItemType::MUL:
    case ItemType::DIV:
    case ItemType::MOD:
    case ItemType::ATAN2:
    case ItemType::TRIM_UPPER:
    case ItemType::TRIM_LOWER:
      return 5;
    case ItemType::POW:
      return 6;
    default:
      return 0;
  }
}
constexpr int kPowPrecedence = 6;

// Go's %q, truncated to 10 runes like "%.10q" (plus "...").
std::string QuoteTrunc(std::string_view s) {
  std::string out;
  if (s.size() > 10) {
    AppendGoQuoted(&out, s.substr(0, 10));
    out += "...";
  } else {
    AppendGoQuoted(&out, s);
  }
  return out;
}

// Prometheus's Item.desc(): how an unexpected token is named in errors.
std::string Describe(const Token& t) {
  switch (t.type) {
    case Tok::kEOF:
      return "end of input";
    case Tok::kError:
      return t.error;
    case Tok::kIdent: {
      std::string lower = Lower(t.text);
      if (WordOperator(lower)) return absl::StrFormat("<op:%s>", t.text);
      if (AggregatorOf(lower)) return absl::StrFormat("<aggr:%s>", t.text);
      if (IsKeyword(lower)) return absl::StrFormat("<%s>", t.text);
      std::string out = "identifier ";
      AppendGoQuoted(&out, t.text);
      return out;
    }
    case Tok::kMetricIdent: {
      std::string out = "metric identifier ";
      AppendGoQuoted(&out, t.text);
      return out;
    }
    case Tok::kNumber:
      return "number " + QuoteTrunc(t.text);
    case Tok::kDuration:
      return "duration " + QuoteTrunc(t.text);
    case Tok::kString:
      return "string " + QuoteTrunc(t.text);
    default:
      if (SymbolOperator(t.type) || t.type == Tok::kAt || t.type == Tok::kEqlRegex ||
          t.type == Tok::kNeqRegex) {
        return absl::StrFormat("<op:%s>", t.text);
      }
      return QuoteTrunc(t.text);
  }
}

Result<ExprPtr> Parser::ParseTop() {
  if (Cur().type == Tok::kEOF) {
    AddError({0, 0}, "no expression found in input");
    return TakeError();
  }
  ExprPtr e = ParseBinary(0);
  if (e && Cur().type != Tok::kEOF) Unexpected("", "");
  if (err_) return TakeError();
  if (auto err = CheckAST(*e, in_)) {
    err_pos_ = err->pos;
    err_ = std::move(err->msg);
  }
  if (err_) return TakeError();
  return e;
}

Result<std::vector<Matcher>> Parser::ParseSelectorOnly() {
  ExprPtr e;
  const Token& t = Cur();
  if (t.type == Tok::kIdent || t.type == Tok::kMetricIdent) {
    Advance();
    e = ParseVectorSelector(std::string(t.text), t.pos);
  } else if (t.type == Tok::kLBrace) {
    e = ParseVectorSelector("", t.pos);
  } else {
    Unexpected("", "");
  }
  if (e && Cur().type != Tok::kEOF) Unexpected("", "");
  if (err_) return TakeError();
  return std::move(std::get<VectorSelector>(e->node).matchers);
}

const Token& Parser::Advance() {
  const Token& t = toks_[i_];
  if (t.type == Tok::kRParen || t.type == Tok::kRBracket || t.type == Tok::kRBrace) {
    last_closing_ = t.end();
  }
  if (i_ + 1 < toks_.size()) ++i_;
  return t;
}

void Parser::AddError(PosRange pos, std::string msg) {
  if (err_) return;
  err_pos_ = pos;
  err_ = std::move(msg);
}

// Records a syntax error at the current token and returns nullptr.
std::nullptr_t Parser::Unexpected(std::string_view context, std::string_view expected) {
  const Token& t = Cur();
  if (t.type == Tok::kError) {
    AddError({t.pos, t.pos}, t.error);
    return nullptr;
  }
  std::string msg = "unexpected " + Describe(t);
  if (!context.empty()) absl::StrAppend(&msg, " in ", std::string(context));
  if (!expected.empty()) absl::StrAppend(&msg, ", expected ", std::string(expected));
  AddError({t.pos, t.end()}, std::move(msg));
  return nullptr;
}

Status Parser::TakeError() {
  int pos = err_pos_.start;
  int line = 1, last_nl = -1;
  if (pos < 0 || pos > static_cast<int>(in_.size())) {
    return Status::InvalidArgument("invalid position: parse error: " + *err_);
  }
  for (int i = 0; i < pos; ++i) {
    if (in_[i] == '\n') {
      ++line;
      last_nl = i;
    }
  }
  return Status::InvalidArgument(
      absl::StrFormat("%d:%d: parse error: %s", line, pos - last_nl, *err_));
}

// ---- expressions ----
std::optional<ItemType> Parser::CurBinaryOp() const {
  const Token& t = Cur();
  if (auto op = SymbolOperator(t.type)) return op;
  if (t.type == Tok::kIdent && t.text.size() <= 6) return WordOperator(Lower(t.text));
  return std::nullopt;
}

bool Parser::TooDeep(PosRange pos) {
  if (nesting_ <= kMaxNesting && depth_ <= kMaxTreeDepth) return false;
  AddError(pos, absl::StrFormat("expression is nested too deeply (more than %d levels)",
                                nesting_ > kMaxNesting ? kMaxNesting : kMaxTreeDepth));
  return true;
}

ExprPtr Parser::ParseBinary(int min_prec) {
  NestingGuard guard(&nesting_);
  if (TooDeep({Cur().pos, Cur().end()})) return nullptr;
  ExprPtr lhs = ParseUnary();
  if (!lhs) return nullptr;
  while (true) {
    auto op = CurBinaryOp();
    if (!op || Precedence(*op) < min_prec) break;
    Advance();
    BinaryExpr b;
    b.op = *op;
    if (!ParseBinModifiers(&b)) return nullptr;
    int next = *op == ItemType::POW ? Precedence(*op) : Precedence(*op) + 1;
    int lhs_depth = depth_;
    ExprPtr rhs = ParseBinary(next);
    if (!rhs) return nullptr;
    depth_ = std::max(lhs_depth, depth_) + 1;
    if (TooDeep(rhs->pos)) return nullptr;
    PosRange pos{lhs->pos.start, rhs->pos.end};
    b.lhs = std::move(lhs);
    b.rhs = std::move(rhs);
    lhs = MakeExpr(std::move(b), pos);
  }
  return lhs;
}

std::optional<std::vector<std::string>> Parser::ParseGroupingLabels() {
  if (Cur().type != Tok::kLParen) {
    Unexpected("grouping opts", "\"(\"");
    return std::nullopt;
  }
  Advance();
  std::vector<std::string> out;
  while (Cur().type != Tok::kRParen) {
    const Token& t = Cur();
    if (t.type == Tok::kIdent) {
      if (!IsLegacyLabelName(t.text)) {
        Unexpected("grouping opts", "label");
        return std::nullopt;
      }
      out.emplace_back(t.text);
    } else if (t.type == Tok::kString) {
      auto s = GoUnquote(t.text);
      if (!s.ok()) {
        AddError({t.pos, t.end()}, std::string(s.status().message()));
        return std::nullopt;
      }
      out.push_back(std::move(*s));
    } else {
      Unexpected("grouping opts", "label");
      return std::nullopt;
    }
    Advance();
    if (Cur().type == Tok::kComma) {
      Advance();
    } else if (Cur().type != Tok::kRParen) {
      Unexpected("grouping opts", "\",\" or \")\"");
      return std::nullopt;
    }
  }
  Advance();
  return out;
}

std::optional<double> Parser::ParseFillValue() {
  // `(` signed number `)`
  if (Cur().type != Tok::kLParen) {
    Unexpected("fill modifier", "\"(\"");
    return std::nullopt;
  }
  Advance();
  double sign = 1;
  if (Cur().type == Tok::kSub || Cur().type == Tok::kAdd) {
    if (Cur().type == Tok::kSub) sign = -1;
    Advance();
  }
  std::optional<double> v = ParseNumberToken();
  if (!v) {
    Unexpected("fill modifier", "number");
    return std::nullopt;
  }
  if (Cur().type != Tok::kRParen) {
    Unexpected("fill modifier", "\")\"");
    return std::nullopt;
  }
  Advance();
  return sign * *v;
}

// A NUMBER token or Inf/NaN identifier at the cursor; advances on success.
std::optional<double> Parser::ParseNumberToken() {
  const Token& t = Cur();
  if (t.type == Tok::kNumber ||
      (t.type == Tok::kIdent && (Lower(t.text) == "inf" || Lower(t.text) == "nan"))) {
    auto v = ParseGoNumber(t.text);
    if (!v.ok()) {
      AddError({t.pos, t.end()}, "error parsing number: " + std::string(v.status().message()));
      return std::nullopt;
    }
    Advance();
    return *v;
  }
  return std::nullopt;
}

bool Parser::ParseBinModifiers(BinaryExpr* b) {
  VectorMatching vm;
  if (CurIsWord("bool")) {
    Advance();
    b->return_bool = true;
  }
  if (CurIsWord("on") || CurIsWord("ignoring")) {
    vm.on = CurIsWord("on");
    Advance();
    auto l = ParseGroupingLabels();
    if (!l) return false;
    vm.matching_labels = std::move(*l);
    if (CurIsWord("group_left") || CurIsWord("group_right")) {
      vm.card = CurIsWord("group_left") ? Cardinality::kManyToOne : Cardinality::kOneToMany;
      Advance();
      if (Cur().type == Tok::kLParen) {
        auto inc = ParseGroupingLabels();
        if (!inc) return false;
        vm.include = std::move(*inc);
      }
    }
  }
  if (opts_.binop_fill_modifiers) {
    while (Cur().type == Tok::kIdent && PeekAt(1).type == Tok::kLParen) {
      std::string w = Lower(Cur().text);
      if (w != "fill" && w != "fill_left" && w != "fill_right") break;
      Advance();
      auto v = ParseFillValue();
      if (!v) return false;
      if (w != "fill_right") vm.fill_left = *v;
      if (w != "fill_left") vm.fill_right = *v;
    }
  }
  b->matching = std::move(vm);
  return true;
}

ExprPtr Parser::ParseUnary() {
  const Token& t = Cur();
  if (t.type == Tok::kAdd || t.type == Tok::kSub) {
    ItemType op = t.type == Tok::kAdd ? ItemType::ADD : ItemType::SUB;
    int start = t.pos;
    Advance();
    ExprPtr e = ParseBinary(kPowPrecedence);
    if (!e) return nullptr;
    if (auto* n = e->As<NumberLiteral>()) {
      if (op == ItemType::SUB) n->val = -n->val;
      e->pos.start = start;
      return e;
    }
    PosRange pos{start, e->pos.end};
    ++depth_;
    return MakeExpr(UnaryExpr{op, std::move(e)}, pos);
  }
  ExprPtr e = ParsePrimary();
  if (!e) return nullptr;
  return ParsePostfix(std::move(e));
}

ExprPtr Parser::ParsePrimary() {
  const Token& t = Cur();
  depth_ = 1;
  switch (t.type) {
    case Tok::kNumber: {
      auto v = ParseNumberToken();
      if (!v) return nullptr;
      return MakeExpr(NumberLiteral{*v, false}, {t.pos, t.end()});
    }
    case Tok::kDuration: {
      auto ms = ParseDurationToken();
      if (!ms) return nullptr;
      return MakeExpr(NumberLiteral{static_cast<double>(*ms) / 1000.0, true}, {t.pos, t.end()});
    }
    case Tok::kString: {
      auto s = GoUnquote(t.text);
      if (!s.ok()) {
        AddError({t.pos, t.end()}, std::string(s.status().message()));
        return nullptr;
      }
      Advance();
      return MakeExpr(StringLiteral{std::move(*s)}, {t.pos, t.end()});
    }
    case Tok::kLParen: {
      int start = t.pos;
      Advance();
      ExprPtr inner = ParseBinary(0);
      if (!inner) return nullptr;
      if (Cur().type != Tok::kRParen) return Unexpected("", "");
      int end = Cur().end();
      Advance();
      ++depth_;
      return MakeExpr(ParenExpr{std::move(inner)}, {start, end});
    }
    case Tok::kLBrace:
      return ParseVectorSelector("", t.pos);
    case Tok::kIdent:
    case Tok::kMetricIdent: {
      std::string lower = Lower(t.text);
      if (t.type == Tok::kIdent) {
        if (lower == "inf" || lower == "nan") {
          auto v = ParseNumberToken();
          if (!v) return nullptr;
          return MakeExpr(NumberLiteral{*v, false}, {t.pos, t.end()});
        }
        const Token& next = PeekAt(1);
        if (auto agg = AggregatorOf(lower)) {
          std::string nl = next.type == Tok::kIdent ? Lower(next.text) : "";
          if (next.type == Tok::kLParen || nl == "by" || nl == "without") {
            return ParseAggregate(*agg);
          }
        }
        // Keywords that can never start an expression (Prometheus's
        // metric_identifier rule admits the others as metric names).
        if (lower == "atan2" || lower == "bool" || lower == "on" || lower == "ignoring" ||
            lower == "group_left" || lower == "group_right") {
          return Unexpected("", "");
        }
        if (next.type == Tok::kLParen && !AggregatorOf(lower)) return ParseCall();
      }
      Advance();
      return ParseVectorSelector(std::string(t.text), t.pos);
    }
    default:
      return Unexpected("", "");
  }
}

std::optional<int64_t> Parser::ParseDurationToken() {
  const Token& t = Cur();
  auto ms = ParsePromDuration(t.text);
  if (!ms.ok()) {
    AddError({t.pos, t.end()}, std::string(ms.status().message()));
    return std::nullopt;
  }
  Advance();
  return *ms;
}

// Arguments of a call or aggregation: `(` [expr {, expr}] `)`.
std::optional<std::vector<ExprPtr>> Parser::ParseArgs(std::string_view context) {
  std::vector<ExprPtr> args;
  if (Cur().type != Tok::kLParen) {
    Unexpected(context, "");
    return std::nullopt;
  }
  Advance();
  depth_ = 1;
  if (Cur().type == Tok::kRParen) {
    Advance();
    return args;
  }
  int max_depth = 0;
  while (true) {
    ExprPtr e = ParseBinary(0);
    if (!e) return std::nullopt;
    max_depth = std::max(max_depth, depth_);
    depth_ = max_depth + 1;
    args.push_back(std::move(e));
    if (Cur().type == Tok::kComma) {
      const Token& comma = Cur();
      Advance();
      if (Cur().type == Tok::kRParen) {
        AddError({comma.pos, comma.end()}, "trailing commas not allowed in function call args");
        return std::nullopt;
      }
      continue;
    }
    if (Cur().type == Tok::kRParen) {
      Advance();
      return args;
    }
    Unexpected(context, "\",\" or \")\"");
    return std::nullopt;
  }
}

ExprPtr Parser::ParseCall() {
  const Token& name = Cur();
  Advance();
  const Function* fn = GetFunction(name.text);
  PosRange name_pos{name.pos, name.end()};
  if (fn == nullptr) {
    AddError(name_pos, absl::StrFormat("unknown function with name \"%s\"", name.text));
    return nullptr;
  }
  if (fn->experimental && !opts_.experimental_functions) {
    AddError(name_pos, absl::StrFormat("function \"%s\" is not enabled", name.text));
    return nullptr;
  }
  auto args = ParseArgs("function call");
  if (!args) return nullptr;
  Call c;
  c.func = fn;
  c.args = std::move(*args);
  return MakeExpr(std::move(c), {name.pos, last_closing_});
}

ExprPtr Parser::ParseAggregate(ItemType op) {
  const Token& opt = Cur();
  int start = opt.pos;
  Advance();
  AggregateExpr a;
  a.op = op;
  bool have_grouping = false;
  auto parse_modifier = [&]() -> bool {
    if (CurIsWord("by") || CurIsWord("without")) {
      a.without = CurIsWord("without");
      Advance();
      auto l = ParseGroupingLabels();
      if (!l) return false;
      a.grouping = std::move(*l);
      have_grouping = true;
    }
    return true;
  };
  if (!parse_modifier()) return nullptr;
  auto args = ParseArgs("aggregation");
  if (!args) return nullptr;
  if (!have_grouping && !parse_modifier()) return nullptr;
  PosRange pos{start, last_closing_};
  if ((op == ItemType::LIMITK || op == ItemType::LIMIT_RATIO) && !opts_.experimental_functions) {
    AddError(pos,
             "limitk() and limit_ratio() are experimental and must be enabled with "
             "--enable-feature=promql-experimental-functions");
    return nullptr;
  }
  if (args->empty()) {
    AddError(pos, "no arguments for aggregate expression provided");
    return nullptr;
  }
  size_t want = IsAggregatorWithParam(op) ? 2 : 1;
  if (args->size() != want) {
    AddError(pos, absl::StrFormat("wrong number of arguments for aggregate expression provided, "
                                  "expected %d, got %d",
                                  want, args->size()));
    return nullptr;
  }
  if (want == 2) a.param = std::move((*args)[0]);
  a.expr = std::move((*args)[want - 1]);
  return MakeExpr(std::move(a), pos);
}

// `name` was consumed (or is empty); the cursor is at `{` or after name.
ExprPtr Parser::ParseVectorSelector(std::string name, int start) {
  VectorSelector vs;
  int end = start + static_cast<int>(name.size());
  if (Cur().type == Tok::kLBrace) {
    Advance();
    if (!ParseMatchers(&vs.matchers)) return nullptr;
    end = last_closing_;
  }
  if (!name.empty()) {
    auto m = Matcher::Make(MatchType::kEqual, labels::kMetricName, name);
    vs.matchers.push_back(std::move(*m));
    vs.name = std::move(name);
  }
  return MakeExpr(std::move(vs), {start, end});
}

// After `{`: matchers up to and including `}`.
bool Parser::ParseMatchers(std::vector<Matcher>* out) {
  while (Cur().type != Tok::kRBrace) {
    const Token& nt = Cur();
    std::string lname;
    bool quoted = false;
    if (nt.type == Tok::kIdent) {
      lname = std::string(nt.text);
    } else if (nt.type == Tok::kString) {
      auto s = GoUnquote(nt.text);
      if (!s.ok()) {
        AddError({nt.pos, nt.end()}, std::string(s.status().message()));
        return false;
      }
      lname = std::move(*s);
      quoted = true;
    } else {
      Unexpected("label matching", "identifier or \"}\"");
      return false;
    }
    Advance();
    MatchType type;
    switch (Cur().type) {
      case Tok::kEql:
        type = MatchType::kEqual;
        break;
      case Tok::kNeq:
        type = MatchType::kNotEqual;
        break;
      case Tok::kEqlRegex:
        type = MatchType::kRegexMatch;
        break;
      case Tok::kNeqRegex:
        type = MatchType::kRegexNoMatch;
        break;
      default:
        if (quoted && (Cur().type == Tok::kComma || Cur().type == Tok::kRBrace)) {
          // A bare quoted string is the metric name.
          auto m = Matcher::Make(MatchType::kEqual, labels::kMetricName, lname);
          out->push_back(std::move(*m));
          if (Cur().type == Tok::kComma) Advance();
          continue;
        }
        Unexpected("label matching", "label matching operator");
        return false;
    }
    Advance();
    const Token& vt = Cur();
    if (vt.type != Tok::kString) {
      Unexpected("label matching", "string");
      return false;
    }
    auto val = GoUnquote(vt.text);
    if (!val.ok()) {
      AddError({vt.pos, vt.end()}, std::string(val.status().message()));
      return false;
    }
    Advance();
    auto m = Matcher::Make(type, lname, *val);
    if (!m.ok()) {
      AddError({nt.pos, vt.end()}, std::string(m.status().message()));
      return false;
    }
    out->push_back(std::move(*m));
    if (Cur().type == Tok::kComma) {
      Advance();
    } else if (Cur().type != Tok::kRBrace) {
      Unexpected("label matching", "\",\" or \"}\"");
      return false;
    }
  }
  Advance();
  return true;
}

}  // namespace internal

Result<ExprPtr> ParseExpr(std::string_view input, const ParseOptions& opts) {
  return internal::Parser(input, opts).ParseTop();
}

Result<std::vector<labels::Matcher>> ParseMetricSelector(std::string_view input) {
  return internal::Parser(input, ParseOptions::All()).ParseSelectorOnly();
}

}  // namespace ward::promql::parser
