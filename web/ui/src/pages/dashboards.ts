// Dashboards: the list (/dashboards) and one dashboard (/dashboards/<name>):
// variable pickers filled from label values, a range picker, and rows of
// graph and stat panels, each running its PromQL over the range. Panels
// carry data-state (loading|ok|empty|error) and data-series (count) so
// tests and users can tell what each one drew.
import * as api from '../api';
import { Chart, alignMatrix, ChartSeries } from '../chart';
import { h, append, clear, errorBox, loading } from '../dom';
import { formatValue, parseDuration } from '../format';
import { ALL, substitute } from '../variables';

interface Query {
  expr: string;
  legend: string;
}
interface Panel {
  title: string;
  type: 'graph' | 'stat';
  unit: string;
  stacked: boolean;
  description: string;
  queries: Query[];
}
interface Variable {
  name: string;
  label: string;
  match: string;
  all: boolean;
}
interface Dashboard {
  name: string;
  title: string;
  description: string;
  time: string;
  refresh: string;
  variables: Variable[];
  rows: { title: string; panels: Panel[] }[];
}

const RANGES = ['5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '2d', '1w'];

export async function renderDashboardList(root: HTMLElement): Promise<void> {
  const body = h('div', null, loading());
  root.append(h('h1', null, 'Dashboards'), body);
  try {
    const list = await api.get<{ name: string; title: string; source: string; error: string }[]>('dashboards');
    clear(body);
    if (list.length === 0) body.appendChild(h('div', { class: 'muted' }, 'No dashboards. Add YAML files to --web.dashboards.dir.'));
    body.appendChild(
      h(
        'ul',
        { class: 'dashboard-list panel' },
        list.map((d) =>
          h(
            'li',
            null,
            h('a', { href: 'dashboards/' + encodeURIComponent(d.name) }, d.title || d.name),
            h('span', { class: 'muted' }, ` ${d.name}.yml (${d.source})`),
            d.error ? h('div', { class: 'error-text' }, d.error) : null,
          ),
        ),
      ),
    );
  } catch (e) {
    clear(body);
    body.appendChild(errorBox((e as Error).message));
  }
}

export async function renderDashboard(root: HTMLElement, name: string): Promise<void> {
  const body = h('div', null, loading());
  root.appendChild(body);
  let d: Dashboard;
  try {
    d = await api.get<Dashboard>('dashboards/' + encodeURIComponent(name));
  } catch (e) {
    clear(body);
    body.append(h('h1', null, 'Dashboard ' + name), errorBox((e as Error).message));
    return;
  }
  clear(body);
  document.title = d.title + ' · ' + document.title;
  const sp = new URLSearchParams(location.search);
  const values: Record<string, string> = {};
  const offered: Record<string, string[]> = {};
  let range = sp.get('range') || d.time || '1h';

  const rangeSel = h('select', { class: 'range-select' }, [...new Set([...RANGES, range])].map((r) => h('option', { value: r }, r)));
  rangeSel.value = range;
  const varBar = h('div', { class: 'variables' });
  const rowsEl = h('div', { class: 'dash-rows' });
  const refreshBtn = h('button', { class: 'btn small' }, 'Refresh');
  append(
    body,
    [
      h('div', { class: 'dash-head' }, h('h1', null, d.title), h('div', { class: 'toolbar' }, varBar, h('label', null, 'range ', rangeSel), refreshBtn)),
      d.description ? h('p', { class: 'muted' }, d.description) : null,
      rowsEl,
    ],
  );

  const saveState = () => {
    const q = new URLSearchParams();
    for (const v of d.variables) q.set('var-' + v.name, values[v.name]);
    q.set('range', range);
    history.replaceState(null, '', location.pathname + '?' + q.toString());
  };

  // Variables: fill each select from label values.
  const selects: HTMLSelectElement[] = [];
  for (const v of d.variables) {
    const sel = h('select', { class: 'var-select', 'data-var': v.name });
    selects.push(sel);
    varBar.appendChild(h('label', null, v.name + ' ', sel));
    let opts: string[] = [];
    try {
      opts = await api.labelValues(v.label, v.match ? substitute(v.match, values, offered) : undefined);
    } catch {
      opts = [];
    }
    offered[v.name] = opts;
    if (v.all) sel.appendChild(h('option', { value: ALL }, 'All'));
    for (const o of opts) sel.appendChild(h('option', { value: o }, o));
    const want = sp.get('var-' + v.name);
    values[v.name] = want !== null && (want === ALL ? v.all : opts.includes(want)) ? want : v.all ? ALL : opts[0] ?? '';
    sel.value = values[v.name];
    sel.addEventListener('change', () => {
      values[v.name] = sel.value;
      draw();
    });
  }

  interface Slot {
    p: Panel;
    el: HTMLElement;
    content: HTMLElement; // stat values, or the chart's parent
    err: HTMLElement;
    chart: Chart | null;
    seq: number; // the newest run; older answers are dropped
  }

  const runPanel = async (slot: Slot) => {
    const { p, el, content, err, chart } = slot;
    const seq = ++slot.seq;
    el.dataset.state = 'loading';
    const rangeMs = parseDuration(range) ?? 3600_000;
    const end = Math.floor(Date.now() / 1000);
    const start = end - rangeMs / 1000;
    const step = Math.max(1, Math.round(rangeMs / 1000 / 200));
    try {
      const results = await Promise.all(
        p.queries.map((q) => api.queryRange(substitute(q.expr, values, offered), start, end, step).then((r) => ({ q, r }))),
      );
      if (seq !== slot.seq) return;
      let timestamps: number[] = [];
      const series: ChartSeries[] = [];
      for (const { q, r } of results) {
        if (r.resultType !== 'matrix') continue;
        const a = alignMatrix(r.result, start, end, step, q.legend);
        timestamps = a.timestamps;
        series.push(...a.series);
      }
      // Series with at least one value (NaN-only series draw nothing).
      const drawn = series.filter((s) => s.values.some((v) => v !== null)).length;
      el.dataset.series = String(drawn);
      el.dataset.state = drawn ? 'ok' : 'empty';
      err.style.display = 'none';
      content.style.display = '';
      if (p.type === 'stat') {
        clear(content);
        if (!series.length) content.appendChild(h('div', { class: 'muted stat-empty' }, 'No data'));
        for (const s of series.slice(0, 6)) {
          let last: number | null = null;
          for (let i = s.values.length - 1; i >= 0; i--) {
            if (s.values[i] !== null) {
              last = s.values[i];
              break;
            }
          }
          content.appendChild(
            h('div', { class: 'stat' }, h('div', { class: 'stat-value' }, formatValue(last, p.unit)), series.length > 1 ? h('div', { class: 'stat-name muted' }, s.name) : null),
          );
        }
      } else {
        chart!.setData(timestamps, series);
      }
    } catch (e) {
      if (seq !== slot.seq) return;
      el.dataset.state = 'error';
      content.style.display = 'none';
      clear(err);
      err.appendChild(errorBox((e as Error).message));
      err.style.display = '';
    }
  };

  // Panels are built once; a range or variable change re-runs their queries.
  const slots: Slot[] = [];
  for (const row of d.rows) {
    const grid = h('div', { class: 'dash-row-panels' });
    rowsEl.appendChild(h('section', { class: 'dash-row' }, row.title ? h('h2', null, row.title) : null, grid));
    for (const p of row.panels) {
      const content = h('div', { class: 'dash-panel-content' });
      const err = h('div', { style: 'display:none' });
      const el = h(
        'div',
        { class: `panel dash-panel type-${p.type}`, 'data-title': p.title, title: p.description || null },
        h('h3', null, p.title),
        content,
        err,
      );
      grid.appendChild(el);
      const chart = p.type === 'graph' ? new Chart(content, { unit: p.unit, stacked: p.stacked, height: 200 }) : null;
      slots.push({ p, el, content, err, chart, seq: 0 });
    }
  }

  const draw = () => {
    saveState();
    for (const slot of slots) void runPanel(slot);
  };

  rangeSel.addEventListener('change', () => {
    range = rangeSel.value;
    draw();
  });
  refreshBtn.addEventListener('click', draw);
  const refreshMs = d.refresh ? parseDuration(d.refresh) : null;
  if (refreshMs) setInterval(() => { if (!document.hidden) draw(); }, Math.max(5000, refreshMs));
  draw();
}
