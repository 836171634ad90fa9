// Executor for parsed templates. Follows the evaluation order of Go's
// text/template exec.go (which node is "current" when an error is raised,
// how pipelines pass their value as the final argument, variable scoping,
// range/with/if semantics) so that output and error texts match Go's.
// Errors are raised as a private exception inside this file and returned
// as Status from Template::Execute; nothing escapes the library.
#include <algorithm>
#include <cmath>

#include "template/builtins.h"
#include "template/gofmt.h"
#include "template/parse.h"
#include "template/template.h"

namespace ward::tmpl {

std::string_view ParamTypeName(ParamType t) {
  switch (t) {
    case ParamType::kAny:
      return "interface {}";
    case ParamType::kString:
      return "string";
    case ParamType::kFloat:
      return "float64";
    case ParamType::kInt:
      return "int";
    case ParamType::kBool:
      return "bool";
    case ParamType::kQueryResult:
      return kQueryResultType;
    case ParamType::kSample:
      return kSampleType;
    case ParamType::kReflect:
      return "reflect.Value";
  }
  return "?";
}

namespace {

struct ExecError {
  std::string msg;
};

enum class Control { kNormal, kBreak, kContinue };

std::string Quote(std::string_view s) {
  std::string q;
  gofmt::AppendQuote(&q, s);
  return q;
}

std::string Str(const Value& v) {
  if (v.is_nil()) return "<nil>";
  std::string s;
  gofmt::AppendValue(&s, v);
  return s;
}

// Go's canBeNil: interfaces, slices, pointers and reflect.Value.
bool CanBeNil(ParamType t) {
  return t == ParamType::kAny || t == ParamType::kQueryResult || t == ParamType::kSample ||
         t == ParamType::kReflect;
}

class State {
 public:
  State(const ParsedSet& set, const FuncMap* funcs, const FuncEnv& env, std::string* out)
      : set_(set), funcs_(funcs), env_(env), out_(out) {}

  void Run(const Tree& tree, const Value& data) {
    tree_ = &tree;
    vars_.push_back({"$", data});
    Walk(data, tree.root);
  }

 private:
  struct Var {
    std::string name;
    Value value;
  };

  [[noreturn]] void Errorf(const std::string& msg) {
    std::string out;
    if (node_ == nullptr) {
      out = "template: " + tree_->name + ": " + msg;
    } else {
      std::string_view text = std::string_view(set_.text).substr(0, node_->pos);
      size_t nl = text.rfind('\n');
      size_t col = nl == std::string_view::npos ? text.size() : text.size() - (nl + 1);
      int line = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
      out = "template: " + tree_->parse_name + ":" + std::to_string(line) + ":" +
            std::to_string(col) + ": executing " + Quote(tree_->name) + " at <" +
            NodeString(node_) + ">: " + msg;
    }
    throw ExecError{std::move(out)};
  }

  void At(const Node* n) { node_ = n; }

  // ---- variables ----
  void Push(const std::string& name, Value v) { vars_.push_back({name, std::move(v)}); }
  void SetVar(const std::string& name, const Value& v) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].name == name) {
        vars_[i].value = v;
        return;
      }
    }
    Errorf("undefined variable: " + name);
  }
  void SetTopVar(size_t n, const Value& v) { vars_[vars_.size() - n].value = v; }
  const Value& VarValue(const std::string& name) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].name == name) return vars_[i].value;
    }
    Errorf("undefined variable: " + name);
  }

  // ---- walking ----
  Control Walk(const Value& dot, const Node* node) {
    At(node);
    switch (node->type) {
      case NodeType::kAction: {
        Value v = EvalPipeline(dot, node->pipe);
        if (node->pipe->decl.empty()) PrintValue(node, v);
        return Control::kNormal;
      }
      case NodeType::kBreak:
        return Control::kBreak;
      case NodeType::kContinue:
        return Control::kContinue;
      case NodeType::kComment:
        return Control::kNormal;
      case NodeType::kIf:
      case NodeType::kWith:
        return WalkIfOrWith(node, dot);
      case NodeType::kList:
        for (const Node* n : node->nodes) {
          Control c = Walk(dot, n);
          if (c != Control::kNormal) return c;
        }
        return Control::kNormal;
      case NodeType::kRange:
        WalkRange(dot, node);
        return Control::kNormal;
      case NodeType::kTemplate:
        WalkTemplate(dot, node);
        return Control::kNormal;
      case NodeType::kText:
        out_->append(node->text);
        return Control::kNormal;
      default:
        Errorf("unknown node: " + NodeString(node));
    }
  }

  Control WalkIfOrWith(const Node* node, const Value& dot) {
    size_t mark = vars_.size();
    Value val = EvalPipeline(dot, node->pipe);
    Control c = Control::kNormal;
    if (val.Truth()) {
      c = Walk(node->type == NodeType::kWith ? val : dot, node->list);
    } else if (node->else_list != nullptr) {
      c = Walk(dot, node->else_list);
    }
    vars_.resize(mark);
    return c;
  }

  void WalkRange(const Value& dot, const Node* r) {
    At(r);
    size_t mark0 = vars_.size();
    Value val = EvalPipeline(dot, r->pipe);
    size_t mark = vars_.size();
    const Node* pipe = r->pipe;
    // Returns true to stop (break).
    auto one = [&](const Value& index, const Value& elem) {
      if (!pipe->decl.empty()) {
        if (pipe->is_assign) {
          SetVar(pipe->decl[0]->idents[0], pipe->decl.size() > 1 ? index : elem);
        } else {
          SetTopVar(1, elem);
        }
      }
      if (pipe->decl.size() > 1) {
        if (pipe->is_assign) {
          SetVar(pipe->decl[1]->idents[0], elem);
        } else {
          SetTopVar(2, index);
        }
      }
      Control c = Walk(elem, r->list);
      vars_.resize(mark);
      return c == Control::kBreak;
    };
    bool ran = false;
    switch (val.kind()) {
      case Value::Kind::kList: {
        Value keep = val;  // the list stays alive while we iterate
        const auto& items = keep.list().items;
        for (size_t i = 0; i < items.size(); ++i) {
          ran = true;
          if (one(Value::Int(static_cast<int64_t>(i)), items[i])) break;
        }
        break;
      }
      case Value::Kind::kMap: {
        Value keep = val;
        for (const auto& [k, v] : keep.map().items) {
          ran = true;
          if (one(Value::String(k), v)) break;
        }
        break;
      }
      case Value::Kind::kInt: {
        if (pipe->decl.size() > 1)
          Errorf("can't use " + Str(val) + " to iterate over more than one variable");
        for (int64_t i = 0; i < val.int_value(); ++i) {
          ran = true;
          if (one(Value::Int(i), Value::Int(i))) break;
        }
        break;
      }
      case Value::Kind::kNil:
        break;
      default:
        Errorf("range can't iterate over " + Str(val));
    }
    if (!ran && r->else_list != nullptr) Walk(dot, r->else_list);
    vars_.resize(mark0);
  }

  void WalkTemplate(const Value& dot, const Node* t) {
    At(t);
    auto it = set_.trees.find(t->text);
    if (it == set_.trees.end()) Errorf("template " + Quote(t->text) + " not defined");
    if (depth_ >= kMaxExecDepth)
      Errorf("exceeded maximum template depth (" + std::to_string(kMaxExecDepth) + ")");
    Value new_dot = EvalPipeline(dot, t->pipe);
    std::vector<Var> saved_vars;
    saved_vars.swap(vars_);
    const Tree* saved_tree = tree_;
    ++depth_;
    tree_ = &it->second;
    vars_.push_back({"$", new_dot});
    Walk(new_dot, it->second.root);
    --depth_;
    tree_ = saved_tree;
    vars_.swap(saved_vars);
  }

  void PrintValue(const Node* n, const Value& v) {
    At(n);
    if (v.is_nil()) {
      out_->append("<no value>");
    } else {
      gofmt::AppendPrintable(out_, v);
    }
  }

  // ---- evaluation ----
  Value EvalPipeline(const Value& dot, const Node* pipe) {
    if (pipe == nullptr) return Value();
    At(pipe);
    Value value;
    bool have = false;
    for (const Node* cmd : pipe->nodes) {
      Value v = EvalCommand(dot, cmd, have ? &value : nullptr);
      value = std::move(v);
      have = true;
    }
    for (const Node* var : pipe->decl) {
      if (pipe->is_assign) {
        SetVar(var->idents[0], value);
      } else {
        Push(var->idents[0], value);
      }
    }
    return value;
  }

  void NotAFunction(const std::vector<Node*>& args, const Value* final) {
    if (args.size() > 1 || final != nullptr)
      Errorf("can't give argument to non-function " + NodeString(args[0]));
  }

  Value EvalCommand(const Value& dot, const Node* cmd, const Value* final) {
    const Node* first = cmd->nodes[0];
    switch (first->type) {
      case NodeType::kField:
        return EvalFieldNode(dot, first, &cmd->nodes, final);
      case NodeType::kChain:
        return EvalChainNode(dot, first, &cmd->nodes, final);
      case NodeType::kIdentifier:
        return EvalFunction(dot, first, cmd, &cmd->nodes, final);
      case NodeType::kPipe:
        NotAFunction(cmd->nodes, final);
        return EvalPipeline(dot, first);
      case NodeType::kVariable:
        return EvalVariableNode(dot, first, &cmd->nodes, final);
      default:
        break;
    }
    At(first);
    NotAFunction(cmd->nodes, final);
    switch (first->type) {
      case NodeType::kBool:
        return Value::Bool(first->bval);
      case NodeType::kDot:
        return dot;
      case NodeType::kNil:
        Errorf("nil is not a command");
      case NodeType::kNumber:
        return IdealConstant(first);
      case NodeType::kString:
        return Value::String(first->text);
      default:
        break;
    }
    Errorf("can't evaluate command " + Quote(NodeString(first)));
  }

  Value IdealConstant(const Node* c) {
    At(c);
    const std::string& t = c->text;
    bool hex_int = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') &&
                   t.find_first_of("pP") == std::string::npos;
    bool rune_int = !t.empty() && t[0] == '\'';
    if (c->is_float && !hex_int && !rune_int && t.find_first_of(".eEpP") != std::string::npos) {
      return Value::Float(c->fval);
    }
    if (c->is_int) return Value::Int(c->ival);
    if (c->is_uint) Errorf(t + " overflows int");
    return Value();
  }

  Value EvalFieldNode(const Value& dot, const Node* field, const std::vector<Node*>* args,
                      const Value* final) {
    At(field);
    return EvalFieldChain(dot, dot, field, field->idents, 0, args, final);
  }

  Value EvalChainNode(const Value& dot, const Node* chain, const std::vector<Node*>* args,
                      const Value* final) {
    At(chain);
    if (chain->idents.empty()) Errorf("internal error: no fields in evalChainNode");
    if (chain->chain_node->type == NodeType::kNil)
      Errorf("indirection through explicit nil in " + NodeString(chain));
    Value pipe = EvalArg(dot, ParamType::kAny, chain->chain_node);
    return EvalFieldChain(dot, pipe, chain, chain->idents, 0, args, final);
  }

  Value EvalVariableNode(const Value& dot, const Node* var, const std::vector<Node*>* args,
                         const Value* final) {
    At(var);
    Value value = VarValue(var->idents[0]);
    if (var->idents.size() == 1) {
      if (args != nullptr)
        NotAFunction(*args, final);
      else if (final != nullptr)
        Errorf("can't give argument to non-function " + NodeString(var));
      return value;
    }
    return EvalFieldChain(dot, value, var, var->idents, 1, args, final);
  }

  Value EvalFieldChain(const Value& dot, Value receiver, const Node* node,
                       const std::vector<std::string>& idents, size_t from,
                       const std::vector<Node*>* args, const Value* final) {
    size_t n = idents.size();
    for (size_t i = from; i + 1 < n; ++i)
      receiver = EvalField(dot, idents[i], node, nullptr, nullptr, receiver);
    return EvalField(dot, idents[n - 1], node, args, final, receiver);
  }

  Value EvalField(const Value& dot, const std::string& name, const Node* node,
                  const std::vector<Node*>* args, const Value* final, const Value& receiver) {
    if (receiver.is_nil()) return Value();  // missingkey=zero on invalid data
    bool has_args = (args != nullptr && args->size() > 1) || final != nullptr;
    Value method_result;
    if (CallMethod(receiver, name, args, final, &method_result)) return method_result;
    switch (receiver.kind()) {
      case Value::Kind::kStruct:
        if (const Value* f = receiver.struct_data().Find(name)) {
          if (has_args) Errorf(name + " has arguments but cannot be invoked as function");
          return *f;
        }
        break;
      case Value::Kind::kMap: {
        if (has_args) Errorf(name + " is not a method but has arguments");
        const MapData& m = receiver.map();
        if (const Value* v = m.Find(name)) return *v;
        return m.string_elems ? Value::String("") : Value();
      }
      default:
        break;
    }
    Errorf("can't evaluate field " + name + " in type " + receiver.TypeName());
  }

  // Methods of *time.Time and *time.Duration that templates commonly use.
  bool CallMethod(const Value& recv, const std::string& name, const std::vector<Node*>* args,
                  const Value* final, Value* result) {
    auto check_args = [&] {
      size_t n =
          (args != nullptr && !args->empty() ? args->size() - 1 : 0) + (final != nullptr ? 1 : 0);
      if (n != 0) Errorf("wrong number of args for " + name + ": want 0 got " + std::to_string(n));
    };
    if (recv.kind() == Value::Kind::kTime) {
      TimeValue t = recv.time_value();
      if (name == "Unix") {
        check_args();
        *result = Value::Int(t.sec);
        return true;
      }
      if (name == "UnixMilli") {
        check_args();
        *result = Value::Int(t.sec * 1000 + t.nsec / 1000000);
        return true;
      }
      if (name == "UnixMicro") {
        check_args();
        *result = Value::Int(t.sec * 1000000 + t.nsec / 1000);
        return true;
      }
      if (name == "UnixNano") {
        check_args();
        *result = Value::Int(t.sec * 1000000000 + t.nsec);
        return true;
      }
      if (name == "String") {
        check_args();
        *result = Value::String(gofmt::TimeString(t));
        return true;
      }
      if (name == "UTC") {
        check_args();
        *result = recv;
        return true;
      }
      return false;
    }
    if (recv.kind() == Value::Kind::kDuration) {
      int64_t ns = recv.duration_value().ns;
      if (name == "Seconds") {
        check_args();
        *result = Value::Float(static_cast<double>(ns) / 1e9);
        return true;
      }
      if (name == "Minutes") {
        check_args();
        *result = Value::Float(static_cast<double>(ns) / 6e10);
        return true;
      }
      if (name == "Hours") {
        check_args();
        *result = Value::Float(static_cast<double>(ns) / 3.6e12);
        return true;
      }
      if (name == "Milliseconds") {
        check_args();
        *result = Value::Int(ns / 1000000);
        return true;
      }
      if (name == "Microseconds") {
        check_args();
        *result = Value::Int(ns / 1000);
        return true;
      }
      if (name == "Nanoseconds") {
        check_args();
        *result = Value::Int(ns);
        return true;
      }
      if (name == "String") {
        check_args();
        *result = Value::String(gofmt::DurationString(ns));
        return true;
      }
      return false;
    }
    return false;
  }

  Value EvalFunction(const Value& dot, const Node* ident, const Node* cmd,
                     const std::vector<Node*>* args, const Value* final) {
    At(ident);
    const std::string& name = ident->text;
    const Func* fn = nullptr;
    bool builtin = false;
    if (funcs_ != nullptr) {
      auto it = funcs_->find(name);
      if (it != funcs_->end()) fn = &it->second;
    }
    if (fn == nullptr) {
      auto it = BuiltinFuncs().find(name);
      if (it != BuiltinFuncs().end()) {
        fn = &it->second;
        builtin = true;
      }
    }
    if (fn == nullptr) Errorf(Quote(name) + " is not a defined function");
    return EvalCall(dot, *fn, builtin, cmd, name, args, final);
  }

  Value EvalCall(const Value& dot, const Func& fn, bool builtin, const Node* node,
                 const std::string& name, const std::vector<Node*>* args, const Value* final) {
    size_t nargs = args != nullptr && !args->empty() ? args->size() - 1 : 0;
    size_t num_in = nargs + (final != nullptr ? 1 : 0);
    size_t num_fixed = nargs;
    if (fn.variadic) {
      num_fixed = fn.params.size() - 1;
      if (num_in < num_fixed) {
        Errorf("wrong number of args for " + name + ": want at least " +
               std::to_string(fn.params.size() - 1) + " got " + std::to_string(nargs));
      }
    } else if (num_in != fn.params.size()) {
      Errorf("wrong number of args for " + name + ": want " + std::to_string(fn.params.size()) +
             " got " + std::to_string(num_in));
    }
    if (builtin && (name == "and" || name == "or")) {
      Value v;
      bool want = name == "or";
      for (size_t i = 0; i < nargs; ++i) {
        v = EvalArg(dot, ParamType::kReflect, (*args)[i + 1]);
        if (v.Truth() == want) return v;
      }
      if (final != nullptr) v = *final;
      return v;
    }
    std::vector<Value> argv;
    argv.reserve(num_in);
    size_t i = 0;
    for (; i < num_fixed && i < nargs; ++i)
      argv.push_back(EvalArg(dot, fn.params[i], (*args)[i + 1]));
    if (fn.variadic) {
      for (; i < nargs; ++i) argv.push_back(EvalArg(dot, fn.params.back(), (*args)[i + 1]));
    }
    if (final != nullptr) {
      // The final (piped) value fills the next fixed parameter if one is
      // left, otherwise it is one more variadic argument.
      ParamType t = fn.params.back();
      if (fn.variadic && num_in - 1 < num_fixed) t = fn.params[num_in - 1];
      argv.push_back(ValidateType(*final, t));
    }
    if (builtin && name == "call") {
      // Templates hold no function values, so call always fails as Go's does
      // for a non-function.
      const Value& f = argv[0];
      if (f.is_nil()) {
        At(node);
        Errorf("error calling call: call of nil");
      }
      std::string callee = nargs > 0 ? NodeString((*args)[1]) : "<final>";
      At(node);
      Errorf("error calling call: non-function " + callee + " of type " + f.TypeName());
    }
    Result<Value> r = fn.fn(env_, argv);
    if (!r.ok()) {
      At(node);
      Errorf("error calling " + name + ": " + std::string(r.status().message()));
    }
    return std::move(r).value();
  }

  Value ValidateType(const Value& v, ParamType t) {
    if (v.is_nil()) {
      if (CanBeNil(t)) return Value();
      Errorf("invalid value; expected " + std::string(ParamTypeName(t)));
    }
    bool ok = true;
    switch (t) {
      case ParamType::kAny:
      case ParamType::kReflect:
        break;
      case ParamType::kString:
        ok = v.kind() == Value::Kind::kString;
        break;
      case ParamType::kFloat:
        ok = v.kind() == Value::Kind::kFloat;
        break;
      case ParamType::kInt:
        ok = v.kind() == Value::Kind::kInt;
        break;
      case ParamType::kBool:
        ok = v.kind() == Value::Kind::kBool;
        break;
      case ParamType::kQueryResult:
        ok = v.IsQueryResult();
        break;
      case ParamType::kSample:
        ok = v.IsSample();
        break;
    }
    if (!ok) {
      Errorf("wrong type for value; expected " + std::string(ParamTypeName(t)) + "; got " +
             v.TypeName());
    }
    return v;
  }

  Value EvalArg(const Value& dot, ParamType t, const Node* n) {
    At(n);
    switch (n->type) {
      case NodeType::kDot:
        return ValidateType(dot, t);
      case NodeType::kNil:
        if (CanBeNil(t)) return Value();
        Errorf("cannot assign nil to " + std::string(ParamTypeName(t)));
      case NodeType::kField: {
        std::vector<Node*> self{const_cast<Node*>(n)};
        return ValidateType(EvalFieldNode(dot, n, &self, nullptr), t);
      }
      case NodeType::kVariable:
        return ValidateType(EvalVariableNode(dot, n, nullptr, nullptr), t);
      case NodeType::kPipe:
        return ValidateType(EvalPipeline(dot, n), t);
      case NodeType::kIdentifier:
        return ValidateType(EvalFunction(dot, n, n, nullptr, nullptr), t);
      case NodeType::kChain:
        return ValidateType(EvalChainNode(dot, n, nullptr, nullptr), t);
      default:
        break;
    }
    switch (t) {
      case ParamType::kBool:
        if (n->type == NodeType::kBool) return Value::Bool(n->bval);
        Errorf("expected bool; found " + NodeString(n));
      case ParamType::kFloat:
        if (n->type == NodeType::kNumber && n->is_float) return Value::Float(n->fval);
        Errorf("expected float; found " + NodeString(n));
      case ParamType::kInt:
        if (n->type == NodeType::kNumber && n->is_int) return Value::Int(n->ival);
        Errorf("expected integer; found " + NodeString(n));
      case ParamType::kString:
        if (n->type == NodeType::kString) return Value::String(n->text);
        Errorf("expected string; found " + NodeString(n));
      case ParamType::kAny:
      case ParamType::kReflect:
        return EvalEmptyInterface(dot, n);
      default:
        break;
    }
    Errorf("can't handle " + NodeString(n) + " for arg of type " + std::string(ParamTypeName(t)));
  }

  Value EvalEmptyInterface(const Value& dot, const Node* n) {
    At(n);
    switch (n->type) {
      case NodeType::kBool:
        return Value::Bool(n->bval);
      case NodeType::kDot:
        return dot;
      case NodeType::kField:
        return EvalFieldNode(dot, n, nullptr, nullptr);
      case NodeType::kIdentifier:
        return EvalFunction(dot, n, n, nullptr, nullptr);
      case NodeType::kNil:
        Errorf("evalEmptyInterface: nil (can't happen)");
      case NodeType::kNumber:
        return IdealConstant(n);
      case NodeType::kString:
        return Value::String(n->text);
      case NodeType::kVariable:
        return EvalVariableNode(dot, n, nullptr, nullptr);
      case NodeType::kPipe:
        return EvalPipeline(dot, n);
      default:
        break;
    }
    Errorf("can't handle assignment of " + NodeString(n) + " to empty interface argument");
  }

  const ParsedSet& set_;
  const FuncMap* funcs_;
  const FuncEnv& env_;
  std::string* out_;
  const Tree* tree_ = nullptr;
  const Node* node_ = nullptr;
  std::vector<Var> vars_;
  int depth_ = 0;
};

}  // namespace

Result<Template> Template::Parse(std::string_view name, std::string_view text,
                                 const FuncMap* funcs) {
  if (funcs == nullptr) funcs = &PrometheusFuncs();
  auto set = std::make_shared<ParsedSet>();
  auto has_func = [funcs](std::string_view f) {
    return funcs->find(f) != funcs->end() || BuiltinFuncs().find(f) != BuiltinFuncs().end();
  };
  WARD_RETURN_IF_ERROR(ParseTemplate(name, text, has_func, set.get()));
  Template t;
  t.name_ = std::string(name);
  t.set_ = std::move(set);
  t.funcs_ = funcs;
  return t;
}

Status Template::Execute(const Value& data, const FuncEnv& env, std::string* out) const {
  return ExecuteTemplate(name_, data, env, out);
}

Status Template::ExecuteTemplate(std::string_view tmpl_name, const Value& data, const FuncEnv& env,
                                 std::string* out) const {
  auto it = set_->trees.find(tmpl_name);
  if (it == set_->trees.end()) {
    return Status::Execution("template: no template " + Quote(tmpl_name) +
                             " associated with template " + Quote(name_));
  }
  State st(*set_, funcs_, env, out);
  try {
    st.Run(it->second, data);
  } catch (const ExecError& e) {
    return Status::Execution(e.msg);
  }
  return Status::OK();
}

}  // namespace ward::tmpl
