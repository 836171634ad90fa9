// Parse tree of a Go text/template, as built by template/parse.cc and walked
// by template/exec.cc. Mirrors Go's text/template/parse node kinds so error
// positions and node texts ("at <...>") read exactly as Go's. Nodes are owned
// by a NodeArena and never change after parsing. Thread-compatible.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ward::tmpl {

enum class NodeType : uint8_t {
  kText,
  kAction,
  kBool,
  kChain,
  kCommand,
  kDot,
  kField,
  kIdentifier,
  kIf,
  kList,
  kNil,
  kNumber,
  kPipe,
  kRange,
  kString,
  kTemplate,
  kVariable,
  kWith,
  kComment,
  kBreak,
  kContinue,
  kEnd,
  kElse,  // transient, only during parsing
};

struct Node {
  NodeType type;
  int pos = 0;   // byte offset in the template text
  int line = 0;  // 1-based line (actions, pipes, control nodes)
  // Text: the text; Identifier: the name; String: the unquoted value;
  // Number: the literal text; Template: the invoked name.
  std::string text;
  std::string quoted;               // String: the literal as written
  std::vector<std::string> idents;  // Field (without dots), Variable ("$x", "y"), Chain fields
  bool bval = false;                // Bool
  // Number: what the literal can be (Go's NumberNode).
  bool is_int = false, is_uint = false, is_float = false;
  int64_t ival = 0;
  uint64_t uval = 0;
  double fval = 0;
  bool is_assign = false;      // Pipe: "=" rather than ":="
  std::vector<Node*> nodes;    // List: items; Command: args; Pipe: commands
  std::vector<Node*> decl;     // Pipe: declared variables
  Node* pipe = nullptr;        // Action, If, Range, With, Template
  Node* list = nullptr;        // If, Range, With
  Node* else_list = nullptr;   // If, Range, With
  Node* chain_node = nullptr;  // Chain: the term the fields apply to
};

// Owns nodes; pointers stay valid for the arena's lifetime.
class NodeArena {
 public:
  Node* New(NodeType t, int pos) {
    nodes_.emplace_back();
    Node* n = &nodes_.back();
    n->type = t;
    n->pos = pos;
    return n;
  }

 private:
  std::deque<Node> nodes_;
};

// Go's Node.String(): the node as template source, e.g. `humanize "abc"`.
std::string NodeString(const Node* n);
void AppendNodeString(std::string* out, const Node* n);

}  // namespace ward::tmpl
