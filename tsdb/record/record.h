// WAL records: the payloads the head logs to the WAL (tsdb/wlog) and writes to
// checkpoints. Byte-compatible with Prometheus's tsdb/record/record.go, so
// Prometheus replays ward's WAL and ward replays Prometheus's.
// Format: tsdb/docs/format/README.md (Prometheus tsdb-format/wal.md).
// Pure functions over value types; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels/labels.h"
#include "util/status.h"

namespace ward::tsdb::record {

// The first byte of every record.
enum class Type : uint8_t {
  kUnknown = 255,
  kSeries = 1,
  kSamples = 2,
  kTombstones = 3,
  kExemplars = 4,
  kMmapMarkers = 5,
  kMetadata = 6,
  kHistogramSamples = 7,
  kFloatHistogramSamples = 8,
  kCustomBucketsHistogramSamples = 9,
  kCustomBucketsFloatHistogramSamples = 10,
};

// The record's type, or kUnknown for an empty record or an unknown type
// byte. Histogram and custom-bucket types are recognised (so replay can skip
// them) but not decoded by this package.
Type GetType(std::string_view rec);
// "series", "samples", ... as Prometheus names them; "unknown" otherwise.
std::string_view TypeName(Type t);

// Metric types stored in metadata records (Prometheus's record.MetricType).
enum class MetricType : uint8_t {
  kUnknown = 0,
  kCounter = 1,
  kGauge = 2,
  kHistogram = 3,
  kGaugeHistogram = 4,
  kSummary = 5,
  kInfo = 6,
  kStateset = 7,
};

struct RefSeries {
  uint64_t ref = 0;
  labels::Labels labels;
};

struct RefSample {
  uint64_t ref = 0;
  int64_t t = 0;
  double v = 0;
};

// A deleted interval [mint, maxt] of a series.
struct Stone {
  uint64_t ref = 0;
  int64_t mint = 0;
  int64_t maxt = 0;
};

struct RefExemplar {
  uint64_t ref = 0;
  int64_t t = 0;
  double v = 0;
  labels::Labels labels;
};

// Marks that all samples of series `ref` up to now are in the head chunk
// file chunk `mmap_ref` (a chunks::ChunkDiskMapper reference).
struct RefMmapMarker {
  uint64_t ref = 0;
  uint64_t mmap_ref = 0;
};

struct RefMetadata {
  uint64_t ref = 0;
  uint8_t type = 0;  // a MetricType value; unknown values are kept as is
  std::string unit;
  std::string help;
};

// Encoders overwrite *out with one whole record (reusing its capacity).
// An empty input still produces a valid record (just the type byte), as in
// Prometheus.
void EncodeSeries(std::span<const RefSeries> series, std::string* out);
void EncodeSamples(std::span<const RefSample> samples, std::string* out);
void EncodeTombstones(std::span<const Stone> stones, std::string* out);
void EncodeExemplars(std::span<const RefExemplar> exemplars, std::string* out);
void EncodeMmapMarkers(std::span<const RefMmapMarker> markers, std::string* out);
void EncodeMetadata(std::span<const RefMetadata> metadata, std::string* out);

// Incremental series-record encoding for callers that keep labels in another
// form (e.g. interned symbols): BeginSeries once, then per series AddSeries
// followed by exactly num_labels AddLabel calls in label-name order.
void BeginSeries(std::string* out);
void AddSeries(std::string* out, uint64_t ref, size_t num_labels);
void AddLabel(std::string* out, std::string_view name, std::string_view value);

// Decoders append to *out. They return Corruption (and leave *out with the
// entries decoded so far) when the record has the wrong type, is truncated,
// or has bytes left over.
Status DecodeSeries(std::string_view rec, std::vector<RefSeries>* out);
Status DecodeSamples(std::string_view rec, std::vector<RefSample>* out);
Status DecodeTombstones(std::string_view rec, std::vector<Stone>* out);
Status DecodeExemplars(std::string_view rec, std::vector<RefExemplar>* out);
Status DecodeMmapMarkers(std::string_view rec, std::vector<RefMmapMarker>* out);
Status DecodeMetadata(std::string_view rec, std::vector<RefMetadata>* out);

}  // namespace ward::tsdb::record
