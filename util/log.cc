#include "util/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

namespace ward::log {

namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_format{static_cast<int>(Format::kLogfmt)};
std::atomic<Writer> g_writer{nullptr};

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
  }
  return "INFO";
}

// RFC 3339 in UTC with milliseconds, as promslog prints it.
void AppendTime(std::string* out, int64_t time_ms) {
  int64_t secs = time_ms >= 0 ? time_ms / 1000 : (time_ms - 999) / 1000;
  int ms = static_cast<int>(time_ms - secs * 1000);
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[40];
  int n = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                   tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  out->append(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if invalid.
size_t Utf8Len(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
    n = 2;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
  } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
    n = 4;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// slog's text handler quotes a value when it is empty or holds a space, '=',
// '"', a control character or invalid UTF-8.
bool NeedsQuoting(std::string_view s) {
  if (s.empty()) return true;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c <= ' ' || c == '=' || c == '"' || c == 0x7f) return true;
      ++i;
      continue;
    }
    size_t n = Utf8Len(s, i);
    if (n == 0) return true;
    i += n;
  }
  return false;
}

const char kHex[] = "0123456789abcdef";

// Go strconv.Quote-like quoting (logfmt: invalid UTF-8 bytes as \xNN) or
// JSON string escaping (invalid bytes as U+FFFD, as Go's encoder does).
void AppendQuoted(std::string* out, std::string_view s, bool json) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = Utf8Len(s, i);
      if (n == 0) {
        if (json) {
          out->append("\\ufffd");
        } else {
          out->append("\\x");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xf]);
        }
        ++i;
      } else {
        out->append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          if (json) {
            out->append("\\u00");
          } else {
            out->append("\\x");
          }
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xf]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void AppendLogfmtPair(std::string* out, std::string_view key, std::string_view value) {
  if (!out->empty()) out->push_back(' ');
  if (NeedsQuoting(key)) {
    AppendQuoted(out, key, false);
  } else {
    out->append(key);
  }
  out->push_back('=');
  if (NeedsQuoting(value)) {
    AppendQuoted(out, value, false);
  } else {
    out->append(value);
  }
}

void AppendJsonPair(std::string* out, std::string_view key, std::string_view value, Field::Kind kind) {
  if (out->size() > 1) out->push_back(',');  // out starts with '{'
  AppendQuoted(out, key, true);
  out->push_back(':');
  if (kind == Field::Kind::kString) {
    AppendQuoted(out, value, true);
  } else if (kind == Field::Kind::kNumber && (value == "NaN" || value == "+Inf" || value == "-Inf" || value.empty())) {
    AppendQuoted(out, value, true);  // JSON has no such numbers
  } else {
    out->append(value);
  }
}

void WriteLine(std::string_view line) {
  Writer w = g_writer.load(std::memory_order_acquire);
  if (w != nullptr) {
    w(line);
    return;
  }
  while (!line.empty()) {
    ssize_t n = ::write(2, line.data(), line.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere to report a failing stderr
    }
    line.remove_prefix(static_cast<size_t>(n));
  }
}

std::string_view Basename(std::string_view path) {
  size_t p = path.rfind('/');
  return p == std::string_view::npos ? path : path.substr(p + 1);
}

}  // namespace

Status SetLevel(std::string_view name) {
  if (name == "debug") {
    SetLevel(Level::kDebug);
  } else if (name == "info") {
    SetLevel(Level::kInfo);
  } else if (name == "warn") {
    SetLevel(Level::kWarn);
  } else if (name == "error") {
    SetLevel(Level::kError);
  } else {
    return Status::InvalidArgument("unrecognized log level \"" + std::string(name) +
                                   "\" (want one of debug, info, warn, error)");
  }
  return Status::OK();
}

Status SetFormat(std::string_view name) {
  if (name == "logfmt") {
    SetFormat(Format::kLogfmt);
  } else if (name == "json") {
    SetFormat(Format::kJson);
  } else {
    return Status::InvalidArgument("unrecognized log format \"" + std::string(name) + "\" (want one of logfmt, json)");
  }
  return Status::OK();
}

void SetLevel(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }
void SetFormat(Format format) { g_format.store(static_cast<int>(format), std::memory_order_relaxed); }
Level CurrentLevel() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }
Format CurrentFormat() { return static_cast<Format>(g_format.load(std::memory_order_relaxed)); }

void SetWriterForTesting(Writer w) { g_writer.store(w, std::memory_order_release); }

Field::Field(std::string_view k, double v) : key(k), kind(Kind::kNumber) {
  if (std::isnan(v)) {
    value = "NaN";
  } else if (std::isinf(v)) {
    value = v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof(buf), v);
    value.assign(buf, res.ptr - buf);
  }
}

std::string FormatLine(Format format, int64_t time_ms, Level level, std::string_view source, std::string_view msg,
                       const std::vector<FieldView>& fields) {
  std::string out;
  out.reserve(128 + msg.size());
  std::string time;
  AppendTime(&time, time_ms);
  if (format == Format::kJson) {
    out.push_back('{');
    AppendJsonPair(&out, "time", time, Field::Kind::kString);
    AppendJsonPair(&out, "level", LevelName(level), Field::Kind::kString);
    if (!source.empty()) AppendJsonPair(&out, "source", source, Field::Kind::kString);
    AppendJsonPair(&out, "msg", msg, Field::Kind::kString);
    for (const auto& f : fields) AppendJsonPair(&out, f.key, f.value, f.kind);
    out.append("}\n");
    return out;
  }
  AppendLogfmtPair(&out, "time", time);
  AppendLogfmtPair(&out, "level", LevelName(level));
  if (!source.empty()) AppendLogfmtPair(&out, "source", source);
  AppendLogfmtPair(&out, "msg", msg);
  for (const auto& f : fields) AppendLogfmtPair(&out, f.key, f.value);
  out.push_back('\n');
  return out;
}

Logger::Logger(std::string component) {
  auto f = std::make_shared<Fixed>();
  if (!component.empty()) {
    f->keys.push_back("component");
    f->values.push_back(std::move(component));
    f->kinds.push_back(Field::Kind::kString);
  }
  fixed_ = std::move(f);
}

Logger Logger::With(std::initializer_list<Field> fields) const {
  auto f = std::make_shared<Fixed>(*fixed_);
  for (const auto& field : fields) {
    f->keys.emplace_back(field.key);
    f->values.push_back(field.value);
    f->kinds.push_back(field.kind);
  }
  Logger l(*this);
  l.fixed_ = std::move(f);
  return l;
}

bool Logger::Enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void Logger::Log(Level level, std::string_view msg, std::initializer_list<Field> fields,
                 std::source_location loc) const {
  std::vector<FieldView> views;
  views.reserve(fixed_->keys.size() + fields.size());
  for (size_t i = 0; i < fixed_->keys.size(); ++i) {
    views.push_back({fixed_->keys[i], fixed_->values[i], fixed_->kinds[i]});
  }
  for (const auto& f : fields) views.push_back({f.key, f.value, f.kind});
  char src[256];
  std::string_view file = Basename(loc.file_name());
  int n = snprintf(src, sizeof(src), "%.*s:%u", static_cast<int>(file.size()), file.data(),
                   static_cast<unsigned>(loc.line()));
  std::string_view source(src, n > 0 ? std::min<size_t>(static_cast<size_t>(n), sizeof(src) - 1) : 0);
  int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  WriteLine(FormatLine(CurrentFormat(), now_ms, level, source, msg, views));
}

}  // namespace ward::log
