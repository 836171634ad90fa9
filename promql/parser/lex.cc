// The PromQL lexer and text helpers (see lex.h). Behaviour follows
// Prometheus's promql/parser/lex.go: keywords are recognised by the parser,
// bracket balance errors are reported here.
#include "promql/parser/lex.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/strings/str_format.h"
#include "util/gostr.h"

namespace ward::promql::parser {

namespace {

bool IsAlpha(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }

// Go's %q of a single byte/rune as a character literal.
std::string QuoteRune(std::string_view s) {
  if (s.empty()) return "EOF";
  if (s == "'") return "'\\''";
  if (s == "\\") return "'\\\\'";
  if (s == "\n") return "'\\n'";
  if (s == "\t") return "'\\t'";
  if (s == "\r") return "'\\r'";
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('\'');
  out.append(s);
  out.push_back('\'');
  return out;
}

// Length of the UTF-8 sequence starting at s[i] (1 for invalid bytes).
size_t RuneLen(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
  return i + n <= s.size() ? n : 1;
}

// Length of the valid UTF-8 sequence at s[i], or 0 if invalid.
size_t ValidRuneLen(std::string_view s, size_t i) { return gostr::ValidUtf8Len(s, i); }

// Go's %#U of the rune at s[i]: "U+0063 'c'".
std::string GoRuneU(std::string_view s, size_t i) {
  if (i >= s.size()) return "U+FFFFFFFF";
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c >= 0x20 && c < 0x7F) return absl::StrFormat("U+%04X '%c'", c, c);
  if (c < 0x80) return absl::StrFormat("U+%04X", c);
  size_t n = ValidRuneLen(s, i);
  if (n == 0) return "U+FFFD '\xef\xbf\xbd'";
  uint32_t r = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < n; ++k) r = (r << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return absl::StrFormat("U+%04X '%s'", r, std::string(s.substr(i, n)));
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  std::vector<Token> Run() {
    while (true) {
      SkipSpaceAndComments();
      if (pos_ >= in_.size()) {
        if (brace_open_) {
          Fail(pos_, "unexpected end of input inside braces");
        } else if (paren_depth_ > 0) {
          Fail(pos_, "unclosed left parenthesis");
        } else if (bracket_open_) {
          Fail(pos_, "unclosed left bracket");
        } else {
          Emit(Tok::kEOF, pos_, pos_);
        }
        return std::move(toks_);
      }
      if (!Next()) return std::move(toks_);
    }
  }

 private:
  void Emit(Tok t, size_t start, size_t end) {
    Token tok;
    tok.type = t;
    tok.text = in_.substr(start, end - start);
    tok.pos = static_cast<int>(start);
    toks_.push_back(std::move(tok));
  }
  void Fail(size_t at, std::string msg) {
    Token tok;
    tok.type = Tok::kError;
    tok.pos = static_cast<int>(at);
    tok.error = std::move(msg);
    toks_.push_back(std::move(tok));
    Token eof;
    eof.pos = static_cast<int>(in_.size());
    toks_.push_back(std::move(eof));
  }
  char Peek(size_t off = 0) const { return pos_ + off < in_.size() ? in_[pos_ + off] : '\0'; }

  void SkipSpaceAndComments() {
    while (pos_ < in_.size()) {
      char c = in_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < in_.size() && in_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  // Lexes one token; false after an error (toks_ already terminated).
  bool Next() {
    size_t start = pos_;
    char c = in_[pos_];
    if (brace_open_) return InsideBraces();
    if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) return NumberOrDuration();
    if (IsAlpha(c) || (c == ':' && !bracket_open_)) {
      ++pos_;
      bool colon = c == ':';
      while (pos_ < in_.size() && (IsAlnum(in_[pos_]) || in_[pos_] == ':')) {
        colon |= in_[pos_] == ':';
        ++pos_;
      }
      Emit(colon ? Tok::kMetricIdent : Tok::kIdent, start, pos_);
      return true;
    }
    if (c == '"' || c == '\'' || c == '`') return String();
    ++pos_;
    switch (c) {
      case ',':
        Emit(Tok::kComma, start, pos_);
        return true;
      case ';':
        Emit(Tok::kSemicolon, start, pos_);
        return true;
      case '*':
        Emit(Tok::kMul, start, pos_);
        return true;
      case '/':
        Emit(Tok::kDiv, start, pos_);
        return true;
      case '%':
        Emit(Tok::kMod, start, pos_);
        return true;
      case '+':
        Emit(Tok::kAdd, start, pos_);
        return true;
      case '-':
        Emit(Tok::kSub, start, pos_);
        return true;
      case '^':
        Emit(Tok::kPow, start, pos_);
        return true;
      case '@':
        Emit(Tok::kAt, start, pos_);
        return true;
      case ':':
        if (got_colon_) {
          Fail(start, "unexpected colon ':'");
          return false;
        }
        got_colon_ = true;
        Emit(Tok::kColon, start, pos_);
        return true;
      case '=':
        if (Peek() == '=') {
          ++pos_;
          Emit(Tok::kEqlc, start, pos_);
        } else if (Peek() == '~') {
          Fail(pos_, "unexpected character after '=': '~'");
          return false;
        } else {
          Emit(Tok::kEql, start, pos_);
        }
        return true;
      case '!':
        if (Peek() == '=') {
          ++pos_;
          Emit(Tok::kNeq, start, pos_);
          return true;
        }
        Fail(pos_, "unexpected character after '!': " +
                       QuoteRune(pos_ < in_.size() ? in_.substr(pos_, RuneLen(in_, pos_)) : ""));
        return false;
      case '<':
        if (Peek() == '/') {
          ++pos_;
          Emit(Tok::kTrimUpper, start, pos_);
        } else if (Peek() == '=') {
          ++pos_;
          Emit(Tok::kLte, start, pos_);
        } else {
          Emit(Tok::kLss, start, pos_);
        }
        return true;
      case '>':
        if (Peek() == '/') {
          ++pos_;
          Emit(Tok::kTrimLower, start, pos_);
        } else if (Peek() == '=') {
          ++pos_;
          Emit(Tok::kGte, start, pos_);
        } else {
          Emit(Tok::kGtr, start, pos_);
        }
        return true;
      case '(':
        ++paren_depth_;
        Emit(Tok::kLParen, start, pos_);
        return true;
      case ')':
        if (paren_depth_ == 0) {
          Fail(start, "unexpected right parenthesis ')'");
          return false;
        }
        --paren_depth_;
        Emit(Tok::kRParen, start, pos_);
        return true;
      case '{':
        brace_open_ = true;
        Emit(Tok::kLBrace, start, pos_);
        return true;
      case '}':
        Fail(start, "unexpected right brace '}'");
        return false;
      case '[':
        if (bracket_open_) {
          Fail(start, "unexpected left bracket '['");
          return false;
        }
        bracket_open_ = true;
        got_colon_ = false;
        Emit(Tok::kLBracket, start, pos_);
        return true;
      case ']':
        if (!bracket_open_) {
          Fail(start, "unexpected right bracket ']'");
          return false;
        }
        bracket_open_ = false;
        Emit(Tok::kRBracket, start, pos_);
        return true;
      default:
        Fail(start, "unexpected character: " + QuoteRune(in_.substr(start, RuneLen(in_, start))));
        return false;
    }
  }

  bool InsideBraces() {
    size_t start = pos_;
    char c = in_[pos_];
    if (IsAlpha(c)) {
      while (pos_ < in_.size() && IsAlnum(in_[pos_])) ++pos_;
      Emit(Tok::kIdent, start, pos_);
      return true;
    }
    if (c == '"' || c == '\'' || c == '`') return String();
    ++pos_;
    switch (c) {
      case ',':
        Emit(Tok::kComma, start, pos_);
        return true;
      case '=':
        if (Peek() == '~') {
          ++pos_;
          Emit(Tok::kEqlRegex, start, pos_);
        } else {
          Emit(Tok::kEql, start, pos_);
        }
        return true;
      case '!':
        if (Peek() == '~') {
          ++pos_;
          Emit(Tok::kNeqRegex, start, pos_);
          return true;
        }
        if (Peek() == '=') {
          ++pos_;
          Emit(Tok::kNeq, start, pos_);
          return true;
        }
        Fail(pos_, "unexpected character after '!' inside braces: " +
                       QuoteRune(pos_ < in_.size() ? in_.substr(pos_, RuneLen(in_, pos_)) : ""));
        return false;
      case '{':
        Fail(start, "unexpected left brace '{'");
        return false;
      case '}':
        brace_open_ = false;
        Emit(Tok::kRBrace, start, pos_);
        return true;
      default:
        Fail(start, "unexpected character inside braces: " +
                        QuoteRune(in_.substr(start, RuneLen(in_, start))));
        return false;
    }
  }

  // Advances over one rune; false if it is not valid UTF-8.
  bool NextRune() {
    size_t n = ValidRuneLen(in_, pos_);
    if (n == 0) return false;
    pos_ += n;
    return true;
  }

  bool String() {
    size_t start = pos_;
    char q = in_[pos_++];
    if (q == '`') {
      while (true) {
        if (pos_ >= in_.size()) {
          Fail(start, "unterminated raw string");
          return false;
        }
        if (in_[pos_] == '`') break;
        if (!NextRune()) {
          Fail(start, "invalid UTF-8 rune");
          return false;
        }
      }
      ++pos_;
      Emit(Tok::kString, start, pos_);
      return true;
    }
    while (true) {
      if (pos_ >= in_.size() || in_[pos_] == '\n') {
        Fail(start, "unterminated quoted string");
        return false;
      }
      char c = in_[pos_];
      if (c == q) {
        ++pos_;
        break;
      }
      if (c == '\\') {
        ++pos_;
        std::string err = Escape(q);
        if (!err.empty()) {
          Fail(start, err);
          return false;
        }
        continue;
      }
      if (!NextRune()) {
        Fail(start, "invalid UTF-8 rune");
        return false;
      }
    }
    Emit(Tok::kString, start, pos_);
    return true;
  }

  // After a backslash: validates one escape sequence (Go's rules); returns
  // an error message or "".
  std::string Escape(char quote) {
    if (pos_ >= in_.size()) return "escape sequence not terminated";
    char ch = in_[pos_++];
    int n = 0;
    uint32_t base = 0, max = 0;
    switch (ch) {
      case 'a':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
      case '\\':
        return "";
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        n = 3, base = 8, max = 255;
        --pos_;
        break;
      case 'x':
        n = 2, base = 16, max = 255;
        break;
      case 'u':
        n = 4, base = 16, max = 0x10FFFF;
        break;
      case 'U':
        n = 8, base = 16, max = 0x10FFFF;
        break;
      default:
        if (ch == quote) return "";
        --pos_;
        return "unknown escape sequence " + GoRuneU(in_, pos_);
    }
    uint32_t x = 0;
    for (; n > 0; --n) {
      if (pos_ >= in_.size()) return "escape sequence not terminated";
      char d = in_[pos_];
      uint32_t v = IsDigit(d)               ? d - '0'
                   : (d >= 'a' && d <= 'f') ? d - 'a' + 10
                   : (d >= 'A' && d <= 'F') ? d - 'A' + 10
                                            : 99;
      if (v >= base) return "illegal character " + GoRuneU(in_, pos_) + " in escape sequence";
      x = x * base + v;
      ++pos_;
    }
    if (x > max || (x >= 0xD800 && x < 0xE000)) {
      return "escape sequence is an invalid Unicode code point";
    }
    return "";
  }

  bool Accept(std::string_view set) {
    if (pos_ < in_.size() && set.find(in_[pos_]) != std::string_view::npos) {
      ++pos_;
      return true;
    }
    return false;
  }
  void AcceptRun(std::string_view set) {
    while (Accept(set)) {
    }
  }

  // As Prometheus's lexer: a number, else a duration, else an error
  // quoting what was consumed.
  bool NumberOrDuration() {
    size_t start = pos_;
    std::string_view digits = "0123456789_";
    if (Accept("0") && Accept("xX")) {
      digits = "0123456789abcdefABCDEF_";
    }
    AcceptRun(digits);
    if (Accept(".")) AcceptRun(digits);
    if (Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    if (pos_ >= in_.size() || !IsAlnum(in_[pos_])) {
      Emit(Tok::kNumber, start, pos_);
      return true;
    }
    // Duration: a unit, then more <digits><unit> groups.
    bool ok = Accept("smhdwy");
    if (ok) {
      Accept("s");
      while (ok && Accept("0123456789")) {
        AcceptRun("0123456789");
        ok = Accept("smhdw");
        if (ok) Accept("s");
      }
    }
    if (ok) {
      if (pos_ >= in_.size() || !IsAlnum(in_[pos_])) {
        Emit(Tok::kDuration, start, pos_);
        return true;
      }
      ++pos_;  // Prometheus's lexer consumed the offending character
    }
    Fail(start,
         absl::StrFormat("bad number or duration syntax: \"%s\"", in_.substr(start, pos_ - start)));
    return false;
  }

  std::string_view in_;
  size_t pos_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  std::vector<Token> toks_;
};

}  // namespace

std::vector<Token> Lex(std::string_view input) { return Lexer(input).Run(); }

std::string FormatGoFloat(double v) {
  std::string out;
  gostr::AppendFloatG(&out, v);
  return out;
}

std::string FormatFloatF(double v) {
  std::string out;
  gostr::AppendFloatF(&out, v);
  return out;
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string r;
  auto f = [&](const char* unit, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    int64_t v = ms / mult;
    if (v > 0) {
      r += std::to_string(v);
      r += unit;
      ms -= v * mult;
    }
  };
  f("y", 1000LL * 60 * 60 * 24 * 365, true);
  f("w", 1000LL * 60 * 60 * 24 * 7, true);
  f("d", 1000LL * 60 * 60 * 24, false);
  f("h", 1000LL * 60 * 60, false);
  f("m", 1000LL * 60, false);
  f("s", 1000LL, false);
  f("ms", 1, false);
  return r;
}

Result<int64_t> ParsePromDuration(std::string_view s) {
  if (s == "0") return int64_t{0};
  if (s.empty()) return Status::InvalidArgument("empty duration string");
  static constexpr struct {
    const char* unit;
    int64_t mult;
  } kUnits[] = {{"y", 1000LL * 60 * 60 * 24 * 365},
                {"w", 1000LL * 60 * 60 * 24 * 7},
                {"d", 1000LL * 60 * 60 * 24},
                {"h", 1000LL * 60 * 60},
                {"m", 1000LL * 60},
                {"s", 1000},
                {"ms", 1}};
  auto bad = [&] {
    return Status::InvalidArgument(absl::StrFormat("not a valid duration string: \"%s\"", s));
  };
  size_t i = 0, next_unit = 0;
  __int128 total = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && IsDigit(s[j])) ++j;
    if (j == i) return bad();
    size_t k = j;
    while (k < s.size() && !IsDigit(s[k])) ++k;
    std::string_view unit = s.substr(j, k - j);
    size_t u = next_unit;
    while (u < std::size(kUnits) && unit != kUnits[u].unit) ++u;
    if (u == std::size(kUnits)) return bad();
    __int128 n = 0;
    for (size_t d = i; d < j; ++d) {
      n = n * 10 + (s[d] - '0');
      if (n > std::numeric_limits<int64_t>::max()) {
        return Status::InvalidArgument("duration out of range");
      }
    }
    total += n * kUnits[u].mult;
    if (total > std::numeric_limits<int64_t>::max()) {
      return Status::InvalidArgument("duration out of range");
    }
    next_unit = u + 1;
    i = k;
  }
  return static_cast<int64_t>(total);
}

namespace {

int HexVal(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void AppendGoQuoted(std::string* out, std::string_view s) {
  gostr::AppendGoQuoted(out, s, gostr::GoPrintable::kAscii);
}

Result<std::string> GoUnquote(std::string_view s) {
  auto bad = [] { return Status::InvalidArgument("invalid syntax"); };
  if (s.size() < 2 || s.front() != s.back()) return bad();
  char q = s.front();
  std::string_view body = s.substr(1, s.size() - 2);
  if (q == '`') {
    if (body.find('`') != std::string_view::npos) return bad();
    std::string out;
    for (char c : body) {
      if (c != '\r') out.push_back(c);
    }
    return out;
  }
  if (q != '"' && q != '\'') return bad();
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c == q || c == '\n') return bad();
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= body.size()) return bad();
    char e = body[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '\'':
      case '"':
        if (e != q) return bad();
        out.push_back(e);
        break;
      case 'x':
      case 'u':
      case 'U': {
        size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (i + n > body.size()) return bad();
        uint32_t v = 0;
        for (size_t k = 0; k < n; ++k) {
          int h = HexVal(body[i + k]);
          if (h < 0) return bad();
          v = v * 16 + h;
        }
        i += n;
        if (e == 'x') {
          out.push_back(static_cast<char>(v));
        } else {
          if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return bad();
          gostr::AppendRune(&out, static_cast<int32_t>(v));
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          if (i + 2 > body.size()) return bad();
          uint32_t v = e - '0';
          for (size_t k = 0; k < 2; ++k) {
            char d = body[i + k];
            if (d < '0' || d > '7') return bad();
            v = v * 8 + (d - '0');
          }
          if (v > 255) return bad();
          i += 2;
          out.push_back(static_cast<char>(v));
          break;
        }
        return bad();
    }
  }
  return out;
}

Result<double> ParseGoNumber(std::string_view s) {
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::string_view t = lower;
  bool neg = false;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  if (t == "inf" || t == "infinity") {
    return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  if (t == "nan") return std::numeric_limits<double>::quiet_NaN();
  // Integers with Go base prefixes (underscores only with a prefix).
  int base = 10;
  std::string digits;
  std::string_view d = t;
  if (d.size() > 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'o' || d[1] == 'b')) {
    base = d[1] == 'x' ? 16 : d[1] == 'o' ? 8 : 2;
    d.remove_prefix(2);
  } else if (d.size() > 1 && d[0] == '0' &&
             d.find_first_not_of("01234567_") == std::string_view::npos) {
    base = 8;
    d.remove_prefix(1);
  }
  bool is_int = !d.empty();
  for (char c : d) {
    if (c == '_' && base != 10) continue;
    int v = HexVal(c);
    if (v < 0 || v >= base) {
      is_int = false;
      break;
    }
    digits.push_back(c);
  }
  if (is_int && !digits.empty()) {
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(digits.c_str(), &end, base);
    if (errno == 0 && *end == '\0') return neg ? -static_cast<double>(v) : static_cast<double>(v);
    if (base == 16) {
      // Out of int64 range: Go's ParseFloat accepts hex only with a p exponent.
      return Status::InvalidArgument(
          absl::StrFormat("strconv.ParseFloat: parsing \"%s\": invalid syntax", s));
    }
  }
  // Floats: decimal digits, '.', exponent (Go also allows '_' between digits).
  std::string f;
  for (char c : t) {
    if (c != '_') f.push_back(c);
  }
  if (f.empty() || f.find_first_not_of("0123456789.e+-") != std::string::npos) {
    return Status::InvalidArgument(
        absl::StrFormat("strconv.ParseFloat: parsing \"%s\": invalid syntax", s));
  }
  double v = 0;
  auto r = std::from_chars(f.data(), f.data() + f.size(), v);
  if (r.ptr != f.data() + f.size()) {
    return Status::InvalidArgument(
        absl::StrFormat("strconv.ParseFloat: parsing \"%s\": invalid syntax", s));
  }
  if (r.ec == std::errc::result_out_of_range) {
    // Go returns ±Inf for overflow (with an error the parser reports).
    return Status::InvalidArgument(
        absl::StrFormat("strconv.ParseFloat: parsing \"%s\": value out of range", s));
  }
  return neg ? -v : v;
}

bool IsLegacyLabelName(std::string_view s) {
  if (s.empty() || !IsAlpha(s[0])) return false;
  for (char c : s) {
    if (!IsAlnum(c)) return false;
  }
  return true;
}

bool IsLegacyMetricName(std::string_view s) {
  if (s.empty() || !(IsAlpha(s[0]) || s[0] == ':')) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != ':') return false;
  }
  return true;
}

}  // namespace ward::promql::parser
