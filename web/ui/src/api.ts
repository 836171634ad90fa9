// Calls ward's /api/v1 with relative URLs (resolved against the page's
// <base href>, so a route prefix or proxy path is kept).

export class APIError extends Error {
  constructor(message: string, public errorType: string) {
    super(message);
  }
}

type Params = Record<string, string | string[] | undefined>;

function encode(params: Params): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) v.forEach((x) => sp.append(k, x));
    else sp.append(k, v);
  }
  return sp.toString();
}

async function decode<T>(resp: Response): Promise<T> {
  let body: { status?: string; data?: T; error?: string; errorType?: string };
  try {
    body = await resp.json();
  } catch {
    throw new APIError(`HTTP ${resp.status} ${resp.statusText} (not JSON)`, 'internal');
  }
  if (body.status !== 'success') {
    throw new APIError(body.error || `HTTP ${resp.status}`, body.errorType || 'internal');
  }
  return body.data as T;
}

// GET api/v1/<path>?params.
export async function get<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  const q = encode(params);
  const resp = await fetch('api/v1/' + path + (q ? '?' + q : ''), { signal, headers: { Accept: 'application/json' } });
  return decode<T>(resp);
}

// POST api/v1/<path> with a form body (queries can be long).
export async function post<T>(path: string, params: Params, signal?: AbortSignal): Promise<T> {
  const resp = await fetch('api/v1/' + path, {
    method: 'POST',
    signal,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: encode(params),
  });
  return decode<T>(resp);
}

export type Metric = Record<string, string>;
export interface VectorSample { metric: Metric; value: [number, string] }
export interface MatrixSeries { metric: Metric; values: [number, string][] }
export type QueryData =
  | { resultType: 'vector'; result: VectorSample[] }
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'scalar'; result: [number, string] }
  | { resultType: 'string'; result: [number, string] };

export function query(expr: string, timeSec?: number, signal?: AbortSignal): Promise<QueryData> {
  return post<QueryData>('query', { query: expr, time: timeSec === undefined ? undefined : String(timeSec) }, signal);
}

export function queryRange(expr: string, start: number, end: number, step: number, signal?: AbortSignal): Promise<QueryData> {
  return post<QueryData>('query_range', { query: expr, start: String(start), end: String(end), step: String(step) }, signal);
}

// Cached label lookups for autocomplete and dashboards.
const cache = new Map<string, Promise<string[]>>();

function cached(key: string, load: () => Promise<string[]>): Promise<string[]> {
  let p = cache.get(key);
  if (!p) {
    p = load().catch((e) => {
      cache.delete(key);
      throw e;
    });
    cache.set(key, p);
    // Forget after a minute so new series show up.
    setTimeout(() => cache.delete(key), 60_000);
  }
  return p;
}

export function metricNames(): Promise<string[]> {
  return cached('names', () => get<string[]>('label/__name__/values'));
}

export function labelNames(match?: string): Promise<string[]> {
  return cached('ln:' + (match || ''), () => get<string[]>('labels', { 'match[]': match ? [match] : undefined }));
}

export function labelValues(label: string, match?: string): Promise<string[]> {
  return cached('lv:' + label + ':' + (match || ''), () =>
    get<string[]>('label/' + encodeURIComponent(label) + '/values', { 'match[]': match ? [match] : undefined }),
  );
}
