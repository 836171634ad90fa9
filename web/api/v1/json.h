// A small, fast JSON writer for the API's responses, byte-compatible with
// what Prometheus (Go's encoding/json + jsoniter) writes: strings escaped as
// Go does (\u00XX for control bytes, \u003c \u003e \u0026 for < > &,
// \u2028/\u2029, invalid UTF-8 as \ufffd), sample values as quoted Go
// floats and timestamps as seconds with up to three decimals.
// Thread safety: a JsonWriter is a plain value; use one per response.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/labels/labels.h"

namespace ward::web::api::v1 {

// Appends `s` as a JSON string literal (with quotes) escaped as Go does.
void AppendJsonString(std::string* out, std::string_view s);
// Whether `s` is valid UTF-8.
bool IsValidUtf8(std::string_view s);
// Appends a sample value as Prometheus's API writes it: a JSON string
// holding Go's strconv.FormatFloat(f, 'f' or 'e', -1, 64) ('e' when
// |f| < 1e-6 or >= 1e21), "NaN", "+Inf", "-Inf".
void AppendSampleValue(std::string* out, double f);
// Appends a millisecond timestamp as a JSON number of seconds:
// 1690000000123 -> 1690000000.123, 1690000000100 -> 1690000000.100,
// 1690000000000 -> 1690000000.
void AppendTimestamp(std::string* out, int64_t t_ms);
// Formats Unix ms as Go's time.Time JSON (RFC 3339 in UTC, trailing zero
// fraction digits removed): "2026-11-26T09:28:57.41Z". Zero means Go's
// zero time, "0001-01-01T00:00:00Z".
std::string FormatRFC3339Millis(int64_t t_ms);

// Writes JSON into a string, inserting commas between values automatically.
// Keys and values must alternate inside objects; the caller keeps nesting
// balanced (REQUIRES, checked only by tests).
class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject() {
    Value();
    out_->push_back('{');
    Push();
  }
  void EndObject() {
    Pop();
    out_->push_back('}');
  }
  void BeginArray() {
    Value();
    out_->push_back('[');
    Push();
  }
  void EndArray() {
    Pop();
    out_->push_back(']');
  }
  // An object key; the next call writes its value.
  void Key(std::string_view k) {
    Value();
    AppendJsonString(out_, k);
    out_->push_back(':');
    after_key_ = true;
  }
  void String(std::string_view s) {
    Value();
    AppendJsonString(out_, s);
  }
  void Int(int64_t v);
  // A plain JSON number (Go's encoding of float64: shortest, 'e' form for
  // exponents < -6 or >= 21). NaN/Inf are not valid JSON and become 0.
  void Double(double v);
  void Bool(bool b) {
    Value();
    out_->append(b ? "true" : "false");
  }
  void Null() {
    Value();
    out_->append("null");
  }
  // A sample value ("1", "NaN", ...); see AppendSampleValue.
  void SampleValue(double f) {
    Value();
    AppendSampleValue(out_, f);
  }
  void Timestamp(int64_t t_ms) {
    Value();
    AppendTimestamp(out_, t_ms);
  }
  // A label set as an object {"name":"value",...} in label order.
  void LabelSet(const labels::Labels& ls);
  // Raw, already valid JSON.
  void Raw(std::string_view json) {
    Value();
    out_->append(json);
  }

 private:
  // Called before every value or key: writes the separating comma.
  void Value() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_ > 0) {
      uint64_t bit = uint64_t{1} << ((depth_ - 1) & 63);
      if (nonempty_ & bit) out_->push_back(',');
      nonempty_ |= bit;
    }
  }
  void Push() {
    depth_++;
    nonempty_ &= ~(uint64_t{1} << ((depth_ - 1) & 63));
  }
  void Pop() { depth_--; }

  std::string* out_;
  int depth_ = 0;
  uint64_t nonempty_ = 0;  // bit d-1: the container at depth d has a value
  bool after_key_ = false;
};

}  // namespace ward::web::api::v1
