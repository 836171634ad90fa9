// /api/v1/parse_query: the parsed query as the JSON tree Prometheus's UI
// shows in its "explain" view (web/api/v1/translate_ast.go). Object keys
// are written in sorted order, as Go's encoding of maps does.
#include <string>
#include <variant>

#include "promql/parser/lex.h"
#include "promql/parser/parse.h"
#include "web/api/v1/handlers.h"

namespace ward::web::api::v1 {

namespace {

namespace p = promql::parser;

// Go's parser.ValueType strings.
std::string_view GoValueType(p::ValueType t) {
  switch (t) {
    case p::ValueType::kScalar:
      return "scalar";
    case p::ValueType::kVector:
      return "vector";
    case p::ValueType::kMatrix:
      return "matrix";
    case p::ValueType::kString:
      return "string";
    case p::ValueType::kNone:
      return "none";
  }
  return "none";
}

std::string_view CardName(p::Cardinality c) {
  switch (c) {
    case p::Cardinality::kOneToOne:
      return "one-to-one";
    case p::Cardinality::kManyToOne:
      return "many-to-one";
    case p::Cardinality::kOneToMany:
      return "one-to-many";
    case p::Cardinality::kManyToMany:
      return "many-to-many";
  }
  return "one-to-one";
}

std::string_view MatchTypeName(labels::MatchType t) {
  switch (t) {
    case labels::MatchType::kEqual:
      return "=";
    case labels::MatchType::kNotEqual:
      return "!=";
    case labels::MatchType::kRegexMatch:
      return "=~";
    case labels::MatchType::kRegexNoMatch:
      return "!~";
  }
  return "=";
}

void StringList(JsonWriter& w, const std::vector<std::string>& l) {
  w.BeginArray();
  for (const auto& s : l) w.String(s);
  w.EndArray();
}

void Matchers(JsonWriter& w, const std::vector<labels::Matcher>& ms) {
  w.BeginArray();
  for (const auto& m : ms) {
    w.BeginObject();
    w.Key("name");
    w.String(m.name());
    w.Key("type");
    w.String(MatchTypeName(m.type()));
    w.Key("value");
    w.String(m.value());
    w.EndObject();
  }
  w.EndArray();
}

void StartOrEnd(JsonWriter& w, p::StartOrEnd s) {
  if (s == p::StartOrEnd::kNone) {
    w.Null();
  } else {
    w.String(s == p::StartOrEnd::kStart ? "start" : "end");
  }
}

void Timestamp(JsonWriter& w, const std::optional<int64_t>& t) {
  if (t) {
    w.Int(*t);
  } else {
    w.Null();
  }
}

void OptionalDouble(JsonWriter& w, const std::optional<double>& v) {
  if (v) {
    w.Double(*v);
  } else {
    w.Null();
  }
}

void Translate(JsonWriter& w, const p::Expr* e);

struct Visitor {
  JsonWriter& w;

  void operator()(const p::AggregateExpr& n) {
    w.BeginObject();
    w.Key("expr");
    Translate(w, n.expr.get());
    w.Key("grouping");
    StringList(w, n.grouping);
    w.Key("op");
    w.String(p::ItemTypeString(n.op));
    w.Key("param");
    Translate(w, n.param.get());
    w.Key("type");
    w.String("aggregation");
    w.Key("without");
    w.Bool(n.without);
    w.EndObject();
  }
  void operator()(const p::BinaryExpr& n) {
    w.BeginObject();
    w.Key("bool");
    w.Bool(n.return_bool);
    w.Key("lhs");
    Translate(w, n.lhs.get());
    w.Key("matching");
    if (n.matching) {
      const p::VectorMatching& m = *n.matching;
      w.BeginObject();
      w.Key("card");
      w.String(CardName(m.card));
      w.Key("fillValues");
      w.BeginObject();
      w.Key("lhs");
      OptionalDouble(w, m.fill_left);
      w.Key("rhs");
      OptionalDouble(w, m.fill_right);
      w.EndObject();
      w.Key("include");
      StringList(w, m.include);
      w.Key("labels");
      StringList(w, m.matching_labels);
      w.Key("on");
      w.Bool(m.on);
      w.EndObject();
    } else {
      w.Null();
    }
    w.Key("op");
    w.String(p::ItemTypeString(n.op));
    w.Key("rhs");
    Translate(w, n.rhs.get());
    w.Key("type");
    w.String("binaryExpr");
    w.EndObject();
  }
  void operator()(const p::Call& n) {
    w.BeginObject();
    w.Key("args");
    w.BeginArray();
    for (const auto& a : n.args) Translate(w, a.get());
    w.EndArray();
    w.Key("func");
    w.BeginObject();
    w.Key("argTypes");
    w.BeginArray();
    for (p::ValueType t : n.func->arg_types) w.String(GoValueType(t));
    w.EndArray();
    w.Key("name");
    w.String(n.func->name);
    w.Key("returnType");
    w.String(GoValueType(n.func->return_type));
    w.Key("variadic");
    w.Int(n.func->variadic);
    w.EndObject();
    w.Key("type");
    w.String("call");
    w.EndObject();
  }
  void operator()(const p::MatrixSelector& n) {
    const auto* vs = n.vector_selector ? n.vector_selector->As<p::VectorSelector>() : nullptr;
    static const p::VectorSelector kEmpty;
    if (vs == nullptr) vs = &kEmpty;
    w.BeginObject();
    w.Key("anchored");
    w.Bool(vs->anchored);
    w.Key("matchers");
    Matchers(w, vs->matchers);
    w.Key("name");
    w.String(vs->name);
    w.Key("offset");
    w.Int(vs->offset_ms);
    w.Key("range");
    w.Int(n.range_ms);
    w.Key("smoothed");
    w.Bool(vs->smoothed);
    w.Key("startOrEnd");
    StartOrEnd(w, vs->start_or_end);
    w.Key("timestamp");
    Timestamp(w, vs->timestamp_ms);
    w.Key("type");
    w.String("matrixSelector");
    w.EndObject();
  }
  void operator()(const p::SubqueryExpr& n) {
    w.BeginObject();
    w.Key("alignEvalTime");
    w.Bool(false);
    w.Key("expr");
    Translate(w, n.expr.get());
    w.Key("offset");
    w.Int(n.offset_ms);
    w.Key("range");
    w.Int(n.range_ms);
    w.Key("startOrEnd");
    StartOrEnd(w, n.start_or_end);
    w.Key("step");
    w.Int(n.step_ms);
    w.Key("timestamp");
    Timestamp(w, n.timestamp_ms);
    w.Key("type");
    w.String("subquery");
    w.EndObject();
  }
  void operator()(const p::NumberLiteral& n) {
    w.BeginObject();
    w.Key("type");
    w.String("numberLiteral");
    w.Key("val");
    w.String(p::FormatFloatF(n.val));
    w.EndObject();
  }
  void operator()(const p::ParenExpr& n) {
    w.BeginObject();
    w.Key("expr");
    Translate(w, n.expr.get());
    w.Key("type");
    w.String("parenExpr");
    w.EndObject();
  }
  void operator()(const p::StringLiteral& n) {
    w.BeginObject();
    w.Key("type");
    w.String("stringLiteral");
    w.Key("val");
    w.String(n.val);
    w.EndObject();
  }
  void operator()(const p::UnaryExpr& n) {
    w.BeginObject();
    w.Key("expr");
    Translate(w, n.expr.get());
    w.Key("op");
    w.String(p::ItemTypeString(n.op));
    w.Key("type");
    w.String("unaryExpr");
    w.EndObject();
  }
  void operator()(const p::VectorSelector& n) {
    w.BeginObject();
    w.Key("anchored");
    w.Bool(n.anchored);
    w.Key("matchers");
    Matchers(w, n.matchers);
    w.Key("name");
    w.String(n.name);
    w.Key("offset");
    w.Int(n.offset_ms);
    w.Key("smoothed");
    w.Bool(n.smoothed);
    w.Key("startOrEnd");
    StartOrEnd(w, n.start_or_end);
    w.Key("timestamp");
    Timestamp(w, n.timestamp_ms);
    w.Key("type");
    w.String("vectorSelector");
    w.EndObject();
  }
  // Never in a parsed tree; shown as its child.
  void operator()(const p::StepInvariantExpr& n) { Translate(w, n.expr.get()); }
};

void Translate(JsonWriter& w, const p::Expr* e) {
  if (e == nullptr) {
    w.Null();
    return;
  }
  std::visit(Visitor{w}, e->node);
}

}  // namespace

void API::ParseQuery(const Request& req, Response& resp) const {
  auto expr = p::ParseExpr(req.FormValue("query"), opts_.engine->ParseOpts());
  if (!expr.ok()) return WriteInvalidParam(resp, "query", expr.status().message());
  WriteSuccess(resp, [&](JsonWriter& w) { Translate(w, expr.value().get()); });
}

}  // namespace ward::web::api::v1
