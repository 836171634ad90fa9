#include "model/textparse/openmetricsparse.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

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

// Go's %f for the values Prometheus prints in timestamp errors.
std::string GoPercentF(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  char buf[512];
  std::snprintf(buf, sizeof buf, "%f", f);
  return buf;
}

// int64(f) as Go computes it on amd64 (out-of-range gives INT64_MIN).
int64_t GoFloatToInt64(double f) {
  if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(f);
}
}  // namespace

OpenMetricsParser::OpenMetricsParser(std::string_view body) : b_(body.data()), n_(body.size()) {}

Status OpenMetricsParser::ParseError(std::string_view expectation, Token got) const {
  return internal::TokenError(expectation, Bytes(start_, i_ + 1), got, Bytes(line_start_, i_ + 1));
}

Result<Entry> OpenMetricsParser::Fail(Status s) {
  failed_ = true;
  return s;
}

// `"(\\.|[^\\"])*"`, without newlines when !allow_newline.
Token OpenMetricsParser::ScanQuoted(Token tok, State next, bool allow_newline) {
  size_t j = i_ + 1;
  for (;;) {
    if (j >= n_) {
      i_ = n_;
      return Token::kInvalid;
    }
    char c = b_[j];
    if (c == '"') {
      i_ = j + 1;
      state_ = next;
      return tok;
    }
    if (c == '\\') {
      if (j + 1 >= n_ || b_[j + 1] == '\n') {
        i_ = j + 1;
        return Token::kInvalid;
      }
      j += 2;
      continue;
    }
    if (c == '\n' && !allow_newline) {
      i_ = j;
      return Token::kInvalid;
    }
    j++;
  }
}

// ` [^ \n]+`: one space, then a non-empty word.
Token OpenMetricsParser::ScanSpaceWord(Token tok, State next) {
  if (b_[i_] != ' ') return Token::kInvalid;
  size_t j = i_ + 1;
  while (j < n_ && b_[j] != ' ' && b_[j] != '\n') j++;
  if (j == i_ + 1) {
    i_ = j;
    return Token::kInvalid;
  }
  i_ = j;
  state_ = next;
  return tok;
}

// After "# ": HELP, TYPE, UNIT or EOF; anything else is invalid.
Token OpenMetricsParser::LexComment() {
  std::string_view rest = View(i_, n_);
  auto word = [&](std::string_view w, Token t) {
    if (rest.substr(0, w.size()) != w) return Token::kInvalid;
    i_ += w.size();
    state_ = State::kMeta1;
    return t;
  };
  switch (rest.empty() ? '\0' : rest[0]) {
    case 'H':
      return word("HELP ", Token::kHelp);
    case 'T':
      return word("TYPE ", Token::kType);
    case 'U':
      return word("UNIT ", Token::kUnit);
    case 'E':
      if (rest.substr(0, 3) != "EOF") return Token::kInvalid;
      i_ += 3;
      if (i_ < n_ && b_[i_] == '\n') i_++;
      state_ = State::kInit;
      return Token::kEOFWord;
    default:
      return Token::kInvalid;
  }
}

Token OpenMetricsParser::Lex() {
  if (i_ >= n_) return Token::kEOF;
  start_ = i_;
  const char c = b_[i_];
  switch (state_) {
    case State::kInit:
      if (IsMStart(c)) {
        i_++;
        while (i_ < n_ && IsMChar(b_[i_])) i_++;
        state_ = State::kValue;
        return Token::kMName;
      }
      if (c == '{') {
        i_++;
        state_ = State::kLabels;
        return Token::kBraceOpen;
      }
      if (c == '#') {
        i_++;
        if (i_ >= n_ || b_[i_] != ' ') return Token::kInvalid;
        i_++;
        return LexComment();
      }
      return Token::kInvalid;
    case State::kMeta1:
      if (c == '"') return ScanQuoted(Token::kMName, State::kMeta2, /*allow_newline=*/true);
      if (IsMStart(c)) {
        i_++;
        while (i_ < n_ && IsMChar(b_[i_])) i_++;
        state_ = State::kMeta2;
        return Token::kMName;
      }
      return Token::kInvalid;
    case State::kMeta2: {
      // ` [^\n]*\n`: a space, the text and the newline.
      if (c != ' ') return Token::kInvalid;
      const void* nl = std::memchr(b_ + i_, '\n', n_ - i_);
      if (nl == nullptr) {
        i_ = n_;
        return Token::kInvalid;
      }
      i_ = static_cast<size_t>(static_cast<const char*>(nl) - b_) + 1;
      state_ = State::kInit;
      return Token::kText;
    }
    case State::kLabels:
    case State::kExemplar:
      if (IsLStart(c)) {
        i_++;
        while (i_ < n_ && IsLChar(b_[i_])) i_++;
        return Token::kLName;
      }
      switch (c) {
        case '"':
          return ScanQuoted(Token::kQString, state_, /*allow_newline=*/state_ == State::kLabels);
        case '}':
          i_++;
          state_ = state_ == State::kLabels ? State::kValue : State::kEValue;
          return Token::kBraceClose;
        case '=':
          i_++;
          state_ = state_ == State::kLabels ? State::kLValue : State::kEValue;
          return Token::kEqual;
        case ',':
          i_++;
          return Token::kComma;
        default:
          return Token::kInvalid;
      }
    case State::kLValue:
      if (c == '"') return ScanQuoted(Token::kLValue, State::kLabels, /*allow_newline=*/false);
      return Token::kInvalid;
    case State::kValue:
      if (c == '{') {
        i_++;
        state_ = State::kLabels;
        return Token::kBraceOpen;
      }
      return ScanSpaceWord(Token::kValue, State::kTimestamp);
    case State::kTimestamp:
      if (c == '\n') {
        i_++;
        state_ = State::kInit;
        return Token::kLinebreak;
      }
      if (c == ' ' && i_ + 3 < n_ && b_[i_ + 1] == '#' && b_[i_ + 2] == ' ' && b_[i_ + 3] == '{') {
        i_ += 4;
        state_ = State::kExemplar;
        return Token::kComment;
      }
      return ScanSpaceWord(Token::kTimestamp, State::kTimestamp);
    case State::kEValue:
      if (c == '"') return ScanQuoted(Token::kLValue, State::kExemplar, /*allow_newline=*/false);
      return ScanSpaceWord(Token::kValue, State::kETimestamp);
    case State::kETimestamp:
      if (c == '\n') {
        i_++;
        state_ = State::kInit;
        return Token::kLinebreak;
      }
      return ScanSpaceWord(Token::kTimestamp, State::kETimestamp);
  }
  return Token::kInvalid;
}

Result<Entry> OpenMetricsParser::Next() {
  if (failed_) return Status::InvalidArgument("text parser used after an error");
  if (done_) return Entry::kEOF;
  line_start_ = i_;
  offsets_.clear();
  name_start_ = name_end_ = kUnset;
  has_exemplar_ = false;
  eoffsets_.clear();
  exemplar_val_ = 0;
  has_exemplar_ts_ = false;

  Token t = Lex();
  switch (t) {
    case Token::kEOFWord:
      if (Lex() != Token::kEOF) return Fail(Status::InvalidArgument("unexpected data after # EOF"));
      done_ = true;
      return Entry::kEOF;
    case Token::kEOF:
      return Fail(Status::InvalidArgument("data does not end with # EOF"));
    case Token::kHelp:
    case Token::kType:
    case Token::kUnit: {
      const std::string what(internal::TokenName(t));
      Token t2 = Lex();
      if (t2 != Token::kMName) return Fail(ParseError("expected metric name after " + what, t2));
      size_t ms = start_, me = i_;
      if (me - ms >= 2 && b_[ms] == '"' && b_[me - 1] == '"') ms++, me--;
      name_start_ = ms;
      name_end_ = me;
      t2 = Lex();
      if (t2 != Token::kText) {
        return Fail(Status::InvalidArgument("expected text in " + what + " while parsing: " +
                                            internal::GoQuote(Bytes(line_start_, i_ + 1))));
      }
      // Drop the leading space and the trailing newline.
      text_ = i_ - start_ > 1 ? View(start_ + 1, i_ - 1) : std::string_view();
      if (t == Token::kType) {
        std::string_view s = text_;
        if (s == "counter") {
          mtype_ = MetricType::kCounter;
        } else if (s == "gauge") {
          mtype_ = MetricType::kGauge;
        } else if (s == "histogram") {
          mtype_ = MetricType::kHistogram;
        } else if (s == "gaugehistogram") {
          mtype_ = MetricType::kGaugeHistogram;
        } else if (s == "summary") {
          mtype_ = MetricType::kSummary;
        } else if (s == "info") {
          mtype_ = MetricType::kInfo;
        } else if (s == "stateset") {
          mtype_ = MetricType::kStateset;
        } else if (s == "unknown") {
          mtype_ = MetricType::kUnknown;
        } else {
          return Fail(Status::InvalidArgument("invalid metric type " + internal::GoQuote(s)));
        }
        return Entry::kType;
      }
      if (t == Token::kHelp) {
        if (!internal::ValidUtf8(text_)) {
          return Fail(Status::InvalidArgument("help text " + internal::GoQuote(text_) +
                                              " is not a valid utf8 string"));
        }
        return Entry::kHelp;
      }
      std::string_view m = View(name_start_, name_end_);
      std::string_view u = text_;
      if (!u.empty() && !(m.size() >= u.size() + 1 && m.substr(m.size() - u.size()) == u &&
                          m[m.size() - u.size() - 1] == '_')) {
        return Fail(Status::InvalidArgument("unit " + internal::GoQuote(u) +
                                            " not a suffix of metric " + internal::GoQuote(m)));
      }
      return Entry::kUnit;
    }
    case Token::kBraceOpen: {
      series_start_ = start_;
      if (Status s = ParseLabels(&offsets_, /*exemplar=*/false); !s.ok()) return Fail(std::move(s));
      series_end_ = i_;
      if (Status s = ParseSeriesEnd(Lex()); !s.ok()) return Fail(std::move(s));
      return Entry::kSeries;
    }
    case Token::kMName: {
      name_start_ = series_start_ = start_;
      name_end_ = series_end_ = i_;
      Token t2 = Lex();
      if (t2 == Token::kBraceOpen) {
        if (Status s = ParseLabels(&offsets_, /*exemplar=*/false); !s.ok())
          return Fail(std::move(s));
        series_end_ = i_;
        t2 = Lex();
      }
      if (Status s = ParseSeriesEnd(t2); !s.ok()) return Fail(std::move(s));
      return Entry::kSeries;
    }
    default:
      return Fail(ParseError("expected a valid start token", t));
  }
}

Status OpenMetricsParser::ParseLabels(std::vector<size_t>* offsets, bool exemplar) {
  Token t = Lex();
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
    t = Lex();
    // A quoted string followed by a comma or brace is the metric name
    // (not allowed in exemplars).
    if (quoted && (t == Token::kComma || t == Token::kBraceClose)) {
      if (exemplar) return ParseError("expected label name", t);
      if (name_start_ != kUnset) {
        return Status::InvalidArgument("metric name already set while parsing: " +
                                       internal::GoQuote(Bytes(line_start_, i_)));
      }
      name_start_ = ts + 1;
      name_end_ = te - 1;
      if (t == Token::kBraceClose) return Status::OK();
      t = Lex();
      continue;
    }
    if (quoted) ts++, te--;
    offsets->push_back(ts);
    offsets->push_back(te);
    if (t != Token::kEqual) return ParseError("expected equal", t);
    if (Token t2 = Lex(); t2 != Token::kLValue) return ParseError("expected label value", t2);
    std::string_view raw = View(start_, i_);
    if (!internal::ValidUtf8(raw)) {
      return Status::InvalidArgument("invalid UTF-8 label value: " + internal::GoQuote(raw));
    }
    offsets->push_back(start_ + 1);
    offsets->push_back(i_ - 1);
    // A trailing comma is allowed.
    t = Lex();
    if (t == Token::kComma) {
      t = Lex();
    } else if (t != Token::kBraceClose) {
      return ParseError("expected comma or brace close", t);
    }
  }
}

Status OpenMetricsParser::FloatValue(Token t, std::string_view after, double* out) {
  if (t != Token::kValue) return ParseError("expected value after " + std::string(after), t);
  std::string err;
  if (!internal::ParseGoFloat(View(start_ + 1, i_), out, &err)) {
    return Status::InvalidArgument(err +
                                   " while parsing: " + internal::GoQuote(Bytes(line_start_, i_)));
  }
  if (std::isnan(*out)) *out = internal::NormalNaN();
  return Status::OK();
}

Status OpenMetricsParser::FloatTimestamp(std::string_view what, int64_t* out) {
  double ts;
  std::string err;
  if (!internal::ParseGoFloat(View(start_ + 1, i_), &ts, &err)) {
    return Status::InvalidArgument(err +
                                   " while parsing: " + internal::GoQuote(Bytes(line_start_, i_)));
  }
  if (std::isnan(ts) || std::isinf(ts)) {
    return Status::InvalidArgument("invalid " + std::string(what) + " " + GoPercentF(ts));
  }
  *out = GoFloatToInt64(ts * 1000);  // seconds -> milliseconds, truncated
  return Status::OK();
}

Status OpenMetricsParser::ParseSeriesEnd(Token t) {
  if (name_start_ == kUnset) {
    return Status::InvalidArgument("metric name not set while parsing: " +
                                   internal::GoQuote(Bytes(line_start_, i_)));
  }
  WARD_RETURN_IF_ERROR(FloatValue(t, "metric", &val_));
  has_ts_ = false;
  Token t2 = Lex();
  switch (t2) {
    case Token::kEOF:
      return Status::InvalidArgument("data does not end with # EOF");
    case Token::kLinebreak:
      break;
    case Token::kComment:
      WARD_RETURN_IF_ERROR(ParseExemplar());
      break;
    case Token::kTimestamp: {
      WARD_RETURN_IF_ERROR(FloatTimestamp("timestamp", &ts_));
      has_ts_ = true;
      Token t3 = Lex();
      if (t3 == Token::kComment) {
        WARD_RETURN_IF_ERROR(ParseExemplar());
      } else if (t3 != Token::kLinebreak) {
        return ParseError("expected next entry after timestamp", t3);
      }
      break;
    }
    default:
      return ParseError("expected timestamp or new record", t2);
  }
  if (!offsets_.empty()) {
    WARD_RETURN_IF_ERROR(
        internal::CheckDuplicateLabelNames(b_, offsets_, View(series_start_, series_end_)));
  }
  return Status::OK();
}

Status OpenMetricsParser::ParseExemplar() {
  WARD_RETURN_IF_ERROR(ParseLabels(&eoffsets_, /*exemplar=*/true));
  WARD_RETURN_IF_ERROR(FloatValue(Lex(), "exemplar labels", &exemplar_val_));
  has_exemplar_ts_ = false;
  Token t = Lex();
  switch (t) {
    case Token::kEOF:
      return Status::InvalidArgument("data does not end with # EOF");
    case Token::kLinebreak:
      break;
    case Token::kTimestamp: {
      WARD_RETURN_IF_ERROR(FloatTimestamp("exemplar timestamp", &exemplar_ts_));
      has_exemplar_ts_ = true;
      if (Token t2 = Lex(); t2 != Token::kLinebreak) {
        return ParseError("expected next entry after exemplar timestamp", t2);
      }
      break;
    }
    default:
      return ParseError("expected timestamp or comment", t);
  }
  if (!eoffsets_.empty()) {
    WARD_RETURN_IF_ERROR(internal::CheckDuplicateLabelNames(b_, eoffsets_, Bytes(line_start_, i_)));
  }
  has_exemplar_ = true;
  return Status::OK();
}

void OpenMetricsParser::Series(std::string_view* series, std::optional<int64_t>* ts, double* v) {
  *series = View(series_start_, series_end_);
  if (has_ts_) {
    *ts = ts_;
  } else {
    ts->reset();
  }
  *v = val_;
}

void OpenMetricsParser::Help(std::string_view* metric, std::string* text) {
  *metric = NameView();
  // OpenMetrics escapes HELP like label values (\" too).
  if (internal::NeedsUnescape(text_)) {
    internal::Unescape(text_, /*help=*/false, text);
  } else {
    text->assign(text_);
  }
}

void OpenMetricsParser::Type(std::string_view* metric, MetricType* type) {
  *metric = NameView();
  *type = mtype_;
}

void OpenMetricsParser::Unit(std::string_view* metric, std::string_view* unit) {
  *metric = NameView();
  *unit = text_;
}

void OpenMetricsParser::Comment(std::string_view* text) { *text = text_; }

void OpenMetricsParser::Metric(labels::Labels* out) {
  if (name_start_ == kUnset) {  // misuse: not on a series entry
    *out = labels::Labels();
    return;
  }
  internal::BuildLabels(b_, name_start_, name_end_, offsets_, mtype_, out);
}

bool OpenMetricsParser::GetExemplar(Exemplar* out) {
  if (!has_exemplar_) return false;
  has_exemplar_ = false;
  std::vector<labels::Label> ls;
  ls.reserve(eoffsets_.size() / 4);
  for (size_t i = 0; i + 3 < eoffsets_.size(); i += 4) {
    labels::Label l;
    internal::Unescape(View(eoffsets_[i], eoffsets_[i + 1]), false, &l.name);
    internal::Unescape(View(eoffsets_[i + 2], eoffsets_[i + 3]), false, &l.value);
    ls.push_back(std::move(l));
  }
  out->labels = labels::Labels(std::move(ls));
  out->value = exemplar_val_;
  out->has_ts = has_exemplar_ts_;
  out->ts_ms = has_exemplar_ts_ ? exemplar_ts_ : 0;
  return true;
}

}  // namespace ward::textparse
