// The numeric kernels behind PromQL's functions and aggregations, on plain
// points and values so they can be tested without an engine: Kahan
// summation, rate/increase/delta extrapolation (Prometheus 3.x rules),
// the *_over_time reductions, linear regression, double exponential
// smoothing, quantiles and classic-histogram bucket quantiles.
// Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "promql/value.h"

namespace ward::promql {

// Neumaier's compensated addition: adds inc to (sum, *c) and returns the new
// sum; the running compensation is in *c (Prometheus's kahanSumInc).
double KahanSumInc(double inc, double sum, double* c);

// rate/increase/delta over the points of one window (rangeStart, rangeEnd].
// Returns false when fewer than two points. is_counter handles resets and
// the zero-point cap; is_rate divides by the range in seconds.
// `may_reset` false promises no value decreases inside pts (lets callers
// that track resets skip the scan).
bool ExtrapolatedRate(std::span<const FPoint> pts, int64_t range_start, int64_t range_end,
                      int64_t range_ms, bool is_counter, bool is_rate, double* out,
                      bool may_reset = true);
// Linear interpolation between p1 and p2 at t; for counters a drop from p1
// to p2 is a reset, so the line starts at 0 (Prometheus's interpolate).
double Interpolate(const FPoint& p1, const FPoint& p2, int64_t t, bool is_counter);
// rate/increase/delta for `anchored` / `smoothed` range selectors over the
// window's points, which include up to one lookback delta before range_start
// (and after range_end when smoothed). False when there is no result.
bool ExtendedRate(std::span<const FPoint> pts, int64_t range_start, int64_t range_end,
                  int64_t range_ms, bool smoothed, bool is_counter, bool is_rate, double* out);
// The points of an anchored/smoothed window as the function sees them: a
// point at range_start (picked or interpolated), the points strictly inside,
// and a point at range_end. Empty when no point lies after range_start.
std::vector<FPoint> ExtendFloats(std::span<const FPoint> pts, int64_t range_start,
                                 int64_t range_end, bool smoothed);

// irate/idelta: from the last two points. False when fewer than two points
// or they share a timestamp.
bool InstantValue(std::span<const FPoint> pts, bool is_rate, double* out);

double SumOverTime(std::span<const FPoint> pts);
double AvgOverTime(std::span<const FPoint> pts);
double MinOverTime(std::span<const FPoint> pts);
double MaxOverTime(std::span<const FPoint> pts);
// Population variance with Kahan-compensated Welford updates.
double StdvarOverTime(std::span<const FPoint> pts);
double Changes(std::span<const FPoint> pts);
double Resets(std::span<const FPoint> pts);
// Least-squares fit of value over (t - intercept_t) seconds.
void LinearRegression(std::span<const FPoint> pts, int64_t intercept_t, double* slope,
                      double* intercept);
// Holt's double exponential smoothing. REQUIRES: >= 2 points.
double DoubleExponentialSmoothing(std::span<const FPoint> pts, double sf, double tf);

// The q-quantile of `values` (sorted in place), interpolating between ranks
// as Prometheus's quantile(): NaN for empty or NaN q, -Inf/+Inf outside [0,1].
double Quantile(double q, std::vector<double>* values);

// One classic histogram bucket: upper bound (le) and cumulative count.
struct Bucket {
  double upper_bound;
  double count;
};
// histogram_quantile over classic buckets (Prometheus's BucketQuantile):
// sorts, merges equal bounds, forces monotonicity. *forced_monotonic tells
// whether counts had to be fixed (an info annotation).
double BucketQuantile(double q, std::vector<Bucket>* buckets, bool* forced_monotonic);

// histogram_fraction over classic buckets (cumulative counts): the share of
// observations between lower and upper, interpolating linearly inside a
// bucket. NaN without a +Inf bucket, with no observations or NaN bounds.
double BucketFraction(double lower, double upper, std::vector<Bucket>* buckets);

// Prometheus's almost.Equal (relative tolerance with special NaN rules).
bool AlmostEqual(double a, double b, double epsilon);

}  // namespace ward::promql
