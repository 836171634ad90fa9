// Lexer and parser for Go's text/template language (the dialect Prometheus
// alert labels and annotations are written in): text, {{ }} actions with
// trim markers, comments, pipelines, variables, fields, literals, if / range
// / with / define / template / block / break / continue. Parse errors read
// as Go's: `template: NAME:LINE: MSG`. Thread-compatible; Parse is a pure
// function of its inputs.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "template/node.h"
#include "util/status.h"

namespace ward::tmpl {

// One named template (the top-level text or a {{define}}d one).
struct Tree {
  std::string name;
  std::string parse_name;  // the top-level name, used in error locations
  Node* root = nullptr;    // a kList node
};

// Everything one Parse call produced. Node pointers point into `arena`.
struct ParsedSet {
  NodeArena arena;
  std::string text;  // the parsed text (error positions index into it)
  std::map<std::string, Tree, std::less<>> trees;
};

// Limits that keep hostile templates from exhausting the stack.
inline constexpr int kMaxParseDepth = 1000;  // nested ( ) and control blocks

// Parses `text` as template `name` into *set (which must be empty).
// has_func reports whether a function name is defined (Go checks this at
// parse time: `function "foo" not defined`). On error returns
// InvalidArgument with Go's message.
Status ParseTemplate(std::string_view name, std::string_view text,
                     const std::function<bool(std::string_view)>& has_func, ParsedSet* set);

// Go's parse.IsEmptyTree: nothing but spaces and comments.
bool IsEmptyTree(const Node* n);

}  // namespace ward::tmpl
