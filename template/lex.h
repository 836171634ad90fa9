// Lexer for Go text/template (internal to template/): turns template text
// into items with Go's rules for delimiters, trim markers ("{{- " / " -}}"),
// comments, identifiers, numbers, strings and keywords, and decodes Go
// literals (strconv.Unquote / ParseInt rules). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ward::tmpl {

enum class It : uint8_t {
  kError,
  kBool,
  kChar,
  kCharConstant,
  kComment,
  kComplex,
  kAssign,
  kDeclare,
  kEOF,
  kField,
  kIdentifier,
  kLeftDelim,
  kLeftParen,
  kNumber,
  kPipe,
  kRawString,
  kRightDelim,
  kRightParen,
  kSpace,
  kString,
  kText,
  kVariable,
  kKeyword,  // keywords follow
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Item {
  It typ = It::kEOF;
  int pos = 0;
  std::string val;
  int line = 1;
};

// Go's item.String(), used in "unexpected ... in ..." parse errors.
std::string ItemString(const Item& i);

// Scans the whole input. The result ends with an EOF item, or with an error
// item exactly where Go's lexer would stop. break_ok/continue_ok: whether
// "break"/"continue" are keywords (they are unless defined as functions).
std::vector<Item> Lex(std::string_view input, bool break_ok, bool continue_ok);

// strconv.UnquoteChar: decodes one (possibly escaped) character of s.
// Returns false on a syntax error. *multibyte: append as UTF-8 (else a byte).
bool UnquoteChar(std::string_view s, char quote, int32_t* value, bool* multibyte,
                 std::string_view* tail);
// strconv.Unquote for "..." and `...` literals.
bool Unquote(std::string_view in, std::string* out);
// strconv.ParseUint / ParseInt with base 0 (0x, 0o, 0b, leading-0 octal, "_").
bool ParseUintBase0(std::string_view s, uint64_t* out);
bool ParseIntBase0(std::string_view s, int64_t* out);

}  // namespace ward::tmpl
