#include "model/textparse/promparse.h"

#include <cmath>
#include <cstring>

namespace ward::textparse {

using internal::Token;

namespace {
inline bool IsMStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
inline bool IsMChar(char c) { return IsMStart(c) || (c >= '0' && c <= '9'); }
inline bool IsLStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool IsLChar(char c) { return IsLStart(c) || (c >= '0' && c <= '9'); }
inline bool IsBlank(char c) { return c == ' ' || c == '\t'; }
}  // namespace

PromParser::PromParser(std::string_view body)
    : b_(body.data()), size_(body.size()), n_(body.size() + 1) {}

std::string PromParser::Bytes(size_t a, size_t e) const {
  if (e > n_) e = n_;
  if (a > e) a = e;
  std::string s;
  if (a < size_) s.assign(b_ + a, (e < size_ ? e : size_) - a);
  if (e > size_) s.push_back('\n');
  return s;
}

Status PromParser::ParseError(std::string_view expectation, Token got) const {
  return internal::TokenError(expectation, Bytes(start_, i_ + 1), got, Bytes(line_start_, i_ + 1));
}

Result<Entry> PromParser::Fail(Status s) {
  failed_ = true;
  return s;
}

Token PromParser::ConsumeComment() {
  // Everything up to the newline; the newline is the next token.
  const void* nl = i_ < size_ ? std::memchr(b_ + i_, '\n', size_ - i_) : nullptr;
  i_ = nl ? static_cast<size_t>(static_cast<const char*>(nl) - b_) : size_;
  state_ = State::kInit;
  return Token::kComment;
}

// A quoted string `"(\\.|[^\\"])*"` starting at i_. Newlines are allowed
// inside, but not right after a backslash.
Token PromParser::ScanQuoted(Token tok, State next) {
  size_t j = i_ + 1;
  for (;;) {
    while (j < size_ && b_[j] != '"' && b_[j] != '\\') j++;
    if (j >= size_) {  // ran into the virtual newline and the end
      i_ = n_;
      return Token::kInvalid;
    }
    if (b_[j] == '"') {
      i_ = j + 1;
      state_ = next;
      return tok;
    }
    // A backslash escapes any byte but a newline (real or virtual).
    if (j + 1 >= size_ || b_[j + 1] == '\n') {
      i_ = j + 1;
      return Token::kInvalid;
    }
    j += 2;
  }
}

Token PromParser::Lex() {
  if (i_ >= n_) return Token::kEOF;
  start_ = i_;
  char c = At(i_);
  if (IsBlank(c)) {
    size_t j = i_ + 1;
    while (IsBlank(At(j))) j++;
    if (state_ == State::kMeta2 && At(j) != '\n') {
      // The rest of the line is longer than the blank run: HELP/TYPE text.
      i_ = j;
      ConsumeComment();
      return Token::kText;
    }
    i_ = j;
    return Token::kWhitespace;
  }
  switch (state_) {
    case State::kInit:
      if (c == '\n') {
        i_++;
        return Token::kLinebreak;
      }
      if (IsMStart(c)) {
        i_++;
        while (i_ < size_ && IsMChar(b_[i_])) i_++;
        state_ = State::kValue;
        return Token::kMName;
      }
      if (c == '#') {
        i_++;
        if (!IsBlank(At(i_))) return ConsumeComment();
        while (IsBlank(At(i_))) i_++;
        // "# HELP " / "# TYPE " start metadata; anything else is a comment.
        if (i_ + 4 < size_ && IsBlank(b_[i_ + 4])) {
          std::string_view w(b_ + i_, 4);
          Token t = w == "HELP" ? Token::kHelp : w == "TYPE" ? Token::kType : Token::kInvalid;
          if (t != Token::kInvalid) {
            i_ += 4;
            while (IsBlank(At(i_))) i_++;
            state_ = State::kMeta1;
            return t;
          }
        }
        return ConsumeComment();
      }
      if (c == '{') {
        i_++;
        state_ = State::kLabels;
        return Token::kBraceOpen;
      }
      if (c == '\0') {  // Prometheus's lexer ends the input at a NUL here.
        i_ = n_;
        return Token::kEOF;
      }
      return Token::kInvalid;
    case State::kMeta1:
      if (c == '"') return ScanQuoted(Token::kMName, State::kMeta2);
      if (IsMStart(c)) {
        i_++;
        while (i_ < size_ && IsMChar(b_[i_])) i_++;
        state_ = State::kMeta2;
        return Token::kMName;
      }
      return Token::kInvalid;
    case State::kMeta2:
      ConsumeComment();
      return Token::kText;
    case State::kLabels:
      if (IsLStart(c)) {
        i_++;
        while (i_ < size_ && IsLChar(b_[i_])) i_++;
        return Token::kLName;
      }
      switch (c) {
        case '"':
          return ScanQuoted(Token::kQString, State::kLabels);
        case '}':
          i_++;
          state_ = State::kValue;
          return Token::kBraceClose;
        case '=':
          i_++;
          state_ = State::kLValue;
          return Token::kEqual;
        case ',':
          i_++;
          return Token::kComma;
        default:
          return Token::kInvalid;
      }
    case State::kLValue:
      if (c == '"') return ScanQuoted(Token::kLValue, State::kLabels);
      return Token::kInvalid;
    case State::kValue:
      if (c == '{') {
        i_++;
        state_ = State::kLabels;
        return Token::kBraceOpen;
      }
      // Like Prometheus's lexer, a NUL byte ends a value (it is invalid).
      if (c == '\n' || c == '\0') return Token::kInvalid;
      i_++;
      while (i_ < size_) {
        char d = b_[i_];
        if (d == ' ' || d == '\t' || d == '\n' || d == '{' || d == '\0') break;
        i_++;
      }
      state_ = State::kTimestamp;
      return Token::kValue;
    case State::kTimestamp:
      if (c >= '0' && c <= '9') {
        i_++;
        while (i_ < size_ && b_[i_] >= '0' && b_[i_] <= '9') i_++;
        return Token::kTimestamp;
      }
      if (c == '\n') {
        i_++;
        state_ = State::kInit;
        return Token::kLinebreak;
      }
      return Token::kInvalid;
  }
  return Token::kInvalid;
}

Result<Entry> PromParser::Next() {
  if (failed_) return Status::InvalidArgument("text parser used after an error");
  if (done_) return Entry::kEOF;
  known_ = nullptr;
  for (;;) {
    line_start_ = i_;
    offsets_.clear();
    name_start_ = name_end_ = kUnset;
    if (known_fn_ != nullptr && state_ == State::kInit && i_ < size_ && IsMStart(b_[i_])) {
      Result<Entry> r = Entry::kEOF;
      if (TryKnownSeries(&r)) return r;
    }
    Token t = NextToken();
    switch (t) {
      case Token::kEOF:
        done_ = true;
        return Entry::kEOF;
      case Token::kLinebreak:
        continue;  // blank lines are allowed
      case Token::kHelp:
      case Token::kType: {
        Token t2 = NextToken();
        if (t2 != Token::kMName) {
          return Fail(
              ParseError("expected metric name after " + std::string(internal::TokenName(t)), t2));
        }
        size_t ms = start_, me = i_;
        if (me - ms >= 2 && b_[ms] == '"' && At(me - 1) == '"') ms++, me--;
        name_start_ = ms;
        name_end_ = me;
        t2 = NextToken();
        if (t2 != Token::kText) {
          return Fail(Status::InvalidArgument(
              "expected text in " + std::string(internal::TokenName(t)) + ", got " +
              std::string(internal::TokenName(t2)) +
              " while parsing: " + internal::GoQuote(Bytes(line_start_, i_ + 1))));
        }
        text_ = i_ - start_ > 1 ? View(start_ + 1, i_) : std::string_view();
        if (t == Token::kType) {
          std::string_view s = text_;
          if (s == "counter") {
            mtype_ = MetricType::kCounter;
          } else if (s == "gauge") {
            mtype_ = MetricType::kGauge;
          } else if (s == "histogram") {
            mtype_ = MetricType::kHistogram;
          } else if (s == "summary") {
            mtype_ = MetricType::kSummary;
          } else if (s == "untyped") {
            mtype_ = MetricType::kUnknown;
          } else {
            return Fail(Status::InvalidArgument("invalid metric type " + internal::GoQuote(s)));
          }
        } else if (!internal::ValidUtf8(text_)) {
          return Fail(Status::InvalidArgument("help text " + internal::GoQuote(text_) +
                                              " is not a valid utf8 string"));
        }
        Token t3 = NextToken();
        if (t3 != Token::kLinebreak)
          return Fail(ParseError("linebreak expected after metadata", t3));
        return t == Token::kHelp ? Entry::kHelp : Entry::kType;
      }
      case Token::kComment: {
        text_ = View(start_, i_);
        Token t2 = NextToken();
        if (t2 != Token::kLinebreak)
          return Fail(ParseError("linebreak expected after comment", t2));
        return Entry::kComment;
      }
      case Token::kBraceOpen: {
        series_start_ = start_;
        if (Status s = ParseLabels(); !s.ok()) return Fail(std::move(s));
        series_end_ = i_;
        return ParseMetricSuffix(NextToken());
      }
      case Token::kMName: {
        name_start_ = series_start_ = start_;
        name_end_ = series_end_ = i_;
        Token t2 = NextToken();
        if (t2 == Token::kBraceOpen) {
          if (Status s = ParseLabels(); !s.ok()) return Fail(std::move(s));
          series_end_ = i_;
          t2 = NextToken();
        }
        return ParseMetricSuffix(t2);
      }
      default:
        return Fail(ParseError("expected a valid start token", t));
    }
  }
}

bool PromParser::TryKnownSeries(Result<Entry>* out) {
  // The candidate series is the name, plus, when a brace follows, every
  // byte up to the first '}' of the line, which must be followed by a blank.
  // That '}' may sit inside a quoted value; then the candidate is not a
  // valid series and so not known. If it is known, the bytes are a valid
  // series, and the full parser reads that same prefix the same way: its
  // last '}' closes the labels, so both end the series at the same byte.
  // Lines that do not fit (blanks before the brace, a newline inside a
  // value) go to the full parser.
  size_t j = i_ + 1;
  while (j < size_ && IsMChar(b_[j])) j++;
  const size_t name_end = j;
  if (j < size_ && b_[j] == '{') {
    const void* nl = std::memchr(b_ + j, '\n', size_ - j);
    const size_t eol = nl ? static_cast<size_t>(static_cast<const char*>(nl) - b_) : size_;
    const void* cb = std::memchr(b_ + j, '}', eol - j);
    if (cb == nullptr) return false;
    j = static_cast<size_t>(static_cast<const char*>(cb) - b_) + 1;
    if (j >= size_ || !IsBlank(b_[j])) return false;
  } else {
    if (j >= size_ || !IsBlank(b_[j])) return false;
    size_t k = j + 1;
    while (k < size_ && IsBlank(b_[k])) k++;
    if (k < size_ && b_[k] == '{') return false;  // `name {labels}`: full parser
  }
  void* tag = known_fn_(known_ctx_, View(i_, j));
  if (tag == nullptr) return false;
  series_start_ = name_start_ = i_;
  series_end_ = j;
  name_end_ = name_end;
  i_ = j;
  state_ = State::kValue;
  known_ = tag;
  // Labels are not parsed (offsets_ stays empty): Metric() parses them on
  // demand, and the duplicate-name check passed when the bytes were first seen.
  *out = ParseMetricSuffix(NextToken());
  if (!out->ok()) known_ = nullptr;
  return true;
}

Status PromParser::ParseLabels() {
  Token t = NextToken();
  for (;;) {
    size_t ts = start_, te = i_;
    bool quoted = false;
    switch (t) {
      case Token::kBraceClose:
        return Status::OK();
      case Token::kLName:
        break;
      case Token::kQString:
        quoted = true;
        break;
      default:
        return ParseError("expected label name", t);
    }
    t = NextToken();
    // A quoted string followed by a comma or brace is the metric name.
    if (quoted && (t == Token::kComma || t == Token::kBraceClose)) {
      if (name_start_ != kUnset) {
        return Status::InvalidArgument("metric name already set while parsing: " +
                                       internal::GoQuote(Bytes(line_start_, i_)));
      }
      name_start_ = ts + 1;
      name_end_ = te - 1;
      if (t == Token::kBraceClose) return Status::OK();
      t = NextToken();
      continue;
    }
    if (quoted) ts++, te--;
    offsets_.push_back(ts);
    offsets_.push_back(te);
    if (t != Token::kEqual) return ParseError("expected equal", t);
    if (Token t2 = NextToken(); t2 != Token::kLValue) return ParseError("expected label value", t2);
    std::string_view raw = View(start_, i_);
    if (!internal::ValidUtf8(raw)) {
      return Status::InvalidArgument("invalid UTF-8 label value: " + internal::GoQuote(raw));
    }
    offsets_.push_back(start_ + 1);
    offsets_.push_back(i_ - 1);
    // A trailing comma is allowed; so is whitespace between pairs.
    t = NextToken();
    if (t == Token::kComma) t = NextToken();
  }
}

Result<Entry> PromParser::ParseMetricSuffix(Token t) {
  if (name_start_ == kUnset) {
    return Fail(Status::InvalidArgument("metric name not set while parsing: " +
                                        internal::GoQuote(Bytes(line_start_, i_))));
  }
  if (t != Token::kValue) return Fail(ParseError("expected value after metric", t));
  std::string err;
  if (!internal::ParseGoFloat(View(start_, i_), &val_, &err)) {
    return Fail(Status::InvalidArgument(
        err + " while parsing: " + internal::GoQuote(Bytes(line_start_, i_))));
  }
  if (std::isnan(val_)) val_ = internal::NormalNaN();
  has_ts_ = false;
  t = NextToken();
  if (t == Token::kTimestamp) {
    if (!internal::ParseGoInt64(View(start_, i_), &ts_, &err)) {
      return Fail(Status::InvalidArgument(
          err + " while parsing: " + internal::GoQuote(Bytes(line_start_, i_))));
    }
    has_ts_ = true;
    if (Token t2 = NextToken(); t2 != Token::kLinebreak) {
      return Fail(ParseError("expected next entry after timestamp", t2));
    }
  } else if (t != Token::kLinebreak) {
    return Fail(ParseError("expected timestamp or new record", t));
  }
  if (!offsets_.empty()) {
    if (Status s =
            internal::CheckDuplicateLabelNames(b_, offsets_, View(series_start_, series_end_));
        !s.ok()) {
      return Fail(std::move(s));
    }
  }
  return Entry::kSeries;
}

void PromParser::Series(std::string_view* series, std::optional<int64_t>* ts, double* v) {
  *series = View(series_start_, series_end_);
  if (has_ts_) {
    *ts = ts_;
  } else {
    ts->reset();
  }
  *v = val_;
}

void PromParser::Help(std::string_view* metric, std::string* text) {
  *metric = NameView();
  if (internal::NeedsUnescape(text_)) {
    internal::Unescape(text_, /*help=*/true, text);
  } else {
    text->assign(text_);
  }
}

void PromParser::Type(std::string_view* metric, MetricType* type) {
  *metric = NameView();
  *type = mtype_;
}

void PromParser::Unit(std::string_view* metric, std::string_view* unit) {
  // The text format has no units.
  *metric = std::string_view();
  *unit = std::string_view();
}

void PromParser::Comment(std::string_view* text) { *text = text_; }

void PromParser::Metric(labels::Labels* out) {
  if (name_start_ == kUnset) {  // misuse: not on a series entry
    *out = labels::Labels();
    return;
  }
  if (known_ != nullptr && offsets_.empty() && series_end_ > name_end_) {
    // A fast-path entry with labels: parse them now.
    const size_t saved_i = i_, saved_start = start_;
    const State saved_state = state_;
    i_ = name_end_ + 1;  // past '{'
    state_ = State::kLabels;
    Status s = ParseLabels();
    i_ = saved_i;
    start_ = saved_start;
    state_ = saved_state;
    if (!s.ok()) {  // cannot happen for bytes that parsed before
      *out = labels::Labels();
      return;
    }
  }
  internal::BuildLabels(b_, name_start_, name_end_, offsets_, mtype_, out);
}

bool PromParser::GetExemplar(Exemplar* out) { return false; }

}  // namespace ward::textparse
