// The PromQL lexer and the text helpers shared by parser and printer:
// Go-compatible number formatting, Prometheus durations, Go string
// unquoting and legacy-name checks. Tokens reference the input text, which
// must outlive them. Thread-compatible (a Lexer is used by one parse).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace ward::promql::parser {

enum class Tok {
  kEOF,
  kError,        // text holds the message
  kIdent,        // foo, sum, by, offset ... (keywords are resolved by the parser)
  kMetricIdent,  // an identifier containing ':'
  kNumber,
  kDuration,
  kString,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kComma,
  kColon,
  kAt,
  kSemicolon,
  kEql,       // =
  kEqlRegex,  // =~
  kNeqRegex,  // !~
  kNeq,       // !=
  kEqlc,      // ==
  kLss,
  kLte,
  kGtr,
  kGte,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kTrimUpper,  // </
  kTrimLower,  // >/
};

struct Token {
  Tok type = Tok::kEOF;
  std::string_view text;  // the source text (error message for kError)
  int pos = 0;            // byte offset in the input
  std::string error;      // owned message for kError
  int end() const { return pos + static_cast<int>(text.size()); }
};

// Splits a query into tokens; comments and whitespace are dropped. The
// first lexical error ends the list with a kError token, which is followed by
// kEOF. Bracket-balance errors use Prometheus's messages.
std::vector<Token> Lex(std::string_view input);

// Go's fmt %v of a float64: shortest digits, exponent form for exponents
// < -4 or >= 6 ("1e+06"), "+Inf", "-Inf", "NaN".
std::string FormatGoFloat(double v);
// Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an
// exponent ("1000000", "0.0001"), "+Inf", "-Inf", "NaN". How PromQL
// number literals print.
std::string FormatFloatF(double v);
// Prometheus's model.Duration String(): "1h30m", "0s", "1y2w"; ms >= 0.
std::string FormatDuration(int64_t ms);
// Prometheus's model.ParseDuration: "1h30m", "500ms", "0". Returns ms.
Result<int64_t> ParsePromDuration(std::string_view s);
// Appends s double-quoted as Go's strconv.Quote does (%q): escapes for
// quotes, backslashes and control characters, \xHH for invalid UTF-8.
void AppendGoQuoted(std::string* out, std::string_view s);
// Unquotes a Go-style literal in "", '' or `` (Prometheus's strutil.Unquote).
Result<std::string> GoUnquote(std::string_view quoted);
// Go strconv.ParseInt(s, 0, 64) then ParseFloat fallback, as the parser
// reads numbers (hex 0x.., octal 0.., Inf, NaN, exponents).
Result<double> ParseGoNumber(std::string_view s);

bool IsLegacyLabelName(std::string_view s);   // [a-zA-Z_][a-zA-Z0-9_]*
bool IsLegacyMetricName(std::string_view s);  // [a-zA-Z_:][a-zA-Z0-9_:]*

}  // namespace ward::promql::parser
