// Status pages: runtime and build information (/status), the loaded
// configuration (/config), command-line flags (/flags) and TSDB
// cardinality statistics (/tsdb-status).
import * as api from '../api';
import { h, clear, errorBox, loading } from '../dom';
import { formatTime } from '../format';

function kvTable(title: string, obj: Record<string, unknown>): HTMLElement {
  return h(
    'section',
    { class: 'panel' },
    h('h2', null, title),
    h(
      'table',
      { class: 'data-table kv' },
      h('tbody', null, Object.entries(obj).map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, String(v))))),
    ),
  );
}

const RUNTIME_NAMES: Record<string, string> = {
  startTime: 'Start time',
  CWD: 'Working directory',
  hostname: 'Hostname',
  serverTime: 'Server time',
  reloadConfigSuccess: 'Configuration reload',
  lastConfigTime: 'Last successful configuration reload',
  corruptionCount: 'WAL corruptions',
  storageRetention: 'Storage retention',
};
// Go runtime fields Prometheus reports; ward fills them with zeros.
const GO_ONLY = new Set(['goroutineCount', 'GOMAXPROCS', 'GOMEMLIMIT', 'GOGC', 'GODEBUG']);

function when(v: unknown): string {
  const t = Date.parse(String(v));
  return isNaN(t) || t < 86400_000 ? String(v) : `${formatTime(t)} (${v})`;
}

function humanRuntime(rt: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rt)) {
    if (GO_ONLY.has(k) && (v === 0 || v === '')) continue;
    if (k === 'lastConfigTime' && String(v).startsWith('0001-')) continue;
    let shown = v;
    if (k === 'startTime' || k === 'serverTime' || k === 'lastConfigTime') shown = when(v);
    if (k === 'reloadConfigSuccess') shown = v ? 'Successful' : 'Unsuccessful';
    out[RUNTIME_NAMES[k] || k] = shown;
  }
  return out;
}

function humanBuild(bi: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(bi)) {
    if (v === '' || v === undefined) continue;
    out[k === 'goVersion' ? 'Compiler' : k[0].toUpperCase() + k.slice(1).replace(/([A-Z])/g, ' $1').toLowerCase()] = v;
  }
  return out;
}

async function guarded(body: HTMLElement, f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (e) {
    clear(body);
    body.appendChild(errorBox((e as Error).message));
  }
}

export async function renderStatus(root: HTMLElement): Promise<void> {
  const body = h('div', null, loading());
  root.append(h('h1', null, 'Runtime & Build Information'), body);
  await guarded(body, async () => {
    const [rt, bi, am] = await Promise.all([
      api.get<Record<string, unknown>>('status/runtimeinfo'),
      api.get<Record<string, unknown>>('status/buildinfo'),
      api.get<{ activeAlertmanagers: { url: string }[]; droppedAlertmanagers: { url: string }[] }>('alertmanagers').catch(() => null),
    ]);
    clear(body);
    body.append(kvTable('Runtime information', humanRuntime(rt)), kvTable('Build information', humanBuild(bi)));
    if (am) {
      body.appendChild(
        h(
          'section',
          { class: 'panel' },
          h('h2', null, 'Alertmanagers'),
          am.activeAlertmanagers.length
            ? h('ul', null, am.activeAlertmanagers.map((a) => h('li', null, a.url)))
            : h('div', { class: 'muted' }, 'None configured.'),
        ),
      );
    }
  });
}

export async function renderConfig(root: HTMLElement): Promise<void> {
  const body = h('div', null, loading());
  const copy = h('button', { class: 'btn small' }, 'Copy to clipboard');
  root.append(h('h1', null, 'Configuration ', copy), body);
  await guarded(body, async () => {
    const d = await api.get<{ yaml: string }>('status/config');
    clear(body);
    body.appendChild(h('pre', { class: 'config-yaml panel' }, d.yaml));
    copy.addEventListener('click', () => void navigator.clipboard?.writeText(d.yaml));
  });
}

export async function renderFlags(root: HTMLElement): Promise<void> {
  const filter = h('input', { class: 'filter', placeholder: 'Filter flags' });
  const body = h('div', null, loading());
  root.append(h('h1', null, 'Command-Line Flags'), h('div', { class: 'toolbar' }, filter), body);
  await guarded(body, async () => {
    const flags = await api.get<Record<string, string>>('status/flags');
    const draw = () => {
      clear(body);
      const f = filter.value.toLowerCase();
      const rows = Object.keys(flags)
        .sort()
        .filter((k) => !f || k.includes(f) || flags[k].toLowerCase().includes(f))
        .map((k) => h('tr', null, h('th', null, '--' + k), h('td', null, flags[k])));
      body.appendChild(h('table', { class: 'data-table kv panel' }, h('tbody', null, rows)));
    };
    filter.addEventListener('input', draw);
    draw();
  });
}

interface Stat {
  name: string;
  value: number;
}

interface TSDBStatus {
  headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  seriesCountByMetricName: Stat[];
  labelValueCountByLabelName: Stat[];
  memoryInBytesByLabelName: Stat[];
  seriesCountByLabelValuePair: Stat[];
}

function statTable(title: string, col: string, stats: Stat[] | undefined): HTMLElement {
  return h(
    'section',
    { class: 'panel' },
    h('h2', null, title),
    h(
      'table',
      { class: 'data-table' },
      h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, col))),
      h('tbody', null, (stats || []).map((s) => h('tr', null, h('td', null, s.name), h('td', { class: 'num' }, String(s.value))))),
    ),
  );
}

export async function renderTSDBStatus(root: HTMLElement): Promise<void> {
  const body = h('div', null, loading());
  root.append(h('h1', null, 'TSDB Status'), body);
  await guarded(body, async () => {
    const d = await api.get<TSDBStatus>('status/tsdb');
    clear(body);
    const hs = d.headStats;
    const t = (ms: number) => (Number.isFinite(ms) && Math.abs(ms) < 1e15 ? formatTime(ms) : 'no data');
    body.append(
      kvTable('Head', {
        'Number of series': hs.numSeries,
        'Number of chunks': hs.chunkCount,
        'Number of label pairs': hs.numLabelPairs,
        'Current min time': `${t(hs.minTime)} (${hs.minTime})`,
        'Current max time': `${t(hs.maxTime)} (${hs.maxTime})`,
      }),
      h(
        'div',
        { class: 'grid2' },
        statTable('Top 10 series count by metric names', 'Count', d.seriesCountByMetricName),
        statTable('Top 10 label names with value count', 'Count', d.labelValueCountByLabelName),
        statTable('Top 10 label names with high memory usage', 'Bytes', d.memoryInBytesByLabelName),
        statTable('Top 10 series count by label value pairs', 'Count', d.seriesCountByLabelValuePair),
      ),
    );
  });
}
