// PromParser: the Prometheus text exposition format 0.0.4 (and the 1.0.0
// text variant with quoted UTF-8 names), with the semantics of Prometheus's
// model/textparse/promparse.go. Zero-copy: views point into the body.
// Format: Prometheus docs "Exposition formats" (text-based format).
// Thread safety: not thread-safe; one parser per body and thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/textparse/parse_util.h"
#include "model/textparse/parser.h"

namespace ward::textparse {

class PromParser final : public Parser {
 public:
  // `body` must outlive the parser. The body is read as if followed by one
  // more newline (as Prometheus appends one), so the last line needs none.
  explicit PromParser(std::string_view body);

  Result<Entry> Next() override;
  void Series(std::string_view* series, std::optional<int64_t>* ts, double* v) override;
  void Help(std::string_view* metric, std::string* text) override;
  void Type(std::string_view* metric, MetricType* type) override;
  void Unit(std::string_view* metric, std::string_view* unit) override;
  void Comment(std::string_view* text) override;
  void Metric(labels::Labels* out) override;
  bool GetExemplar(Exemplar* out) override;

 private:
  using Token = internal::Token;
  // Lexer states, as in Prometheus's promlex.l.
  enum class State : uint8_t { kInit, kMeta1, kMeta2, kLabels, kLValue, kValue, kTimestamp };
  static constexpr size_t kUnset = static_cast<size_t>(-1);

  char At(size_t i) const { return i < size_ ? b_[i] : '\n'; }
  std::string_view View(size_t a, size_t e) const { return std::string_view(b_ + a, e - a); }
  std::string_view NameView() const {
    return name_start_ == kUnset ? std::string_view() : View(name_start_, name_end_);
  }
  // b[a:min(n, e)] including the virtual trailing newline.
  std::string Bytes(size_t a, size_t e) const;
  Token Lex();
  Token NextToken() {
    Token t;
    do {
      t = Lex();
    } while (t == Token::kWhitespace);
    return t;
  }
  Token ConsumeComment();
  Token ScanQuoted(Token tok, State next);
  Status ParseError(std::string_view expectation, Token got) const;
  Status ParseLabels();
  Result<Entry> ParseMetricSuffix(Token t);
  Result<Entry> Fail(Status s);
  // The fast path of a line starting at i_ with a metric name (see
  // Parser::SetKnownSeries): true when its series bytes are known and the
  // entry was read (result in *out), false to parse the line in full.
  bool TryKnownSeries(Result<Entry>* out);

  const char* b_;
  size_t size_;  // body bytes
  size_t n_;     // size_ + 1 (the virtual newline)
  size_t i_ = 0;
  size_t start_ = 0;  // start of the current token
  State state_ = State::kInit;
  bool done_ = false;
  bool failed_ = false;

  // The current entry.
  size_t line_start_ = 0;
  size_t name_start_ = kUnset, name_end_ = kUnset;
  std::vector<size_t> offsets_;  // per label: name start, end, value start, end
  size_t series_start_ = 0, series_end_ = 0;
  std::string_view text_;
  MetricType mtype_ = MetricType::kUnknown;  // from the last TYPE line
  double val_ = 0;
  int64_t ts_ = 0;
  bool has_ts_ = false;
};

}  // namespace ward::textparse
