// Recursive-descent parser for Go text/template (items come from lex.cc).
// token rules (trim markers, terminators, number syntax) and error texts
// follow Go's text/template/parse package.
#include "template/parse.h"

#include <cstring>
#include <vector>

#include "template/gofmt.h"
#include "template/lex.h"

namespace ward::tmpl {
namespace {

// ---- parser ---------------------------------------------------------------

// Hands out lexed items; after the last one it keeps returning EOF.
class TokenStream {
 public:
  TokenStream(std::vector<Item> items, int end) : items_(std::move(items)), end_(end) {}
  Item Next() {
    if (idx_ < items_.size()) return items_[idx_++];
    Item eof;
    eof.typ = It::kEOF;
    eof.pos = end_;
    eof.line = items_.empty() ? 1 : items_.back().line;
    return eof;
  }

 private:
  std::vector<Item> items_;
  size_t idx_ = 0;
  int end_;
};

struct ParseError {
  std::string msg;
};

class Parser {
 public:
  Parser(std::string name, std::string parse_name, TokenStream* lex, ParsedSet* set,
         const std::function<bool(std::string_view)>* has_func, int depth)
      : name_(std::move(name)),
        parse_name_(std::move(parse_name)),
        lex_(lex),
        set_(set),
        has_func_(has_func),
        depth_(depth) {
    vars_.push_back("$");
  }

  // Top-level parse: runs to EOF, handling {{define}}.
  void ParseTop() {
    root_ = NewList(Peek().pos);
    while (Peek().typ != It::kEOF) {
      if (Peek().typ == It::kLeftDelim) {
        Item delim = Next();
        if (NextNonSpace().typ == It::kDefine) {
          Parser def("definition", parse_name_, lex_, set_, has_func_, depth_);
          def.ParseDefinition();
          continue;
        }
        Backup2(delim);
      }
      Node* n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse)
        Errorf("unexpected " + NodeString(n));
      root_->nodes.push_back(n);
    }
    Add();
  }

 private:
  [[noreturn]] void Errorf(const std::string& msg) {
    throw ParseError{"template: " + parse_name_ + ":" + std::to_string(token_[0].line) + ": " +
                     msg};
  }

  Item Next() {
    if (peek_count_ > 0) {
      --peek_count_;
    } else {
      token_[0] = lex_->Next();
    }
    return token_[peek_count_];
  }
  void Backup() { ++peek_count_; }
  void Backup2(const Item& t1) {
    token_[1] = t1;
    peek_count_ = 2;
  }
  void Backup3(const Item& t2, const Item& t1) {
    token_[1] = t1;
    token_[2] = t2;
    peek_count_ = 3;
  }
  Item Peek() {
    if (peek_count_ > 0) return token_[peek_count_ - 1];
    peek_count_ = 1;
    token_[0] = lex_->Next();
    return token_[0];
  }
  Item NextNonSpace() {
    Item t;
    do {
      t = Next();
    } while (t.typ == It::kSpace);
    return t;
  }
  Item PeekNonSpace() {
    Item t = NextNonSpace();
    Backup();
    return t;
  }
  Item Expect(It expected, const std::string& context) {
    Item t = NextNonSpace();
    if (t.typ != expected) Unexpected(t, context);
    return t;
  }
  Item ExpectOneOf(It e1, It e2, const std::string& context) {
    Item t = NextNonSpace();
    if (t.typ != e1 && t.typ != e2) Unexpected(t, context);
    return t;
  }
  [[noreturn]] void Unexpected(const Item& t, const std::string& context) {
    if (t.typ == It::kError) {
      std::string extra;
      if (action_line_ != 0 && action_line_ != t.line) {
        extra = " in action started at " + parse_name_ + ":" + std::to_string(action_line_);
        if (t.val.ends_with(" action")) extra = extra.substr(std::strlen(" in action"));
      }
      Errorf(t.val + extra);
    }
    Errorf("unexpected " + ItemString(t) + " in " + context);
  }

  Node* New(NodeType t, int pos) { return set_->arena.New(t, pos); }
  Node* NewList(int pos) { return New(NodeType::kList, pos); }

  void EnterDepth() {
    if (++depth_ > kMaxParseDepth) Errorf("max expression depth exceeded");
  }

  void Add() {
    auto it = set_->trees.find(name_);
    if (it == set_->trees.end() || IsEmptyTree(it->second.root)) {
      set_->trees[name_] = Tree{name_, parse_name_, root_};
      return;
    }
    if (!IsEmptyTree(root_)) {
      std::string q;
      gofmt::AppendQuote(&q, name_);
      Errorf("template: multiple definition of template " + q);
    }
  }

  void ParseDefinition() {
    const std::string context = "define clause";
    Item name = ExpectOneOf(It::kString, It::kRawString, context);
    if (!Unquote(name.val, &name_)) Errorf("invalid syntax");
    Expect(It::kRightDelim, context);
    Node* end;
    root_ = ItemList(&end);
    if (end->type != NodeType::kEnd) Errorf("unexpected " + NodeString(end) + " in " + context);
    Add();
  }

  // textOrAction* up to {{end}} or {{else}}, returned in *next.
  Node* ItemList(Node** next) {
    EnterDepth();
    Node* list = NewList(PeekNonSpace().pos);
    while (PeekNonSpace().typ != It::kEOF) {
      Node* n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        *next = n;
        --depth_;
        return list;
      }
      list->nodes.push_back(n);
    }
    Errorf("unexpected EOF");
  }

  Node* TextOrAction() {
    Item t = NextNonSpace();
    switch (t.typ) {
      case It::kText: {
        Node* n = New(NodeType::kText, t.pos);
        n->text = std::move(t.val);
        return n;
      }
      case It::kLeftDelim: {
        action_line_ = t.line;
        Node* n = Action();
        action_line_ = 0;
        return n;
      }
      default:
        Unexpected(t, "input");
    }
  }

  Node* Action() {
    Item t = NextNonSpace();
    switch (t.typ) {
      case It::kBlock:
        return BlockControl();
      case It::kBreak:
        return BreakControl(t.pos, t.line, NodeType::kBreak, "{{break}}");
      case It::kContinue:
        return BreakControl(t.pos, t.line, NodeType::kContinue, "{{continue}}");
      case It::kElse:
        return ElseControl();
      case It::kEnd:
        return EndControl();
      case It::kIf:
        return Control(NodeType::kIf, "if");
      case It::kRange:
        return Control(NodeType::kRange, "range");
      case It::kTemplate:
        return TemplateControl();
      case It::kWith:
        return Control(NodeType::kWith, "with");
      default:
        break;
    }
    Backup();
    Item tok = Peek();
    Node* a = New(NodeType::kAction, tok.pos);
    a->line = tok.line;
    a->pipe = Pipeline("command", It::kRightDelim);
    return a;
  }

  Node* BreakControl(int pos, int line, NodeType type, const std::string& what) {
    Item t = NextNonSpace();
    if (t.typ != It::kRightDelim) Unexpected(t, what);
    if (range_depth_ == 0) Errorf(what + " outside {{range}}");
    Node* n = New(type, pos);
    n->line = line;
    return n;
  }

  Node* Pipeline(const std::string& context, It end) {
    Item tok = PeekNonSpace();
    Node* pipe = New(NodeType::kPipe, tok.pos);
    pipe->line = tok.line;
  decls:
    if (Item v = PeekNonSpace(); v.typ == It::kVariable) {
      Next();
      Item after_var = Peek();
      Item next = PeekNonSpace();
      if (next.typ == It::kAssign || next.typ == It::kDeclare) {
        pipe->is_assign = next.typ == It::kAssign;
        NextNonSpace();
        pipe->decl.push_back(NewVariable(v.pos, v.val));
        vars_.push_back(v.val);
      } else if (next.typ == It::kChar && next.val == ",") {
        NextNonSpace();
        pipe->decl.push_back(NewVariable(v.pos, v.val));
        vars_.push_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          It p = PeekNonSpace().typ;
          if (p == It::kVariable || p == It::kRightDelim || p == It::kRightParen) goto decls;
          Errorf("range can only initialize variables");
        }
        Errorf("too many declarations in " + context);
      } else if (after_var.typ == It::kSpace) {
        Backup3(v, after_var);
      } else {
        Backup2(v);
      }
    }
    while (true) {
      Item t = NextNonSpace();
      if (t.typ == end) {
        CheckPipeline(pipe, context);
        return pipe;
      }
      switch (t.typ) {
        case It::kBool:
        case It::kCharConstant:
        case It::kComplex:
        case It::kDot:
        case It::kField:
        case It::kIdentifier:
        case It::kNumber:
        case It::kNil:
        case It::kRawString:
        case It::kString:
        case It::kVariable:
        case It::kLeftParen:
          Backup();
          pipe->nodes.push_back(Command());
          break;
        default:
          Unexpected(t, context);
      }
    }
  }

  void CheckPipeline(Node* pipe, const std::string& context) {
    if (pipe->nodes.empty()) Errorf("missing value for " + context);
    for (size_t i = 1; i < pipe->nodes.size(); ++i) {
      switch (pipe->nodes[i]->nodes[0]->type) {
        case NodeType::kBool:
        case NodeType::kDot:
        case NodeType::kNil:
        case NodeType::kNumber:
        case NodeType::kString:
          Errorf("non executable command in pipeline stage " + std::to_string(i + 1));
        default:
          break;
      }
    }
  }

  Node* Control(NodeType type, const std::string& context) {
    size_t nvars = vars_.size();
    Node* pipe = Pipeline(context, It::kRightDelim);
    if (type == NodeType::kRange) ++range_depth_;
    Node* next;
    Node* list = ItemList(&next);
    if (type == NodeType::kRange) --range_depth_;
    Node* else_list = nullptr;
    if (next->type == NodeType::kElse) {
      // "else if" / "else with" chain into a nested node.
      if (type == NodeType::kIf && Peek().typ == It::kIf) {
        Next();
        else_list = NewList(next->pos);
        EnterDepth();
        else_list->nodes.push_back(Control(NodeType::kIf, "if"));
        --depth_;
      } else if (type == NodeType::kWith && Peek().typ == It::kWith) {
        Next();
        else_list = NewList(next->pos);
        EnterDepth();
        else_list->nodes.push_back(Control(NodeType::kWith, "with"));
        --depth_;
      } else {
        else_list = ItemList(&next);
        if (next->type != NodeType::kEnd) Errorf("expected end; found " + NodeString(next));
      }
    }
    vars_.resize(nvars);
    Node* n = New(type, pipe->pos);
    n->line = pipe->line;
    n->pipe = pipe;
    n->list = list;
    n->else_list = else_list;
    return n;
  }

  Node* EndControl() { return New(NodeType::kEnd, Expect(It::kRightDelim, "end").pos); }

  Node* ElseControl() {
    Item p = PeekNonSpace();
    if (p.typ == It::kIf || p.typ == It::kWith) {
      Node* n = New(NodeType::kElse, p.pos);
      n->line = p.line;
      return n;
    }
    Item t = Expect(It::kRightDelim, "else");
    Node* n = New(NodeType::kElse, t.pos);
    n->line = t.line;
    return n;
  }

  std::string ParseTemplateName(const Item& t, const std::string& context) {
    if (t.typ == It::kString || t.typ == It::kRawString) {
      std::string s;
      if (!Unquote(t.val, &s)) Errorf("invalid syntax");
      return s;
    }
    Unexpected(t, context);
  }

  Node* BlockControl() {
    const std::string context = "block clause";
    Item t = NextNonSpace();
    std::string name = ParseTemplateName(t, context);
    Node* pipe = Pipeline(context, It::kRightDelim);
    Parser block(name, parse_name_, lex_, set_, has_func_, depth_);
    Node* end;
    block.root_ = block.ItemList(&end);
    if (end->type != NodeType::kEnd) Errorf("unexpected " + NodeString(end) + " in " + context);
    block.Add();
    Node* n = New(NodeType::kTemplate, t.pos);
    n->line = t.line;
    n->text = name;
    n->pipe = pipe;
    return n;
  }

  Node* TemplateControl() {
    const std::string context = "template clause";
    Item t = NextNonSpace();
    std::string name = ParseTemplateName(t, context);
    Node* pipe = nullptr;
    if (NextNonSpace().typ != It::kRightDelim) {
      Backup();
      pipe = Pipeline(context, It::kRightDelim);
    }
    Node* n = New(NodeType::kTemplate, t.pos);
    n->line = t.line;
    n->text = name;
    n->pipe = pipe;
    return n;
  }

  Node* Command() {
    Node* cmd = New(NodeType::kCommand, PeekNonSpace().pos);
    while (true) {
      PeekNonSpace();
      Node* operand = Operand();
      if (operand != nullptr) cmd->nodes.push_back(operand);
      Item t = Next();
      if (t.typ == It::kSpace) continue;
      if (t.typ == It::kRightDelim || t.typ == It::kRightParen) {
        Backup();
      } else if (t.typ != It::kPipe) {
        Unexpected(t, "operand");
      }
      break;
    }
    if (cmd->nodes.empty()) Errorf("empty command");
    return cmd;
  }

  Node* Operand() {
    Node* node = Term();
    if (node == nullptr) return nullptr;
    if (Peek().typ == It::kField) {
      Node* chain = New(NodeType::kChain, Peek().pos);
      chain->chain_node = node;
      while (Peek().typ == It::kField) chain->idents.push_back(Next().val.substr(1));
      switch (node->type) {
        case NodeType::kField: {
          std::string s = NodeString(chain);
          return NewField(chain->pos, s);
        }
        case NodeType::kVariable: {
          std::string s = NodeString(chain);
          return NewVariable(chain->pos, s);
        }
        case NodeType::kBool:
        case NodeType::kString:
        case NodeType::kNumber:
        case NodeType::kNil:
        case NodeType::kDot: {
          std::string q;
          gofmt::AppendQuote(&q, NodeString(node));
          Errorf("unexpected . after term " + q);
        }
        default:
          return chain;
      }
    }
    return node;
  }

  Node* NewVariable(int pos, const std::string& text) {
    Node* n = New(NodeType::kVariable, pos);
    size_t start = 0;
    while (true) {
      size_t dot = text.find('.', start);
      n->idents.push_back(
          text.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return n;
  }
  Node* NewField(int pos, const std::string& text) {
    Node* n = New(NodeType::kField, pos);
    std::string_view t = std::string_view(text).substr(1);  // drop leading '.'
    size_t start = 0;
    while (true) {
      size_t dot = t.find('.', start);
      n->idents.emplace_back(
          t.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    return n;
  }

  Node* Term() {
    Item t = NextNonSpace();
    switch (t.typ) {
      case It::kIdentifier: {
        if (!(*has_func_)(t.val)) {
          std::string q;
          gofmt::AppendQuote(&q, t.val);
          Errorf("function " + q + " not defined");
        }
        Node* n = New(NodeType::kIdentifier, t.pos);
        n->text = std::move(t.val);
        return n;
      }
      case It::kDot:
        return New(NodeType::kDot, t.pos);
      case It::kNil:
        return New(NodeType::kNil, t.pos);
      case It::kVariable:
        return UseVar(t.pos, t.val);
      case It::kField:
        return NewField(t.pos, t.val);
      case It::kBool: {
        Node* n = New(NodeType::kBool, t.pos);
        n->bval = t.val == "true";
        return n;
      }
      case It::kCharConstant:
      case It::kComplex:
      case It::kNumber:
        return NewNumber(t);
      case It::kLeftParen: {
        EnterDepth();
        Node* p = Pipeline("parenthesized pipeline", It::kRightParen);
        --depth_;
        return p;
      }
      case It::kString:
      case It::kRawString: {
        Node* n = New(NodeType::kString, t.pos);
        if (!Unquote(t.val, &n->text)) Errorf("invalid syntax");
        n->quoted = std::move(t.val);
        return n;
      }
      default:
        break;
    }
    Backup();
    return nullptr;
  }

  Node* UseVar(int pos, const std::string& name) {
    Node* v = NewVariable(pos, name);
    for (const auto& n : vars_) {
      if (n == v->idents[0]) return v;
    }
    std::string q;
    gofmt::AppendQuote(&q, v->idents[0]);
    Errorf("undefined variable " + q);
  }

  Node* NewNumber(const Item& t) {
    Node* n = New(NodeType::kNumber, t.pos);
    n->text = t.val;
    const std::string& text = t.val;
    if (t.typ == It::kCharConstant) {
      int32_t r;
      bool mb;
      std::string_view tail;
      if (!UnquoteChar(std::string_view(text).substr(1), '\'', &r, &mb, &tail))
        Errorf("invalid syntax");
      if (tail != "'") Errorf("malformed character constant: " + text);
      n->is_int = n->is_uint = n->is_float = true;
      n->ival = r;
      n->uval = static_cast<uint64_t>(r);
      n->fval = r;
      return n;
    }
    if (t.typ == It::kComplex || (!text.empty() && text.back() == 'i')) {
      Errorf("complex numbers are not supported: " + text);
    }
    uint64_t u;
    if (ParseUintBase0(text, &u)) {
      n->is_uint = true;
      n->uval = u;
    }
    int64_t i;
    if (ParseIntBase0(text, &i)) {
      n->is_int = true;
      n->ival = i;
      if (i == 0) {
        n->is_uint = true;
        n->uval = 0;
      }
    }
    if (n->is_int) {
      n->is_float = true;
      n->fval = static_cast<double>(n->ival);
    } else if (n->is_uint) {
      n->is_float = true;
      n->fval = static_cast<double>(n->uval);
    } else {
      std::string clean;
      for (char c : text) {
        if (c != '_') clean.push_back(c);
      }
      auto f = gofmt::ParseFloat(clean);
      bool inf_or_nan =
          clean.find_first_of("nN") != std::string::npos;  // "inf"/"nan" are not literals
      if (f.ok() && !inf_or_nan) {
        if (text.find_first_of(".eEpP") == std::string::npos) {
          std::string q;
          gofmt::AppendQuote(&q, text);
          Errorf("integer overflow: " + q);
        }
        n->is_float = true;
        n->fval = *f;
        double fv = *f;
        if (!n->is_int && fv >= -9.2233720368547758e18 && fv < 9.2233720368547758e18 &&
            static_cast<double>(static_cast<int64_t>(fv)) == fv) {
          n->is_int = true;
          n->ival = static_cast<int64_t>(fv);
        }
        if (!n->is_uint && fv >= 0 && fv < 1.8446744073709552e19 &&
            static_cast<double>(static_cast<uint64_t>(fv)) == fv) {
          n->is_uint = true;
          n->uval = static_cast<uint64_t>(fv);
        }
      }
    }
    if (!n->is_int && !n->is_uint && !n->is_float) {
      std::string q;
      gofmt::AppendQuote(&q, text);
      Errorf("illegal number syntax: " + q);
    }
    return n;
  }

 public:
  std::string name_;

 private:
  std::string parse_name_;
  TokenStream* lex_;
  ParsedSet* set_;
  const std::function<bool(std::string_view)>* has_func_;
  int depth_;
  Item token_[3];
  int peek_count_ = 0;
  std::vector<std::string> vars_;
  Node* root_ = nullptr;
  int action_line_ = 0;
  int range_depth_ = 0;
};

bool IsAsciiSpaceOnly(std::string_view s) {
  for (char c : s) {
    if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')) return false;
  }
  return true;
}

}  // namespace

bool IsEmptyTree(const Node* n) {
  if (n == nullptr) return true;
  switch (n->type) {
    case NodeType::kComment:
      return true;
    case NodeType::kList:
      for (const Node* c : n->nodes) {
        if (!IsEmptyTree(c)) return false;
      }
      return true;
    case NodeType::kText:
      return IsAsciiSpaceOnly(n->text);
    default:
      return false;
  }
}

Status ParseTemplate(std::string_view name, std::string_view text,
                     const std::function<bool(std::string_view)>& has_func, ParsedSet* set) {
  set->text.assign(text);
  TokenStream lex(Lex(set->text, !has_func("break"), !has_func("continue")),
                  static_cast<int>(set->text.size()));
  try {
    Parser p{std::string(name), std::string(name), &lex, set, &has_func, 0};
    p.ParseTop();
  } catch (const ParseError& e) {
    set->trees.clear();
    return Status::InvalidArgument(e.msg);
  }
  return Status::OK();
}

void AppendNodeString(std::string* out, const Node* n) {
  switch (n->type) {
    case NodeType::kText:
      out->append(n->text);
      return;
    case NodeType::kComment:
      out->append("{{" + n->text + "}}");
      return;
    case NodeType::kAction:
      out->append("{{");
      AppendNodeString(out, n->pipe);
      out->append("}}");
      return;
    case NodeType::kBool:
      out->append(n->bval ? "true" : "false");
      return;
    case NodeType::kChain:
      if (n->chain_node->type == NodeType::kPipe) {
        out->push_back('(');
        AppendNodeString(out, n->chain_node);
        out->push_back(')');
      } else {
        AppendNodeString(out, n->chain_node);
      }
      for (const auto& f : n->idents) {
        out->push_back('.');
        out->append(f);
      }
      return;
    case NodeType::kCommand:
      for (size_t i = 0; i < n->nodes.size(); ++i) {
        if (i > 0) out->push_back(' ');
        if (n->nodes[i]->type == NodeType::kPipe) {
          out->push_back('(');
          AppendNodeString(out, n->nodes[i]);
          out->push_back(')');
        } else {
          AppendNodeString(out, n->nodes[i]);
        }
      }
      return;
    case NodeType::kDot:
      out->push_back('.');
      return;
    case NodeType::kField:
      for (const auto& f : n->idents) {
        out->push_back('.');
        out->append(f);
      }
      return;
    case NodeType::kIdentifier:
      out->append(n->text);
      return;
    case NodeType::kNil:
      out->append("nil");
      return;
    case NodeType::kNumber:
      out->append(n->text);
      return;
    case NodeType::kString:
      out->append(n->quoted);
      return;
    case NodeType::kVariable:
      for (size_t i = 0; i < n->idents.size(); ++i) {
        if (i > 0) out->push_back('.');
        out->append(n->idents[i]);
      }
      return;
    case NodeType::kPipe:
      if (!n->decl.empty()) {
        for (size_t i = 0; i < n->decl.size(); ++i) {
          if (i > 0) out->append(", ");
          AppendNodeString(out, n->decl[i]);
        }
        out->append(n->is_assign ? " = " : " := ");
      }
      for (size_t i = 0; i < n->nodes.size(); ++i) {
        if (i > 0) out->append(" | ");
        AppendNodeString(out, n->nodes[i]);
      }
      return;
    case NodeType::kList:
      for (const Node* c : n->nodes) AppendNodeString(out, c);
      return;
    case NodeType::kIf:
    case NodeType::kRange:
    case NodeType::kWith:
      out->append(n->type == NodeType::kIf      ? "{{if "
                  : n->type == NodeType::kRange ? "{{range "
                                                : "{{with ");
      AppendNodeString(out, n->pipe);
      out->append("}}");
      AppendNodeString(out, n->list);
      if (n->else_list != nullptr) {
        out->append("{{else}}");
        AppendNodeString(out, n->else_list);
      }
      out->append("{{end}}");
      return;
    case NodeType::kTemplate:
      out->append("{{template ");
      gofmt::AppendQuote(out, n->text);
      if (n->pipe != nullptr) {
        out->push_back(' ');
        AppendNodeString(out, n->pipe);
      }
      out->append("}}");
      return;
    case NodeType::kBreak:
      out->append("{{break}}");
      return;
    case NodeType::kContinue:
      out->append("{{continue}}");
      return;
    case NodeType::kEnd:
      out->append("{{end}}");
      return;
    case NodeType::kElse:
      out->append("{{else}}");
      return;
  }
}

std::string NodeString(const Node* n) {
  std::string s;
  AppendNodeString(&s, n);
  return s;
}

}  // namespace ward::tmpl
