// textparse: zero-copy parsers for scrape bodies in the Prometheus text
// exposition format 0.0.4 and OpenMetrics 1.0 text. The scrape loop hands a
// response body to NewParser and walks its entries with Next(); views returned
// by a parser point into the body and stay valid while the body lives.
// Formats: Prometheus docs "Exposition formats" and the OpenMetrics 1.0 spec.
// Thread safety: a Parser is not thread-safe; use one per body and thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels/labels.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::textparse {

// What the last call to Next() found.
enum class Entry { kInvalid = -1, kType = 0, kHelp, kSeries, kComment, kUnit, kEOF };

// A metric family's type, from `# TYPE`. The text format knows kUnknown
// ("untyped"), kCounter, kGauge, kHistogram and kSummary.
enum class MetricType {
  kUnknown,
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateset
};

// The lower-case name Prometheus uses for a type ("unknown", "counter", ...).
std::string_view MetricTypeName(MetricType t);

// An OpenMetrics exemplar attached to a sample.
struct Exemplar {
  labels::Labels labels;
  double value = 0;
  bool has_ts = false;
  int64_t ts_ms = 0;
};

// Parser walks the entries of one scrape body. Not thread-safe.
class Parser {
 public:
  virtual ~Parser() = default;

  // Advances to the next entry. Returns kEOF at the end of the input (and on
  // every later call). On malformed input returns an InvalidArgument Status
  // whose message says what is wrong and quotes the offending line, e.g.
  // `expected value after metric, got "\n" ("INVALID") while parsing: "foo{a=\"b\"}\n"`.
  // After an error the parser must not be used further.
  virtual Result<Entry> Next() = 0;

  // REQUIRES: the last entry was kSeries.
  // `series` = the raw bytes identifying the series (metric name and label
  // block exactly as written, without value and timestamp): the scrape-cache
  // key. `ts` is set when the line carries a timestamp, in milliseconds
  // (OpenMetrics float seconds are converted). `v` is the sample value.
  // Allocates nothing.
  virtual void Series(std::string_view* series, std::optional<int64_t>* ts, double* v) = 0;

  // REQUIRES: the last entry was kHelp. `text` receives the unescaped help.
  virtual void Help(std::string_view* metric, std::string* text) = 0;

  // REQUIRES: the last entry was kType.
  virtual void Type(std::string_view* metric, MetricType* type) = 0;

  // REQUIRES: the last entry was kUnit (OpenMetrics only).
  virtual void Unit(std::string_view* metric, std::string_view* unit) = 0;

  // REQUIRES: the last entry was kComment. The whole comment line, without
  // the trailing newline.
  virtual void Comment(std::string_view* text) = 0;

  // REQUIRES: the last entry was kSeries. Replaces *out with the series'
  // labels: __name__ plus the label pairs, unescaped, sorted by name. Meant
  // for scrape-cache misses, so it may allocate.
  virtual void Metric(labels::Labels* out) = 0;

  // REQUIRES: the last entry was kSeries. Fills *out and returns true when the
  // current sample carries an OpenMetrics exemplar; false otherwise.
  virtual bool GetExemplar(Exemplar* out) = 0;

  // Known-series fast path. `fn(ctx, series)` is asked about the raw series
  // bytes of a line before they are parsed in full; a non-null answer means
  // the caller has seen exactly these bytes parse as a valid series before
  // (byte-identical bytes are valid again), so the parser only finds where
  // they end and reads the value and timestamp. The answer is kept as the
  // entry's Known() tag (the scrape loop passes its cache entry through).
  // Metric() still works on such an entry (it parses the labels then).
  // Parsers without a fast path ignore it and Known() stays null.
  using KnownSeriesFn = void* (*)(void* ctx, std::string_view series);
  void SetKnownSeries(KnownSeriesFn fn, void* ctx) {
    known_fn_ = fn;
    known_ctx_ = ctx;
  }
  // REQUIRES: the last entry was kSeries. The tag `fn` returned for it, or
  // null when the line was parsed in full.
  void* Known() const { return known_; }

 protected:
  KnownSeriesFn known_fn_ = nullptr;
  void* known_ctx_ = nullptr;
  void* known_ = nullptr;
};

// Picks the parser from the response Content-Type as Prometheus 3.x does:
// "application/openmetrics-text" (version 0.0.1, 1.0.0 or none) -> OpenMetrics;
// "text/plain" (version 0.0.4, 1.0.0 or none) -> Prometheus text. Anything
// else, or an empty/unparsable Content-Type, uses `fallback_protocol` (a
// scrape_protocols value such as "PrometheusText0.0.4"); when it is empty an
// InvalidArgument error is returned ("received unsupported Content-Type ...",
// "non-compliant scrape target sending blank Content-Type and no
// fallback_scrape_protocol specified for target"). When the fallback is used,
// *warning (if given) receives the message Prometheus logs; otherwise it is
// cleared. The protobuf format is not supported (InvalidArgument).
// `body` must outlive the parser.
Result<std::unique_ptr<Parser>> NewParser(std::string_view body, std::string_view content_type,
                                          std::string_view fallback_protocol,
                                          std::string* warning = nullptr);

// Parsers for a known format. `body` must outlive the parser.
std::unique_ptr<Parser> NewPromParser(std::string_view body);
std::unique_ptr<Parser> NewOpenMetricsParser(std::string_view body);

// The scrape_protocols values Prometheus accepts.
inline constexpr std::string_view kPrometheusProto = "PrometheusProto";
inline constexpr std::string_view kOpenMetricsText1_0_0 = "OpenMetricsText1.0.0";
inline constexpr std::string_view kOpenMetricsText0_0_1 = "OpenMetricsText0.0.1";
inline constexpr std::string_view kPrometheusText1_0_0 = "PrometheusText1.0.0";
inline constexpr std::string_view kPrometheusText0_0_4 = "PrometheusText0.0.4";

// True when `protocol` is one of the values above.
bool IsValidScrapeProtocol(std::string_view protocol);

// The Accept header a scrape sends for a scrape_protocols list (in order of
// preference), with q-weights as Prometheus 3.x builds it: weights start at
// 0.6 and drop by 0.1 per entry, the 1.0.0 text formats carry
// ";escaping=<escaping>" (omitted when `escaping` is empty), and "*/*" comes
// last. Unknown entries are skipped. E.g. the default list gives
// "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,
// application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;
// escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2".
std::string AcceptHeader(const std::vector<std::string>& scrape_protocols,
                         std::string_view escaping = "allow-utf-8");

// The media type Prometheus sends in Accept for a scrape protocol (e.g.
// "text/plain;version=0.0.4"), or "" for an unknown one.
std::string_view ScrapeProtocolHeader(std::string_view protocol);

}  // namespace ward::textparse
