// Lexer for Go text/template, following the state machine and error texts
// of Go's text/template/parse/lex.go.
#include "template/lex.h"

#include <cctype>
#include <cstdio>

#include "template/gofmt.h"

namespace ward::tmpl {

std::string ItemString(const Item& i) {
  if (i.typ == It::kEOF) return "EOF";
  if (i.typ == It::kError) return i.val;
  if (i.typ > It::kKeyword) return "<" + i.val + ">";
  std::string out;
  if (i.val.size() > 10) {
    // Go's "%.10q...": the first 10 runes, quoted, then an ellipsis.
    size_t cut = 0;
    for (int runes = 0; runes < 10 && cut < i.val.size(); ++runes) {
      int w;
      gofmt::DecodeRune(i.val, cut, &w);
      cut += w;
    }
    gofmt::AppendQuote(&out, std::string_view(i.val).substr(0, cut));
    out += "...";
    return out;
  }
  gofmt::AppendQuote(&out, i.val);
  return out;
}

namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
constexpr int kTrimMarkerLen = 2;

bool IsSpaceChar(int32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }

// Letters: ASCII letters plus any non-ASCII rune that is not an obvious
// space, control or punctuation character (an approximation of Go's
// unicode.IsLetter that keeps identifiers in other scripts working).
bool IsLetterRune(int32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  if (r < 0xc0)
    return r == 0xaa || r == 0xb5 || r == 0xba;  // Latin-1 punctuation/symbols are not letters
  if (r == 0xd7 || r == 0xf7) return false;
  if (r >= 0x2000 && r <= 0x2bff) return false;  // punctuation, symbols, arrows
  if (r >= 0x3000 && r <= 0x303f) return false;  // CJK punctuation
  if (r == 0xfeff || r == 0xfffd || r >= 0xfff0) return false;
  return true;
}
bool IsAlphaNumeric(int32_t r) { return r == '_' || IsLetterRune(r) || (r >= '0' && r <= '9'); }

std::string FormatU(int32_t r) {
  char buf[32];
  snprintf(buf, sizeof(buf), "U+%04X", static_cast<unsigned>(r < 0 ? 0xfffd : r));
  std::string s = buf;
  bool printable =
      (r >= 0x20 && r < 0x7f) || (r >= 0xa1 && r != 0xad && r != 0xfeff && r <= 0x10ffff &&
                                  !(r >= 0x2000 && r <= 0x200f) && !(r >= 0x2028 && r <= 0x202f));
  if (printable) {
    s += " '";
    gofmt::AppendRune(&s, r);
    s += "'";
  }
  return s;
}

bool HasLeftTrimMarker(std::string_view s) {
  return s.size() >= 2 && s[0] == '-' && IsSpaceChar(s[1]);
}
bool HasRightTrimMarker(std::string_view s) {
  return s.size() >= 2 && IsSpaceChar(s[0]) && s[1] == '-';
}
size_t LeftTrimLength(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsSpaceChar(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}
size_t RightTrimLength(std::string_view s) {
  size_t i = s.size();
  while (i > 0 && IsSpaceChar(static_cast<unsigned char>(s[i - 1]))) --i;
  return s.size() - i;
}
int CountNewlines(std::string_view s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// Scans the whole input into items up front; the item stream ends with EOF
// or an error item, exactly where Go's lexer would stop.
class Lexer {
 public:
  Lexer(std::string_view input, bool break_ok, bool continue_ok)
      : in_(input), break_ok_(break_ok), continue_ok_(continue_ok) {
    Run();
  }
  std::vector<Item> Take() { return std::move(items_); }

 private:
  enum class State { kText, kLeftDelim, kComment, kRightDelim, kInside, kDone };
  static constexpr int32_t kEofRune = -1;

  int32_t NextRune() {
    if (pos_ >= in_.size()) {
      width_ = 0;
      return kEofRune;
    }
    int w;
    int32_t r = gofmt::DecodeRune(in_, pos_, &w);
    width_ = w;
    pos_ += w;
    if (r == '\n') ++line_;
    return r;
  }
  int32_t Peek() {
    int32_t r = NextRune();
    Backup();
    return r;
  }
  void Backup() {
    pos_ -= width_;
    if (width_ == 1 && in_[pos_] == '\n') --line_;
    width_ = 0;
  }
  bool Accept(std::string_view valid) {
    int32_t r = NextRune();
    if (r >= 0 && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos)
      return true;
    Backup();
    return false;
  }
  void AcceptRun(std::string_view valid) {
    while (true) {
      int32_t r = NextRune();
      if (r >= 0 && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos)
        continue;
      Backup();
      return;
    }
  }
  Item ThisItem(It t) {
    Item i{t, static_cast<int>(start_), std::string(in_.substr(start_, pos_ - start_)),
           start_line_};
    start_ = pos_;
    start_line_ = line_;
    return i;
  }
  void Emit(It t) { items_.push_back(ThisItem(t)); }
  void Ignore() {
    line_ += CountNewlines(in_.substr(start_, pos_ - start_));
    start_ = pos_;
    start_line_ = line_;
  }
  State Errorf(std::string msg) {
    items_.push_back(Item{It::kError, static_cast<int>(start_), std::move(msg), start_line_});
    return State::kDone;
  }
  std::pair<bool, bool> AtRightDelim() const {
    std::string_view rest = in_.substr(pos_);
    if (HasRightTrimMarker(rest) && rest.substr(kTrimMarkerLen).starts_with(kRightDelim))
      return {true, true};
    if (rest.starts_with(kRightDelim)) return {true, false};
    return {false, false};
  }
  bool AtTerminator() {
    int32_t r = Peek();
    if (IsSpaceChar(r)) return true;
    switch (r) {
      case kEofRune:
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
    }
    return in_.substr(pos_).starts_with(kRightDelim);
  }

  void Run() {
    State s = State::kText;
    while (s != State::kDone) {
      switch (s) {
        case State::kText:
          s = LexText();
          break;
        case State::kLeftDelim:
          s = LexLeftDelim();
          break;
        case State::kComment:
          s = LexComment();
          break;
        case State::kRightDelim:
          s = LexRightDelim();
          break;
        case State::kInside:
          s = LexInsideAction();
          break;
        case State::kDone:
          break;
      }
    }
  }

  State LexText() {
    width_ = 0;
    size_t x = in_.find(kLeftDelim, pos_);
    if (x != std::string_view::npos) {
      if (x > pos_) {
        pos_ = x;
        size_t trim = 0;
        if (HasLeftTrimMarker(in_.substr(pos_ + kLeftDelim.size()))) {
          trim = RightTrimLength(in_.substr(start_, pos_ - start_));
        }
        pos_ -= trim;
        line_ += CountNewlines(in_.substr(start_, pos_ - start_));
        Item i = ThisItem(It::kText);
        pos_ += trim;
        Ignore();
        if (!i.val.empty()) items_.push_back(std::move(i));
      }
      return State::kLeftDelim;
    }
    pos_ = in_.size();
    if (pos_ > start_) {
      line_ += CountNewlines(in_.substr(start_, pos_ - start_));
      Emit(It::kText);
    }
    Emit(It::kEOF);
    return State::kDone;
  }

  State LexLeftDelim() {
    pos_ += kLeftDelim.size();
    bool trim = HasLeftTrimMarker(in_.substr(pos_));
    size_t after = trim ? kTrimMarkerLen : 0;
    if (in_.substr(pos_ + after).starts_with(kLeftComment)) {
      pos_ += after;
      Ignore();
      return State::kComment;
    }
    Emit(It::kLeftDelim);
    pos_ += after;
    Ignore();
    paren_depth_ = 0;
    return State::kInside;
  }

  State LexComment() {
    pos_ += kLeftComment.size();
    size_t x = in_.find(kRightComment, pos_);
    if (x == std::string_view::npos) return Errorf("unclosed comment");
    pos_ = x + kRightComment.size();
    auto [delim, trim] = AtRightDelim();
    if (!delim) return Errorf("comment ends before closing delimiter");
    if (trim) pos_ += kTrimMarkerLen;
    pos_ += kRightDelim.size();
    if (trim) pos_ += LeftTrimLength(in_.substr(pos_));
    Ignore();
    return State::kText;
  }

  State LexRightDelim() {
    auto [delim, trim] = AtRightDelim();
    if (trim) {
      pos_ += kTrimMarkerLen;
      Ignore();
    }
    pos_ += kRightDelim.size();
    Emit(It::kRightDelim);
    if (trim) {
      pos_ += LeftTrimLength(in_.substr(pos_));
      Ignore();
    }
    return State::kText;
  }

  State LexInsideAction() {
    auto [delim, trim] = AtRightDelim();
    if (delim) {
      if (paren_depth_ == 0) return State::kRightDelim;
      return Errorf("unclosed left paren");
    }
    int32_t r = NextRune();
    if (r == kEofRune) return Errorf("unclosed action");
    if (IsSpaceChar(r)) {
      Backup();
      return LexSpace();
    }
    switch (r) {
      case '=':
        Emit(It::kAssign);
        return State::kInside;
      case ':':
        if (NextRune() != '=') return Errorf("expected :=");
        Emit(It::kDeclare);
        return State::kInside;
      case '|':
        Emit(It::kPipe);
        return State::kInside;
      case '"':
        return LexQuote();
      case '`':
        return LexRawQuote();
      case '$':
        return LexVariable();
      case '\'':
        return LexChar();
      case '(':
        ++paren_depth_;
        Emit(It::kLeftParen);
        return State::kInside;
      case ')':
        --paren_depth_;
        if (paren_depth_ < 0) return Errorf("unexpected right paren");
        Emit(It::kRightParen);
        return State::kInside;
    }
    if (r == '.') {
      if (pos_ < in_.size()) {
        char c = in_[pos_];
        if (c < '0' || c > '9') return LexFieldOrVariable(It::kField);
      }
      Backup();
      return LexNumber();
    }
    if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
      Backup();
      return LexNumber();
    }
    if (IsAlphaNumeric(r)) {
      Backup();
      return LexIdentifier();
    }
    if (r < 0x80 && r >= 0x20 && r < 0x7f) {
      Emit(It::kChar);
      return State::kInside;
    }
    return Errorf("unrecognized character in action: " + FormatU(r));
  }

  State LexSpace() {
    int num_spaces = 0;
    while (IsSpaceChar(Peek())) {
      NextRune();
      ++num_spaces;
    }
    // A trim-marked right delimiter: " -}}".
    if (HasRightTrimMarker(in_.substr(pos_ - 1)) &&
        in_.substr(pos_ - 1 + kTrimMarkerLen).starts_with(kRightDelim)) {
      pos_ -= 1;
      if (in_[pos_] == '\n') --line_;
      if (num_spaces == 1) return State::kRightDelim;
    }
    Emit(It::kSpace);
    return State::kInside;
  }

  State LexIdentifier() {
    while (true) {
      int32_t r = NextRune();
      if (IsAlphaNumeric(r)) continue;
      Backup();
      std::string_view word = in_.substr(start_, pos_ - start_);
      if (!AtTerminator()) return Errorf("bad character " + FormatU(r));
      It kw = KeywordType(word);
      if (kw != It::kEOF) {
        if ((kw == It::kBreak && !break_ok_) || (kw == It::kContinue && !continue_ok_)) {
          Emit(It::kIdentifier);
        } else {
          Emit(kw);
        }
      } else if (word == "true" || word == "false") {
        Emit(It::kBool);
      } else {
        Emit(It::kIdentifier);
      }
      return State::kInside;
    }
  }

  static It KeywordType(std::string_view w) {
    if (w == "block") return It::kBlock;
    if (w == "break") return It::kBreak;
    if (w == "continue") return It::kContinue;
    if (w == "define") return It::kDefine;
    if (w == "else") return It::kElse;
    if (w == "end") return It::kEnd;
    if (w == "if") return It::kIf;
    if (w == "range") return It::kRange;
    if (w == "nil") return It::kNil;
    if (w == "template") return It::kTemplate;
    if (w == "with") return It::kWith;
    return It::kEOF;
  }

  State LexVariable() {
    if (AtTerminator()) {
      Emit(It::kVariable);
      return State::kInside;
    }
    return LexFieldOrVariable(It::kVariable);
  }

  State LexFieldOrVariable(It typ) {
    if (AtTerminator()) {
      Emit(typ == It::kVariable ? It::kVariable : It::kDot);
      return State::kInside;
    }
    int32_t r;
    while (true) {
      r = NextRune();
      if (!IsAlphaNumeric(r)) {
        Backup();
        break;
      }
    }
    if (!AtTerminator()) return Errorf("bad character " + FormatU(r));
    Emit(typ);
    return State::kInside;
  }

  State LexChar() {
    while (true) {
      int32_t r = NextRune();
      if (r == '\\') {
        int32_t r2 = NextRune();
        if (r2 != kEofRune && r2 != '\n') continue;
        return Errorf("unterminated character constant");
      }
      if (r == kEofRune || r == '\n') return Errorf("unterminated character constant");
      if (r == '\'') break;
    }
    Emit(It::kCharConstant);
    return State::kInside;
  }

  bool ScanNumber() {
    Accept("+-");
    std::string_view digits = "0123456789_";
    if (Accept("0")) {
      if (Accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (Accept("oO")) {
        digits = "01234567_";
      } else if (Accept("bB")) {
        digits = "01_";
      }
    }
    AcceptRun(digits);
    if (Accept(".")) AcceptRun(digits);
    if (digits.size() == 11 && Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    if (digits.size() == 23 && Accept("pP")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    Accept("i");
    if (IsAlphaNumeric(Peek())) {
      NextRune();
      return false;
    }
    return true;
  }

  State LexNumber() {
    auto bad = [&] {
      std::string msg = "bad number syntax: ";
      gofmt::AppendQuote(&msg, in_.substr(start_, pos_ - start_));
      return Errorf(msg);
    };
    if (!ScanNumber()) return bad();
    int32_t sign = Peek();
    if (sign == '+' || sign == '-') {
      if (!ScanNumber() || in_[pos_ - 1] != 'i') return bad();
      Emit(It::kComplex);
    } else {
      Emit(It::kNumber);
    }
    return State::kInside;
  }

  State LexQuote() {
    while (true) {
      int32_t r = NextRune();
      if (r == '\\') {
        int32_t r2 = NextRune();
        if (r2 != kEofRune && r2 != '\n') continue;
        return Errorf("unterminated quoted string");
      }
      if (r == kEofRune || r == '\n') return Errorf("unterminated quoted string");
      if (r == '"') break;
    }
    Emit(It::kString);
    return State::kInside;
  }

  State LexRawQuote() {
    while (true) {
      int32_t r = NextRune();
      if (r == kEofRune) return Errorf("unterminated raw quoted string");
      if (r == '`') break;
    }
    Emit(It::kRawString);
    return State::kInside;
  }

  std::string_view in_;
  bool break_ok_, continue_ok_;
  size_t pos_ = 0, start_ = 0;
  int width_ = 0;
  int line_ = 1, start_line_ = 1;
  int paren_depth_ = 0;
  std::vector<Item> items_;
};

}  // namespace

std::vector<Item> Lex(std::string_view input, bool break_ok, bool continue_ok) {
  return Lexer(input, break_ok, continue_ok).Take();
}

// ---- strconv helpers -------------------------------------------------------

static bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
static int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// strconv.UnquoteChar: decodes one (possibly escaped) character of s.
// Returns false on a syntax error. *multibyte says whether to append the
// rune as UTF-8 (false: append the byte value).
bool UnquoteChar(std::string_view s, char quote, int32_t* value, bool* multibyte,
                 std::string_view* tail) {
  if (s.empty()) return false;
  unsigned char c = s[0];
  if (c == static_cast<unsigned char>(quote) && (quote == '\'' || quote == '"')) return false;
  if (c >= 0x80) {
    int w;
    *value = gofmt::DecodeRune(s, 0, &w);
    *multibyte = true;
    *tail = s.substr(w);
    return true;
  }
  if (c != '\\') {
    *value = c;
    *multibyte = false;
    *tail = s.substr(1);
    return true;
  }
  if (s.size() <= 1) return false;
  char e = s[1];
  s = s.substr(2);
  *multibyte = false;
  switch (e) {
    case 'a':
      *value = '\a';
      break;
    case 'b':
      *value = '\b';
      break;
    case 'f':
      *value = '\f';
      break;
    case 'n':
      *value = '\n';
      break;
    case 'r':
      *value = '\r';
      break;
    case 't':
      *value = '\t';
      break;
    case 'v':
      *value = '\v';
      break;
    case 'x':
    case 'u':
    case 'U': {
      size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (s.size() < n) return false;
      int64_t v = 0;
      for (size_t i = 0; i < n; ++i) {
        if (!IsHex(s[i])) return false;
        v = v * 16 + HexVal(s[i]);
      }
      s = s.substr(n);
      if (e == 'x') {
        *value = static_cast<int32_t>(v);
        break;
      }
      if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return false;
      *value = static_cast<int32_t>(v);
      *multibyte = true;
      break;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      int v = e - '0';
      if (s.size() < 2) return false;
      for (int i = 0; i < 2; ++i) {
        int d = s[i] - '0';
        if (d < 0 || d > 7) return false;
        v = (v << 3) | d;
      }
      s = s.substr(2);
      if (v > 255) return false;
      *value = v;
      break;
    }
    case '\\':
      *value = '\\';
      break;
    case '\'':
    case '"':
      if (e != quote) return false;
      *value = e;
      break;
    default:
      return false;
  }
  *tail = s;
  return true;
}

static bool ValidUTF8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    int w;
    int32_t r = gofmt::DecodeRune(s, i, &w);
    if (r == 0xfffd && w == 1) return false;
    i += w;
  }
  return true;
}

// strconv.Unquote for "..." and `...` literals.
bool Unquote(std::string_view in, std::string* out) {
  if (in.size() < 2) return false;
  char quote = in[0];
  if (quote != in.back()) return false;
  std::string_view body = in.substr(1, in.size() - 2);
  if (quote == '`') {
    if (body.find('`') != std::string_view::npos) return false;
    out->clear();
    for (char c : body) {
      if (c != '\r') out->push_back(c);
    }
    return true;
  }
  if (quote != '"') return false;
  if (body.find('\\') == std::string_view::npos && body.find('\n') == std::string_view::npos &&
      body.find('"') == std::string_view::npos && ValidUTF8(body)) {
    out->assign(body);
    return true;
  }
  out->clear();
  while (!body.empty()) {
    if (body[0] == '\n') return false;
    int32_t v;
    bool mb;
    std::string_view tail;
    if (!UnquoteChar(body, '"', &v, &mb, &tail)) return false;
    if (v < 0x80 || !mb) {
      out->push_back(static_cast<char>(v));
    } else {
      gofmt::AppendRune(out, v);
    }
    body = tail;
  }
  return true;
}

// strconv.ParseUint / ParseInt with base 0 (0x, 0o, 0b, leading-0 octal,
// underscores between digits).
bool ParseUintBase0(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  int base = 10;
  bool prefixed = false;
  if (s[0] == '0') {
    if (s.size() >= 3 && (s[1] == 'x' || s[1] == 'X')) {
      base = 16, s = s.substr(2), prefixed = true;
    } else if (s.size() >= 3 && (s[1] == 'o' || s[1] == 'O')) {
      base = 8, s = s.substr(2), prefixed = true;
    } else if (s.size() >= 3 && (s[1] == 'b' || s[1] == 'B')) {
      base = 2, s = s.substr(2), prefixed = true;
    } else if (s.size() > 1) {
      base = 8, s = s.substr(1), prefixed = true;
    }
  }
  uint64_t v = 0;
  bool any = false;
  char prev = prefixed ? '_' : '0';  // underscores allowed after a prefix
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') {
      if (prev == '_' && !(prefixed && i == 0)) return false;
      if (!prefixed && i == 0) return false;
      prev = '_';
      continue;
    }
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'z')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'Z')
      d = c - 'A' + 10;
    else
      return false;
    if (d >= base) return false;
    if (v > (UINT64_MAX - d) / base) return false;
    v = v * base + d;
    any = true;
    prev = c;
  }
  if (!any || prev == '_') return false;
  *out = v;
  return true;
}

bool ParseIntBase0(std::string_view s, int64_t* out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s = s.substr(1);
  }
  uint64_t u;
  if (!ParseUintBase0(s, &u)) return false;
  if (neg) {
    if (u > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(~u + 1);
  } else {
    if (u > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(u);
  }
  return true;
}

}  // namespace ward::tmpl
