// Go's string and float text forms, shared by every component that must
// print bytes exactly as a Go program (Prometheus, Alertmanager, text/template)
// would: encoding/json string escaping, strconv.Quote, strconv.FormatFloat
// with precision -1 ('g', 'f', 'e'), fmt's %v of a float64, and UTF-8 helpers.
// Everything appends to a caller's std::string and allocates nothing else.
// Stateless functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ward::gostr {

// ------------------------------------------------------------------- UTF-8

// Length (1-4) of the valid UTF-8 sequence starting at s[i], or 0 when the
// bytes there are not valid UTF-8 as Go's utf8 package judges it (overlong
// forms, surrogates, code points past U+10FFFF and truncated sequences are
// invalid). REQUIRES: i < s.size().
size_t ValidUtf8Len(std::string_view s, size_t i);
// Decodes the rune at s[i] and sets *width to its length. An invalid byte
// yields U+FFFD with width 1. REQUIRES: i < s.size().
int32_t DecodeRune(std::string_view s, size_t i, size_t* width);
// Appends r as UTF-8; negative, surrogate or > U+10FFFF runes become U+FFFD.
void AppendRune(std::string* out, int32_t r);

// -------------------------------------------------------------------- JSON

struct JsonStringOptions {
  // Escape <, > and & as \u003c, \u003e, \u0026 (encoding/json's default,
  // so the text is safe inside HTML).
  bool escape_html = true;
  // true: bytes >= 0x80 are checked as UTF-8; invalid bytes become \ufffd
  // and U+2028/U+2029 are escaped, as encoding/json does. false: bytes
  // >= 0x80 are copied as they are (for text already known to be UTF-8, or
  // where the caller has always passed bytes through).
  bool check_utf8 = true;
};

// Appends `s` as a JSON string literal, quotes included: \" \\ \n \r \t,
// other bytes below 0x20 as \u00XX (lower-case hex); 0x7f is kept. With the
// default options the output is byte-identical to Go's json.Marshal of the
// string before Go 1.22 (\b and \f as \u0008 and \u000c).
void AppendJsonString(std::string* out, std::string_view s, JsonStringOptions opts = {});

// ------------------------------------------------------------ strconv.Quote

// Which runes count as printable (strconv.IsPrint). ward has no Unicode
// tables, so each user picks the approximation it has always printed with.
// All three treat ASCII alike (0x20-0x7e printable) and U+FFFD as printable.
enum class GoPrintable {
  // Every valid non-ASCII rune is printable (the PromQL lexer).
  kAscii,
  // Non-printable: C1 controls U+0080-U+009F, U+00AD, U+2028, U+2029,
  // U+FEFF (the exposition-format parser).
  kNarrow,
  // kNarrow plus U+00A0, U+2000-U+200F, U+2028-U+202F, U+2060-U+206F,
  // U+3000, U+FFFE, U+FFFF (text/template's fmt and strconv).
  kWide,
};

// strconv.IsPrint under the approximation `p`; surrogates and values past
// U+10FFFF are never printable.
bool GoIsPrint(int32_t r, GoPrintable p);

// Appends `s` double-quoted as strconv.Quote / %q does: \" \\ \a \b \f \n
// \r \t \v, other ASCII controls and 0x7f as \xNN, invalid UTF-8 bytes as
// \xNN, non-printable runes as \uNNNN (\UNNNNNNNN past U+FFFF), printable
// runes as they are. Hex digits are lower case.
void AppendGoQuoted(std::string* out, std::string_view s, GoPrintable p);
// Appends rune r single-quoted as strconv.QuoteRune / %q of a rune does
// (\' escaped, " kept); out-of-range runes print as U+FFFD.
void AppendGoQuotedRune(std::string* out, int32_t r, GoPrintable p);

// ------------------------------------------------------------------ floats
// All of these print NaN as "NaN" and infinities as "+Inf" / "-Inf", and
// use the shortest digits that read back to the same double. Exponents have
// at least two digits ("1e+06", "1e-07"), as in Go.

// strconv.FormatFloat(f, 'g', -1, 64): 'e' form when the decimal exponent
// is < -4 or >= 6 ("1e+06", "1.5e-05"), else plain ("123456.7", "-0").
void AppendFloatG(std::string* out, double f);
// fmt's %v of a float64: as AppendFloatG but the 'e' form starts at
// exponent 21 ("1e+21", "100000000000000000000", "1e-05", "-0"). The plain
// form is std::to_chars's shortest fixed form (see AppendFloatF).
void AppendFloatV(std::string* out, double f);
// strconv.FormatFloat(f, 'f', -1, 64): never an exponent (1e21 prints as
// "1000000000000000000000", 1e-7 as "0.0000001", "-0"). Written with
// std::to_chars's shortest fixed form, which matches Go except for some
// integers >= 2^53, where it may print the exact value (1e23 ->
// "99999999999999991611392") where Go pads the shortest digits with zeros.
void AppendFloatF(std::string* out, double f);
// strconv.FormatFloat(f, 'e', -1, 64): "1e+00", "1.5e-07", "-0e+00".
void AppendFloatE(std::string* out, double f);

}  // namespace ward::gostr
