// OpenMetricsParser: OpenMetrics 1.0 text, with the semantics of Prometheus's
// model/textparse/openmetricsparse.go (strict single spaces, no blank lines
// or free comments, `# EOF` last, float-second timestamps, exemplars).
// Zero-copy: views point into the body. Format: OpenMetrics 1.0 spec.
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

class OpenMetricsParser final : public Parser {
 public:
  // `body` must outlive the parser.
  explicit OpenMetricsParser(std::string_view body);

  Result<Entry> Next() override;
  void Series(std::string_view* series, std::optional<int64_t>* ts, double* v) override;
  void Help(std::string_view* metric, std::string* text) override;
  void Type(std::string_view* metric, MetricType* type) override;
  void Unit(std::string_view* metric, std::string_view* unit) override;
  void Comment(std::string_view* text) override;
  void Metric(labels::Labels* out) override;
  // Returns the exemplar once per sample (later calls return false), as
  // Prometheus does.
  bool GetExemplar(Exemplar* out) override;

 private:
  using Token = internal::Token;
  // Lexer states, as in Prometheus's openmetricslex.l.
  enum class State : uint8_t {
    kInit,
    kMeta1,
    kMeta2,
    kLabels,
    kLValue,
    kValue,
    kTimestamp,
    kExemplar,
    kEValue,
    kETimestamp
  };
  static constexpr size_t kUnset = static_cast<size_t>(-1);

  std::string_view View(size_t a, size_t e) const { return std::string_view(b_ + a, e - a); }
  std::string_view NameView() const {
    return name_start_ == kUnset ? std::string_view() : View(name_start_, name_end_);
  }
  std::string_view Bytes(size_t a, size_t e) const {
    if (e > n_) e = n_;
    if (a > e) a = e;
    return View(a, e);
  }
  Token Lex();
  Token LexComment();
  Token ScanQuoted(Token tok, State next, bool allow_newline);
  Token ScanSpaceWord(Token tok, State next);
  Status ParseError(std::string_view expectation, Token got) const;
  Status ParseLabels(std::vector<size_t>* offsets, bool exemplar);
  Status ParseSeriesEnd(Token t);
  Status ParseExemplar();
  Status FloatValue(Token t, std::string_view after, double* out);
  Status FloatTimestamp(std::string_view what, int64_t* out);
  Result<Entry> Fail(Status s);

  const char* b_;
  size_t n_;
  size_t i_ = 0;
  size_t start_ = 0;
  State state_ = State::kInit;
  bool done_ = false;
  bool failed_ = false;

  size_t line_start_ = 0;
  size_t name_start_ = kUnset, name_end_ = kUnset;
  std::vector<size_t> offsets_;
  size_t series_start_ = 0, series_end_ = 0;
  std::string_view text_;
  MetricType mtype_ = MetricType::kUnknown;
  double val_ = 0;
  int64_t ts_ = 0;
  bool has_ts_ = false;

  bool has_exemplar_ = false;
  std::vector<size_t> eoffsets_;
  double exemplar_val_ = 0;
  int64_t exemplar_ts_ = 0;
  bool has_exemplar_ts_ = false;
};

}  // namespace ward::textparse
