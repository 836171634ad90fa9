// The two interfaces that carry the whole system (see ARCHITECTURE.md):
// Appender (scrape, push, remote write and rules write through it) and
// Querier (PromQL, the API and federation read through it). tsdb implements
// both; no other component names tsdb. Modeled on Prometheus's
// storage/interface.go.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels/labels.h"
#include "model/labels/matcher.h"
#include "util/result.h"

namespace ward::storage {

// An opaque, stable reference to a series in one storage. 0 means "unknown":
// the storage then resolves the series from its labels.
using SeriesRef = uint64_t;

// Staleness marker: this exact NaN bit pattern (Prometheus's value.StaleNaN)
// marks a series as gone. Compare bits, never values (NaN != NaN).
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
double StaleNaN();
bool IsStaleNaN(double v);

// Appender collects samples of one batch (one scrape, one rule evaluation)
// and makes them visible and durable on Commit. Not thread-safe: one
// appender per goroutine-equivalent; many appenders may run concurrently.
class Appender {
 public:
  virtual ~Appender() = default;

  // Adds a sample. `ref` is the value a previous Append of the same series
  // returned (a cache hint) or 0; when non-zero `lset` may be ignored, and
  // may be empty: the series is then found by ref alone, and a ref the
  // appendable no longer knows (its series was garbage-collected) fails
  // with InvalidArgument, after which the caller retries with the labels.
  // Returns the series' ref. Rejections (out of order, duplicate, out of
  // bounds) come back as Status::Rejected with a subcode; the batch stays
  // usable and the other samples still commit.
  // REQUIRES: lset sorted, no duplicate names; non-empty when ref is 0.
  virtual Result<SeriesRef> Append(SeriesRef ref, const labels::Labels& lset, int64_t t_ms,
                                   double v) = 0;

  // Makes every accepted sample of the batch visible to queries and writes
  // it to the WAL. The appender must not be used afterwards.
  virtual Status Commit() = 0;
  // Discards the batch. The appender must not be used afterwards.
  virtual Status Rollback() = 0;
};

// Appendable hands out appenders. Thread-safe.
class Appendable {
 public:
  virtual ~Appendable() = default;
  virtual std::unique_ptr<Appender> NewAppender() = 0;
};

// The kinds of value an iterator can produce.
enum class ValueType { kNone, kFloat, kHistogram, kFloatHistogram };

// Iterates over the samples of one series in timestamp order. Like
// LevelDB's Iterator: Next() advances and returns what is now current;
// kNone means exhausted (check Err()). Not thread-safe.
class SampleIterator {
 public:
  virtual ~SampleIterator() = default;
  virtual ValueType Next() = 0;
  // Advances to the first sample with t >= t_ms (may stay on the current
  // one). Returns kNone if there is none.
  virtual ValueType Seek(int64_t t_ms) = 0;
  // REQUIRES: the last Next/Seek returned kFloat.
  virtual void At(int64_t* t_ms, double* v) const = 0;
  virtual int64_t AtT() const = 0;
  virtual Status Err() const = 0;
};

// One label of a series as views (see Series::LabelViews).
struct LabelView {
  std::string_view name;
  std::string_view value;
};

// One series of a SeriesSet. The labels stay valid as long as the Series.
class Series {
 public:
  virtual ~Series() = default;
  virtual const labels::Labels& Labels() const = 0;
  virtual std::unique_ptr<SampleIterator> Iterator() const = 0;
  // A faster path for readers that only look at the labels (PromQL's
  // grouping): replaces *out with the labels in order, as views valid as
  // long as the Series. An implementation that keeps labels interned can
  // answer without building Labels(); this default reads Labels().
  virtual void LabelViews(std::vector<LabelView>* out) const {
    out->clear();
    for (const labels::Label& l : Labels()) out->push_back(LabelView{l.name, l.value});
  }
  // A faster path for an instant lookup: the newest sample with
  // mint <= t <= maxt. kFound sets *t and *v; kNone says there is no such
  // sample; kUnknown (the default) means "read the samples through
  // Iterator()". An implementation that knows its newest sample answers
  // without decoding a chunk.
  enum class Latest { kUnknown, kNone, kFound };
  virtual Latest LatestIn(int64_t mint, int64_t maxt, int64_t* t, double* v) const {
    (void)mint, (void)maxt, (void)t, (void)v;
    return Latest::kUnknown;
  }
};

// A lazily produced set of series, sorted by labels when asked to be.
class SeriesSet {
 public:
  virtual ~SeriesSet() = default;
  virtual bool Next() = 0;
  // REQUIRES: the last Next() returned true. Valid until the next Next().
  virtual const Series& At() const = 0;
  virtual Status Err() const = 0;
  // Non-fatal problems met while selecting (PromQL warnings).
  virtual std::vector<std::string> Warnings() const { return {}; }
};

// Hints the querier may use to read less.
struct SelectHints {
  int64_t start_ms = std::numeric_limits<int64_t>::min();
  int64_t end_ms = std::numeric_limits<int64_t>::max();
  int64_t step_ms = 0;
  std::string func;  // the function around the selector, if any
};

// Reads series overlapping [mint, maxt] of one storage. Not thread-safe;
// open one per query. Closing releases what it pinned (blocks, chunks).
class Querier {
 public:
  virtual ~Querier() = default;
  virtual std::unique_ptr<SeriesSet> Select(bool sorted, const SelectHints* hints,
                                            const std::vector<labels::Matcher>& matchers) = 0;
  // Sorted distinct values of `name` among series matching `matchers`
  // (all series when empty).
  virtual Result<std::vector<std::string>> LabelValues(
      const std::string& name, const std::vector<labels::Matcher>& matchers) = 0;
  // Sorted distinct label names among series matching `matchers`.
  virtual Result<std::vector<std::string>> LabelNames(
      const std::vector<labels::Matcher>& matchers) = 0;
};

// Queryable opens queriers. Thread-safe.
class Queryable {
 public:
  virtual ~Queryable() = default;
  virtual Result<std::unique_ptr<Querier>> NewQuerier(int64_t mint_ms, int64_t maxt_ms) = 0;
};

// A SeriesSet with nothing in it, or only an error.
std::unique_ptr<SeriesSet> EmptySeriesSet(Status err = Status::OK());

}  // namespace ward::storage
