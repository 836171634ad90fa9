// Value, unit, time and duration formatting.
import type { Metric } from './api';

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
const SI_SMALL = ['', 'm', 'µ', 'n', 'p'];
const BIN = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

function trim(x: number, digits = 3): string {
  if (x === 0) return '0';
  const s = Math.abs(x) >= 100 ? x.toFixed(Math.max(0, digits - 3)) : x.toPrecision(digits);
  // Drop trailing zeros of a fraction: "1.50" -> "1.5".
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}

// SI prefixes above 1 (k, M, G...); below 1 plain decimals ("0.25 ops/s"),
// unless `small` asks for m/µ/n prefixes too.
function si(v: number, suffix: string, small = false): string {
  const a = Math.abs(v);
  if (a === 0) return '0' + (suffix ? ' ' + suffix : '');
  if (a < 1 && !small) return trim(v) + (suffix ? ' ' + suffix : '');
  if (a >= 1) {
    let i = 0;
    let x = v;
    while (Math.abs(x) >= 1000 && i < SI.length - 1) {
      x /= 1000;
      i++;
    }
    const u = SI[i] + suffix;
    return trim(x) + (u ? ' ' + u : '');
  }
  let i = 0;
  let x = v;
  while (Math.abs(x) < 1 && i < SI_SMALL.length - 1) {
    x *= 1000;
    i++;
  }
  const u = SI_SMALL[i] + suffix;
  return trim(x) + (u ? ' ' + u : '');
}

function binary(v: number, per: string): string {
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1024 && i < BIN.length - 1) {
    x /= 1024;
    i++;
  }
  return trim(x) + ' ' + BIN[i] + per;
}

function seconds(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0 s';
  if (a < 1) return si(v, 's', true);
  if (a < 60) return trim(v) + ' s';
  if (a < 3600) return trim(v / 60) + ' min';
  if (a < 86400) return trim(v / 3600) + ' h';
  return trim(v / 86400) + ' d';
}

// Formats `v` for display in `unit` (see kDashboardUnits in dashboards.h).
export function formatValue(v: number | null | undefined, unit = 'short'): string {
  if (v === null || v === undefined) return '–';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'none':
      return String(v);
    case 'percent':
      return trim(v) + '%';
    case 'percentunit':
      return trim(v * 100) + '%';
    case 'bytes':
      return binary(v, '');
    case 'bytes/s':
      return binary(v, '/s');
    case 'bits/s':
      return si(v, 'b/s');
    case 'seconds':
      return seconds(v);
    case 'milliseconds':
      return seconds(v / 1000);
    case 'ops/s':
      return si(v, 'ops/s');
    case 'reqs/s':
      return si(v, 'req/s');
    case 'bool':
      return v === 0 ? 'false' : v === 1 ? 'true' : String(v);
    default:
      return si(v, '');
  }
}

const UNITS: [string, number][] = [
  ['y', 365 * 86400_000],
  ['w', 7 * 86400_000],
  ['d', 86400_000],
  ['h', 3600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

// Parses a Prometheus duration ("1h30m", "90s") into ms; null if bad.
export function parseDuration(s: string): number | null {
  s = s.trim();
  if (!s) return null;
  const re = /(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const mult = UNITS.find((u) => u[0] === m![2])![1];
    total += parseFloat(m[1]) * mult;
    pos = re.lastIndex;
  }
  return pos === s.length && total > 0 ? total : null;
}

export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  let out = '';
  for (const [u, mult] of UNITS) {
    if (ms >= mult) {
      const n = Math.floor(ms / mult);
      ms -= n * mult;
      out += n + u;
    }
  }
  return out;
}

// "3.2s ago", "5m ago" for a past instant.
export function ago(t: Date | string | number): string {
  const d = new Date(t);
  if (isNaN(d.getTime()) || d.getFullYear() < 1971) return 'never';
  const ms = Date.now() - d.getTime();
  if (ms < 0) return 'just now';
  if (ms < 1000) return ms + 'ms ago';
  if (ms < 60_000) return (ms / 1000).toFixed(1) + 's ago';
  return formatDuration(Math.round(ms / 1000) * 1000) + ' ago';
}

// A duration in seconds as "12.3ms".
export function formatSeconds(s: number): string {
  return seconds(s).replace(' ', '');
}

// "2026-11-26 14:03:05" (local time).
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// `name{a="b", c="d"}` as Prometheus prints a series.
export function seriesName(m: Metric): string {
  const name = m.__name__ || '';
  const parts: string[] = [];
  for (const k of Object.keys(m).sort()) {
    if (k === '__name__') continue;
    parts.push(`${k}=${JSON.stringify(m[k])}`);
  }
  return parts.length ? `${name}{${parts.join(', ')}}` : name || '{}';
}

// Fills a "{{label}}" legend template; empty template: seriesName.
export function legendName(tpl: string, m: Metric): string {
  if (!tpl) return seriesName(m);
  return tpl.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, l: string) => m[l] ?? '');
}

export function parseSampleValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return parseFloat(s);
}
