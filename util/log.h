// Structured logging in Prometheus 3.x's format (log/slog via promslog):
//   time=2026-11-26T11:05:05.123Z level=INFO source=scrape.cc:42 msg="Scrape failed" component=scrape target=http://x
//   err="..."
// or the same fields as one JSON object per line (--log.format=json). Every
// component holds a Logger named after itself. Level and format are global
// (set once from flags). Thread-safe: each line is written with one write(2)
// to stderr, so lines from different threads never interleave.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "util/status.h"

namespace ward::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kLogfmt, kJson };

// Parses Prometheus's --log.level values: debug|info|warn|error.
// Default: info. Unknown names leave the level unchanged and return
// InvalidArgument.
Status SetLevel(std::string_view name);
// Parses --log.format values: logfmt|json. Default: logfmt.
Status SetFormat(std::string_view name);
void SetLevel(Level level);
void SetFormat(Format format);
Level CurrentLevel();
Format CurrentFormat();

// One key/value pair of a log line. Numbers and booleans are written
// unquoted in JSON; everything else is a string. Holds a copy of the value
// (logging is not a hot path) and a view of the key (pass literals).
struct Field {
  enum class Kind : uint8_t { kString, kNumber, kBool };

  std::string_view key;
  std::string value;
  Kind kind = Kind::kString;

  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), kind(Kind::kBool) {}
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Field(std::string_view k, T v) : key(k), value(std::to_string(v)), kind(Kind::kNumber) {}
  Field(std::string_view k, double v);
  Field(std::string_view k, float v) : Field(k, static_cast<double>(v)) {}
  // The status' message ("OK" when ok); use key "err" as Prometheus does.
  Field(std::string_view k, const Status& s) : key(k), value(s.ToString()) {}
};

// A named source of log lines. Cheap to copy (shares its fixed fields).
// Thread-safe.
class Logger {
 public:
  // `component` becomes the component=... field; empty omits it.
  explicit Logger(std::string component);

  // A logger that adds `fields` to every line (after component).
  Logger With(std::initializer_list<Field> fields) const;

  void Debug(std::string_view msg, std::initializer_list<Field> fields = {},
             std::source_location loc = std::source_location::current()) const {
    if (Enabled(Level::kDebug)) Log(Level::kDebug, msg, fields, loc);
  }
  void Info(std::string_view msg, std::initializer_list<Field> fields = {},
            std::source_location loc = std::source_location::current()) const {
    if (Enabled(Level::kInfo)) Log(Level::kInfo, msg, fields, loc);
  }
  void Warn(std::string_view msg, std::initializer_list<Field> fields = {},
            std::source_location loc = std::source_location::current()) const {
    if (Enabled(Level::kWarn)) Log(Level::kWarn, msg, fields, loc);
  }
  void Error(std::string_view msg, std::initializer_list<Field> fields = {},
             std::source_location loc = std::source_location::current()) const {
    if (Enabled(Level::kError)) Log(Level::kError, msg, fields, loc);
  }

  bool DebugEnabled() const { return Enabled(Level::kDebug); }
  static bool Enabled(Level level);

  // Writes one line without checking the level (the methods above check).
  void Log(Level level, std::string_view msg, std::initializer_list<Field> fields,
           std::source_location loc = std::source_location::current()) const;

 private:
  // Fields fixed at construction (component first), shared by copies.
  struct Fixed {
    std::vector<std::string> keys;
    std::vector<std::string> values;
    std::vector<Field::Kind> kinds;
  };
  std::shared_ptr<const Fixed> fixed_;
};

// A field as FormatLine reads it; views must outlive the call.
struct FieldView {
  std::string_view key;
  std::string_view value;
  Field::Kind kind = Field::Kind::kString;
};

// Renders one line (with the trailing newline) exactly as Logger writes it.
// `time_ms` is Unix time in milliseconds; `source` is "file.cc:42" or empty.
// Exposed for tests and for tools that log the same way.
std::string FormatLine(Format format, int64_t time_ms, Level level, std::string_view source, std::string_view msg,
                       const std::vector<FieldView>& fields);

// Replaces the output (default: write(2) to fd 2). nullptr restores stderr.
// For tests; not meant to be switched while other threads log.
using Writer = void (*)(std::string_view line);
void SetWriterForTesting(Writer w);

}  // namespace ward::log
