// The expression browser: panels, each with an editor, Table and Graph
// tabs, range / end / resolution controls and stacked mode. The state of
// every panel lives in the URL (g0.expr=...&g0.tab=graph&g0.range_input=1h
// ...), as in Prometheus, so a link reproduces the page.
import * as api from '../api';
import { Chart, alignMatrix } from '../chart';
import { h, clear, errorBox } from '../dom';
import { ExprEditor } from '../editor';
import { formatDuration, formatTime, parseDuration, seriesName } from '../format';

interface PanelState {
  expr: string;
  tab: 'table' | 'graph';
  range: string; // "1h"
  end: string; // "" (now) or ms since epoch
  step: string; // "" (auto) or seconds
  stacked: boolean;
  unit: string; // y axis unit, see UNITS
}

const UNITS = ['short', 'none', 'percent', 'percentunit', 'bytes', 'bytes/s', 'bits/s', 'seconds', 'milliseconds', 'ops/s', 'reqs/s', 'bool'];

const RANGES = ['1m', '5m', '15m', '30m', '1h', '2h', '6h', '12h', '1d', '2d', '1w', '2w', '4w', '8w'];
const MAX_TABLE_ROWS = 2000;

function defaults(): PanelState {
  return { expr: '', tab: 'table', range: '1h', end: '', step: '', stacked: false, unit: 'short' };
}

export function readState(search: string): PanelState[] {
  const sp = new URLSearchParams(search);
  const panels: PanelState[] = [];
  for (let i = 0; i < 50; i++) {
    const p = `g${i}.`;
    if (!sp.has(p + 'expr')) break;
    const tab = sp.get(p + 'tab');
    panels.push({
      expr: sp.get(p + 'expr') || '',
      tab: tab === 'graph' || tab === '0' ? 'graph' : 'table',
      range: sp.get(p + 'range_input') || '1h',
      end: sp.get(p + 'end_input') || sp.get(p + 'moment_input') || '',
      step: sp.get(p + 'step_input') || '',
      stacked: sp.get(p + 'stacked') === '1',
      unit: UNITS.includes(sp.get(p + 'unit') || '') ? sp.get(p + 'unit')! : 'short',
    });
  }
  return panels.length ? panels : [defaults()];
}

function writeState(panels: PanelState[]): void {
  const sp = new URLSearchParams();
  panels.forEach((s, i) => {
    const p = `g${i}.`;
    sp.set(p + 'expr', s.expr);
    sp.set(p + 'tab', s.tab);
    sp.set(p + 'range_input', s.range);
    if (s.end) sp.set(p + 'end_input', s.end);
    if (s.step) sp.set(p + 'step_input', s.step);
    if (s.stacked) sp.set(p + 'stacked', '1');
    if (s.unit !== 'short') sp.set(p + 'unit', s.unit);
  });
  history.replaceState(null, '', location.pathname + '?' + sp.toString());
}

function parseEnd(s: string): number | null {
  if (!s) return null;
  if (/^\d+$/.test(s)) return parseInt(s, 10);
  const t = Date.parse(s);
  return isNaN(t) ? null : t;
}

function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 19);
}

class Panel {
  readonly el: HTMLElement;
  private editor: ExprEditor;
  private body: HTMLElement;
  private info: HTMLElement;
  private chart: Chart | null = null;
  private abort: AbortController | null = null;
  private tabs: Record<'table' | 'graph', HTMLElement>;
  private controls: HTMLElement;
  private graphOnly!: HTMLElement;
  private graphOnly2!: HTMLElement;
  private rangeInput: HTMLInputElement;
  private endInput: HTMLInputElement;
  private stepInput: HTMLInputElement;
  private stackedInput: HTMLInputElement;
  private unitSelect: HTMLSelectElement;

  constructor(public state: PanelState, private changed: () => void, private remove: () => void) {
    this.editor = new ExprEditor(state.expr, () => this.execute());
    this.body = h('div', { class: 'panel-body' });
    this.info = h('span', { class: 'muted panel-info' });
    this.tabs = {
      table: h('button', { class: 'tab', onclick: () => this.setTab('table') }, 'Table'),
      graph: h('button', { class: 'tab', onclick: () => this.setTab('graph') }, 'Graph'),
    };
    this.rangeInput = h('input', { class: 'range-input', value: state.range, size: 5, title: 'Range, e.g. 1h, 30m, 2d' });
    this.rangeInput.addEventListener('change', () => this.execute());
    this.endInput = h('input', { type: 'datetime-local', step: '1', class: 'end-input', title: 'End time (empty: now)' });
    const end = parseEnd(state.end);
    if (end !== null) this.endInput.value = toLocalInput(end);
    this.endInput.addEventListener('change', () => this.execute());
    this.stepInput = h('input', { class: 'step-input', value: state.step, size: 6, placeholder: 'auto', title: 'Resolution in seconds' });
    this.stepInput.addEventListener('change', () => this.execute());
    this.unitSelect = h('select', { class: 'unit-select', title: 'Unit of the y axis' }, UNITS.map((u) => h('option', { value: u }, u)));
    this.unitSelect.value = state.unit;
    this.unitSelect.addEventListener('change', () => {
      this.state.unit = this.unitSelect.value;
      this.changed();
      this.chart?.setUnit(this.state.unit);
    });
    this.stackedInput = h('input', { type: 'checkbox', checked: state.stacked });
    this.stackedInput.addEventListener('change', () => {
      this.state.stacked = this.stackedInput.checked;
      this.changed();
      this.chart?.setStacked(this.state.stacked);
    });
    const stepRange = (dir: number) => {
      const cur = parseDuration(this.rangeInput.value) ?? 3600_000;
      const idx = RANGES.map((r) => parseDuration(r)!).findIndex((r) => r >= cur);
      const i = Math.max(0, Math.min(RANGES.length - 1, (idx < 0 ? RANGES.length - 1 : idx) + dir));
      this.rangeInput.value = RANGES[i];
      this.execute();
    };
    this.graphOnly = h(
      'span',
      { class: 'graph-only' },
      h('button', { class: 'btn small', title: 'Shorter range', onclick: () => stepRange(-1) }, '−'),
      this.rangeInput,
      h('button', { class: 'btn small', title: 'Longer range', onclick: () => stepRange(1) }, '+'),
    );
    this.graphOnly2 = h(
      'span',
      { class: 'graph-only' },
      h('label', null, ' res. ', this.stepInput, ' s'),
      h('label', { class: 'stacked' }, this.stackedInput, ' stacked'),
      h('label', null, ' unit ', this.unitSelect),
    );
    this.controls = h(
      'div',
      { class: 'graph-controls' },
      this.graphOnly,
      h('label', null, ' at/until ', this.endInput),
      h('button', { class: 'btn small', title: 'Now', onclick: () => { this.endInput.value = ''; this.execute(); } }, 'now'),
      this.graphOnly2,
    );
    this.el = h(
      'section',
      { class: 'panel query-panel' },
      h(
        'div',
        { class: 'panel-top' },
        this.editor.el,
        h('button', { class: 'btn primary execute', onclick: () => this.execute() }, 'Execute'),
        h('button', { class: 'btn small remove', title: 'Remove panel', onclick: () => this.remove() }, '×'),
      ),
      h('div', { class: 'tabs' }, this.tabs.table, this.tabs.graph, this.info),
      this.controls,
      this.body,
    );
    this.setTab(state.tab, false);
  }

  private setTab(tab: 'table' | 'graph', run = true): void {
    this.state.tab = tab;
    this.tabs.table.classList.toggle('active', tab === 'table');
    this.tabs.graph.classList.toggle('active', tab === 'graph');
    this.changed();
    if (run && this.editor.value.trim()) this.execute();
    else this.updateControls();
  }

  private updateControls(): void {
    const show = this.state.tab === 'graph' ? '' : 'none';
    this.graphOnly.style.display = show;
    this.graphOnly2.style.display = show;
  }

  destroy(): void {
    this.abort?.abort();
    this.chart?.destroy();
  }

  async execute(): Promise<void> {
    this.updateControls();
    const expr = this.editor.value;
    this.state.expr = expr;
    this.state.range = this.rangeInput.value;
    this.state.step = this.stepInput.value.trim();
    this.state.end = this.endInput.value ? String(new Date(this.endInput.value).getTime()) : '';
    this.changed();
    if (!expr.trim()) return;
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.editor.setError(null);
    const t0 = performance.now();
    this.info.textContent = 'Loading…';
    const endMs = parseEnd(this.state.end) ?? Date.now();
    try {
      if (this.state.tab === 'table') {
        const data = await api.query(expr, endMs / 1000, abort.signal);
        if (abort.signal.aborted) return;
        this.chart?.destroy();
        this.chart = null;
        this.renderTable(data);
      } else {
        const rangeMs = parseDuration(this.state.range);
        if (rangeMs === null) throw new api.APIError(`bad range "${this.state.range}"`, 'bad_data');
        const rangeS = rangeMs / 1000;
        let step = parseFloat(this.state.step);
        if (!(step > 0)) step = Math.max(1, Math.round(rangeS / 250));
        const end = Math.floor(endMs / 1000);
        const start = end - rangeS;
        const data = await api.queryRange(expr, start, end, step, abort.signal);
        if (abort.signal.aborted) return;
        this.renderGraph(data, start, end, step);
      }
      this.info.textContent = `Load time: ${Math.round(performance.now() - t0)}ms`;
    } catch (e) {
      if (abort.signal.aborted) return;
      const msg = e instanceof Error ? e.message : String(e);
      this.info.textContent = '';
      clear(this.body);
      this.chart?.destroy();
      this.chart = null;
      this.editor.setError(msg);
    }
  }

  private renderTable(data: api.QueryData): void {
    clear(this.body);
    const table = h('table', { class: 'data-table' });
    const tbody = h('tbody');
    table.appendChild(tbody);
    let total = 0;
    const row = (name: string, value: string | Node) =>
      tbody.appendChild(h('tr', null, h('td', { class: 'series' }, name), h('td', { class: 'value' }, value)));
    switch (data.resultType) {
      case 'vector':
        total = data.result.length;
        for (const s of data.result.slice(0, MAX_TABLE_ROWS)) row(seriesName(s.metric), s.value[1]);
        break;
      case 'matrix':
        total = data.result.length;
        for (const s of data.result.slice(0, MAX_TABLE_ROWS)) {
          row(seriesName(s.metric), h('div', { class: 'matrix-values' }, s.values.map(([t, v]) => h('div', null, `${v} @${t}`))));
        }
        break;
      case 'scalar':
      case 'string':
        total = 1;
        row(data.resultType, data.result[1]);
        break;
    }
    if (total === 0) {
      this.body.appendChild(h('div', { class: 'muted empty' }, 'Empty query result'));
      return;
    }
    this.body.appendChild(table);
    if (total > MAX_TABLE_ROWS) {
      this.body.appendChild(h('div', { class: 'muted' }, `Showing ${MAX_TABLE_ROWS} of ${total} series.`));
    }
  }

  private renderGraph(data: api.QueryData, start: number, end: number, step: number): void {
    if (data.resultType !== 'matrix') {
      clear(this.body);
      this.chart?.destroy();
      this.chart = null;
      this.body.appendChild(errorBox(`A graph needs a range vector; the query returned a ${data.resultType}.`));
      return;
    }
    const aligned = alignMatrix(data.result, start, end, step);
    if (!this.chart) {
      clear(this.body);
      this.chart = new Chart(this.body, { stacked: this.state.stacked, unit: this.state.unit, height: 340, empty: 'Empty query result' });
    }
    this.chart.setData(aligned.timestamps, aligned.series);
    this.info.title = `step ${formatDuration(step * 1000)}, ${formatTime(start * 1000)} – ${formatTime(end * 1000)}`;
  }
}

export function renderQuery(root: HTMLElement): void {
  const states = readState(location.search);
  const panels: Panel[] = [];
  const list = h('div', { class: 'panels' });
  const sync = () => writeState(panels.map((p) => p.state));
  const add = (s: PanelState, run: boolean) => {
    const p: Panel = new Panel(s, sync, () => {
      const i = panels.indexOf(p);
      if (i < 0) return;
      panels.splice(i, 1);
      p.destroy();
      p.el.remove();
      if (panels.length === 0) add(defaults(), false);
      sync();
    });
    panels.push(p);
    list.appendChild(p.el);
    if (run && s.expr.trim()) void p.execute();
    return p;
  };
  for (const s of states) add(s, true);
  root.append(
    h('h1', null, 'Query'),
    list,
    h('button', { class: 'btn add-panel', onclick: () => { add(defaults(), false); sync(); } }, 'Add panel'),
  );
  sync();
}
