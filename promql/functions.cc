#include "promql/functions.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>

#include "storage/interface.h"

namespace ward::promql {

double KahanSumInc(double inc, double sum, double* c) {
  const double t = sum + inc;
  if (std::isinf(t)) {
    *c = 0;
  } else if (std::fabs(sum) >= std::fabs(inc)) {
    *c += (sum - t) + inc;
  } else {
    *c += (inc - t) + sum;
  }
  return t;
}

bool ExtrapolatedRate(std::span<const FPoint> pts, int64_t range_start, int64_t range_end,
                      int64_t range_ms, bool is_counter, bool is_rate, double* out,
                      bool may_reset) {
  if (pts.size() < 2) return false;
  const size_t n1 = pts.size() - 1;
  const int64_t first_t = pts.front().t, last_t = pts.back().t;
  double result = pts.back().f - pts.front().f;
  if (is_counter && may_reset) {
    double prev = pts.front().f;
    for (size_t i = 1; i < pts.size(); i++) {
      if (pts[i].f < prev) result += prev;
      prev = pts[i].f;
    }
  }
  double to_start = static_cast<double>(first_t - range_start) / 1000;
  double to_end = static_cast<double>(range_end - last_t) / 1000;
  const double sampled = static_cast<double>(last_t - first_t) / 1000;
  const double avg_between = sampled / static_cast<double>(n1);
  const double threshold = avg_between * 1.1;
  if (to_start >= threshold) to_start = avg_between / 2;
  if (is_counter) {
    double to_zero = to_start;
    if (result > 0 && pts.front().f >= 0) to_zero = sampled * (pts.front().f / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = avg_between / 2;
  double factor = (sampled + to_start + to_end) / sampled;
  if (is_rate) factor /= static_cast<double>(range_ms) / 1000;
  *out = result * factor;
  return true;
}

double Interpolate(const FPoint& p1, const FPoint& p2, int64_t t, bool is_counter) {
  double y1 = p1.f;
  const double y2 = p2.f;
  if (is_counter && y2 < y1) y1 = 0;
  return y1 + (y2 - y1) * static_cast<double>(t - p1.t) / static_cast<double>(p2.t - p1.t);
}

namespace {

// First index in [0, n) whose point satisfies pred, or n (Go's sort.Search).
template <typename Pred>
size_t SearchN(size_t n, Pred pred) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (pred(mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

double PickLeft(std::span<const FPoint> f, size_t first, int64_t start, bool smoothed,
                bool is_counter) {
  if (smoothed && f[first].t < start && first + 1 < f.size()) {
    return Interpolate(f[first], f[first + 1], start, is_counter);
  }
  return f[first].f;
}

double PickRight(std::span<const FPoint> f, size_t last, int64_t end, bool smoothed,
                 bool is_counter) {
  if (smoothed && last > 0 && f[last].t > end) {
    return Interpolate(f[last - 1], f[last], end, is_counter);
  }
  return f[last].f;
}

}  // namespace

bool ExtendedRate(std::span<const FPoint> f, int64_t range_start, int64_t range_end,
                  int64_t range_ms, bool smoothed, bool is_counter, bool is_rate, double* out) {
  if (f.empty()) return false;
  size_t last = f.size() - 1;
  size_t first = SearchN(last, [&](size_t i) { return f[i].t > range_start; });
  first = first > 0 ? first - 1 : 0;
  if (smoothed) last = SearchN(last, [&](size_t i) { return f[i].t >= range_end; });
  if (f[last].t <= range_start) return false;
  if (smoothed && f[first].t > range_end) return false;
  const double left = PickLeft(f, first, range_start, smoothed, is_counter);
  const double right = PickRight(f, last, range_end, smoothed, is_counter);
  double result = right - left;
  if (is_counter) {
    // Resets strictly inside the range; the boundaries handled their own.
    size_t a = first, b = last;
    if (f[a].t <= range_start) a++;
    int64_t bi = static_cast<int64_t>(b);
    if (f[b].t >= range_end) bi--;
    double correction = 0, prev = left;
    for (int64_t i = static_cast<int64_t>(a); i <= bi; i++) {
      if (f[i].f < prev) correction += prev;
      prev = f[i].f;
    }
    if (right < prev) correction += prev;
    result += correction;
  }
  if (is_rate) result /= static_cast<double>(range_ms) / 1000;
  *out = result;
  return true;
}

std::vector<FPoint> ExtendFloats(std::span<const FPoint> f, int64_t range_start, int64_t range_end,
                                 bool smoothed) {
  std::vector<FPoint> out;
  if (f.empty()) return out;
  size_t last = f.size() - 1;
  size_t first = SearchN(last, [&](size_t i) { return f[i].t > range_start; });
  first = first > 0 ? first - 1 : 0;
  if (smoothed) last = SearchN(last, [&](size_t i) { return f[i].t >= range_end; });
  if (f[last].t <= range_start) return out;
  const double left = PickLeft(f, first, range_start, smoothed, false);
  const double right = PickRight(f, last, range_end, smoothed, false);
  int64_t a = static_cast<int64_t>(first), b = static_cast<int64_t>(last);
  if (f[a].t <= range_start) a++;
  if (f[b].t >= range_end) b--;
  out.reserve((b >= a ? b - a + 1 : 0) + 2);
  out.push_back({range_start, left});
  for (int64_t i = a; i <= b; i++) out.push_back(f[i]);
  out.push_back({range_end, right});
  return out;
}

bool InstantValue(std::span<const FPoint> pts, bool is_rate, double* out) {
  if (pts.size() < 2) return false;
  const FPoint& last = pts[pts.size() - 1];
  const FPoint& prev = pts[pts.size() - 2];
  double v = (is_rate && last.f < prev.f) ? last.f : last.f - prev.f;
  const int64_t interval = last.t - prev.t;
  if (interval == 0) return false;
  if (is_rate) v /= static_cast<double>(interval) / 1000;
  *out = v;
  return true;
}

double SumOverTime(std::span<const FPoint> pts) {
  double sum = 0, c = 0;
  for (const FPoint& p : pts) sum = KahanSumInc(p.f, sum, &c);
  if (std::isinf(sum)) return sum;
  return sum + c;
}

double AvgOverTime(std::span<const FPoint> pts) {
  double sum = pts[0].f, count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < pts.size(); i++) {
    const double f = pts[i].f;
    count = static_cast<double>(i + 1);
    if (!incremental) {
      double nc = c;
      const double ns = KahanSumInc(f, sum, &nc);
      if (!std::isinf(ns)) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= (count - 1);
    }
    const double q = (count - 1) / count;
    double qc = q * c;
    mean = KahanSumInc(f / count, q * mean, &qc);
    c = qc;
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

double MinOverTime(std::span<const FPoint> pts) {
  double m = pts[0].f;
  for (const FPoint& p : pts)
    if (p.f < m || std::isnan(m)) m = p.f;
  return m;
}

double MaxOverTime(std::span<const FPoint> pts) {
  double m = pts[0].f;
  for (const FPoint& p : pts)
    if (p.f > m || std::isnan(m)) m = p.f;
  return m;
}

double StdvarOverTime(std::span<const FPoint> pts) {
  double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
  for (const FPoint& p : pts) {
    count++;
    const double delta = p.f - (mean + cmean);
    mean = KahanSumInc(delta / count, mean, &cmean);
    aux = KahanSumInc(delta * (p.f - (mean + cmean)), aux, &caux);
  }
  return (aux + caux) / count;
}

double Changes(std::span<const FPoint> pts) {
  double n = 0;
  for (size_t i = 1; i < pts.size(); i++) {
    const double cur = pts[i].f, prev = pts[i - 1].f;
    if (!(cur == prev || (std::isnan(cur) && std::isnan(prev)))) n++;
  }
  return n;
}

double Resets(std::span<const FPoint> pts) {
  double n = 0;
  for (size_t i = 1; i < pts.size(); i++)
    if (pts[i].f < pts[i - 1].f) n++;
  return n;
}

void LinearRegression(std::span<const FPoint> pts, int64_t intercept_t, double* slope,
                      double* intercept) {
  double n = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
  const double init_y = pts[0].f;
  bool const_y = true;
  for (size_t i = 0; i < pts.size(); i++) {
    const FPoint& p = pts[i];
    if (const_y && i > 0 && p.f != init_y) const_y = false;
    n += 1;
    const double x = static_cast<double>(p.t - intercept_t) / 1e3;
    sx = KahanSumInc(x, sx, &cx);
    sy = KahanSumInc(p.f, sy, &cy);
    sxy = KahanSumInc(x * p.f, sxy, &cxy);
    sx2 = KahanSumInc(x * x, sx2, &cx2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = *intercept = std::numeric_limits<double>::quiet_NaN();
    } else {
      *slope = 0;
      *intercept = init_y;
    }
    return;
  }
  sx += cx;
  sy += cy;
  sxy += cxy;
  sx2 += cx2;
  const double cov = sxy - sx * sy / n;
  const double var = sx2 - sx * sx / n;
  *slope = cov / var;
  *intercept = sy / n - *slope * sx / n;
}

double DoubleExponentialSmoothing(std::span<const FPoint> pts, double sf, double tf) {
  double s0 = 0, s1 = pts[0].f, b = pts[1].f - pts[0].f;
  for (size_t i = 1; i < pts.size(); i++) {
    const double x = sf * pts[i].f;
    if (i - 1 != 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

double Quantile(double q, std::vector<double>* values) {
  if (values->empty() || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::sort(values->begin(), values->end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
    return a < b;
  });
  const double n = static_cast<double>(values->size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return (*values)[static_cast<size_t>(lower)] * (1 - weight) +
         (*values)[static_cast<size_t>(upper)] * weight;
}

bool AlmostEqual(double a, double b, double epsilon) {
  if (storage::IsStaleNaN(a) || storage::IsStaleNaN(b)) {
    return storage::IsStaleNaN(a) && storage::IsStaleNaN(b);
  }
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  const double min_normal = DBL_MIN;
  const double abs_sum = std::fabs(a) + std::fabs(b);
  const double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < min_normal) return diff < epsilon * min_normal;
  return diff / std::min(abs_sum, DBL_MAX) < epsilon;
}

double BucketQuantile(double q, std::vector<Bucket>* bp, bool* forced_monotonic) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  *forced_monotonic = false;
  std::vector<Bucket>& b = *bp;
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  if (b.empty()) return kNaN;
  std::stable_sort(b.begin(), b.end(),
                   [](const Bucket& x, const Bucket& y) { return x.upper_bound < y.upper_bound; });
  if (!(std::isinf(b.back().upper_bound) && b.back().upper_bound > 0)) return kNaN;
  // Merge buckets with equal bounds.
  size_t w = 0;
  for (size_t i = 1; i < b.size(); i++) {
    if (b[i].upper_bound == b[w].upper_bound) {
      b[w].count += b[i].count;
    } else {
      b[++w] = b[i];
    }
  }
  b.resize(w + 1);
  // Force monotonicity; silently fix tiny floating point differences.
  double prev = b[0].count;
  for (size_t i = 1; i < b.size(); i++) {
    const double cur = b[i].count;
    if (cur == prev) continue;
    if (AlmostEqual(prev, cur, 1e-12)) {
      b[i].count = prev;
      continue;
    }
    if (cur < prev) {
      b[i].count = prev;
      *forced_monotonic = true;
      continue;
    }
    prev = cur;
  }
  if (b.size() < 2) return kNaN;
  const double observations = b.back().count;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  size_t i = 0;
  const size_t n = b.size() - 1;
  // First bucket (among all but +Inf) whose count >= rank.
  {
    size_t lo = 0, hi = n;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (b[mid].count >= rank) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    i = lo;
  }
  if (i == n) return b[n - 1].upper_bound;
  if (i == 0 && b[0].upper_bound <= 0) return b[0].upper_bound;
  double start = 0, end = b[i].upper_bound, count = b[i].count;
  if (i > 0) {
    start = b[i - 1].upper_bound;
    count -= b[i - 1].count;
    rank -= b[i - 1].count;
  }
  return start + (end - start) * (rank / count);
}

double BucketFraction(double lower, double upper, std::vector<Bucket>* bp) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<Bucket>& b = *bp;
  if (b.empty()) return kNaN;
  std::stable_sort(b.begin(), b.end(),
                   [](const Bucket& x, const Bucket& y) { return x.upper_bound < y.upper_bound; });
  if (b.back().upper_bound != kInf) return kNaN;
  size_t w = 0;
  for (size_t i = 1; i < b.size(); i++) {
    if (b[i].upper_bound == b[w].upper_bound) {
      b[w].count += b[i].count;
    } else {
      b[++w] = b[i];
    }
  }
  b.resize(w + 1);
  const double count = b.back().count;
  if (count == 0 || std::isnan(lower) || std::isnan(upper)) return kNaN;
  if (lower >= upper) return 0;
  // Walk the buckets with the cumulative count below each one; the first
  // bucket starts at 0 unless its bound is not positive (then at -Inf).
  double below = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  double lo_bound = b[0].upper_bound <= 0 ? -kInf : 0;
  for (size_t i = 0; i < b.size(); i++) {
    if (i > 0) lo_bound = b[i - 1].upper_bound;
    const double hi_bound = b[i].upper_bound;
    auto at = [&](double v) {
      if (lo_bound == -kInf) return b[i].count;
      return below + (b[i].count - below) * (v - lo_bound) / (hi_bound - lo_bound);
    };
    if (!lower_set && lo_bound >= lower) {
      lower_rank = below;
      lower_set = true;
    }
    if (!upper_set && lo_bound >= upper) {
      upper_rank = below;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && lo_bound < lower && hi_bound > lower) {
      lower_rank = at(lower);
      lower_set = true;
    }
    if (!upper_set && lo_bound < upper && hi_bound > upper) {
      upper_rank = at(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    below = b[i].count;
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  return (upper_rank - lower_rank) / count;
}

}  // namespace ward::promql
