// Range query results as chart series: a matrix aligned onto the query's
// step grid (gaps and NaN become null), named by a legend template.
import type { MatrixSeries, Metric } from './api';
import { legendName, parseSampleValue } from './format';

export interface ChartSeries {
  name: string;
  metric: Metric;
  values: (number | null)[]; // aligned to the chart's timestamps
}

// Aligns a range query's matrix onto the step grid start..end (seconds).
export function alignMatrix(
  result: MatrixSeries[],
  start: number,
  end: number,
  step: number,
  legend = '',
): { timestamps: number[]; series: ChartSeries[] } {
  const n = Math.max(1, Math.floor((end - start) / step + 1e-9) + 1);
  const timestamps = new Array<number>(n);
  for (let i = 0; i < n; i++) timestamps[i] = start + i * step;
  const series = result.map((s) => {
    const values = new Array<number | null>(n).fill(null);
    for (const [t, v] of s.values) {
      const i = Math.round((t - start) / step);
      if (i < 0 || i >= n) continue;
      const x = parseSampleValue(v);
      values[i] = Number.isNaN(x) ? null : x; // NaN (e.g. a quantile of no events) is a gap
    }
    return { name: legendName(legend, s.metric), metric: s.metric, values };
  });
  return { timestamps, series };
}

