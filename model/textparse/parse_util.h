// Helpers shared by the text-format parsers (promparse, openmetricsparse):
// Go-compatible float parsing and quoting, escape handling, UTF-8 checks and
// the OpenMetrics float formatting Prometheus applies to `le`/`quantile`.
// Internal to model/textparse. All functions are thread-safe (no state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels/labels.h"
#include "model/textparse/parser.h"
#include "util/status.h"

namespace ward::textparse::internal {

// Tokens of both lexers; the names are the ones Prometheus prints in errors.
enum class Token : int8_t {
  kInvalid = -1,
  kEOF = 0,
  kLinebreak,
  kWhitespace,
  kHelp,
  kType,
  kUnit,
  kEOFWord,
  kText,
  kComment,
  kMName,
  kQString,
  kBraceOpen,
  kBraceClose,
  kLName,
  kLValue,
  kComma,
  kEqual,
  kTimestamp,
  kValue,
};
std::string_view TokenName(Token t);

// The bit pattern Prometheus stores for every parsed NaN (value.NormalNaN).
inline constexpr uint64_t kNormalNaNBits = 0x7ff8000000000001ULL;
double NormalNaN();

// Parses `s` as Go's strconv.ParseFloat(s, 64) does, but, like Prometheus,
// rejects 'p', 'P' and '_' (so hex floats and digit separators are invalid).
// Accepts [+-]digits[.digits][e[+-]digits], "Inf"/"Infinity" with an
// optional sign and "NaN", case-insensitively. On failure returns false and
// sets *err to Go's message (`strconv.ParseFloat: parsing "x": invalid syntax`,
// `... value out of range`, or `unsupported character in float`).
bool ParseGoFloat(std::string_view s, double* out, std::string* err);

// Parses a decimal int64 as strconv.ParseInt(s, 10, 64).
bool ParseGoInt64(std::string_view s, int64_t* out, std::string* err);

// Appends `s` quoted as Go's %q does for a byte string: \" \\ \n \t ...,
// \xNN for invalid UTF-8 and control bytes; valid UTF-8 is kept.
void AppendGoQuoted(std::string* out, std::string_view s);
std::string GoQuote(std::string_view s);

// True when `s` is valid UTF-8 (as Go's utf8.Valid: no surrogates, no
// overlong forms, nothing above U+10FFFF).
bool ValidUtf8(std::string_view s);

// Replaces \\ -> \, \n -> newline and, unless `help`, \" -> " (Prometheus's
// label value and HELP replacers). Other backslashes are kept as written.
void Unescape(std::string_view in, bool help, std::string* out);
inline bool NeedsUnescape(std::string_view s) { return s.find('\\') != std::string_view::npos; }

// Formats f as Prometheus's formatOpenMetricsFloat: NaN, +Inf, -Inf, else
// Go's shortest 'g' form with ".0" appended when it has no '.' or 'e'.
std::string FormatOpenMetricsFloat(double f);

// Prometheus's normalizeFloatsInLabelValues: for `quantile` of a summary and
// `le` of a histogram, a value that parses as a float is rewritten with
// FormatOpenMetricsFloat ("1" -> "1.0"). Otherwise *value is left alone.
void NormalizeFloatLabelValue(MetricType type, std::string_view name, std::string* value);

// The "<exp>, got "<tok bytes>" ("<TOKEN>") while parsing: "<line>"" error.
Status TokenError(std::string_view expectation, std::string_view got_bytes, Token got,
                  std::string_view line);

// Checks that no two label names in `offsets` (groups of 4: name start/end,
// value start/end into `b`) are equal and that no label is called __name__
// when the metric name is given. On a duplicate returns InvalidArgument
// `label name "x" is not unique while parsing: "<line>"`.
Status CheckDuplicateLabelNames(const char* b, const std::vector<size_t>& offsets,
                                std::string_view line);

// Builds __name__ plus the label pairs (unescaped, `le`/`quantile`
// normalized for `type`), sorted by name.
void BuildLabels(const char* b, size_t name_start, size_t name_end,
                 const std::vector<size_t>& offsets, MetricType type, labels::Labels* out);

}  // namespace ward::textparse::internal
