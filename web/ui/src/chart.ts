// Time-series chart on uPlot: time axis, unit-formatted y axis, a legend
// whose entries toggle series, a hover tooltip listing the series values at
// the cursor, and stacked mode. Built for up to thousands of series: the
// legend and tooltip are our own light DOM (uPlot's legend table is off),
// hover points are off beyond 30 series, and toggling redraws once.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartSeries } from './series';
import { h, clear } from './dom';
import { formatValue, formatTime } from './format';

export { alignMatrix } from './series';
export type { ChartSeries } from './series';

export interface ChartOptions {
  unit?: string;
  stacked?: boolean;
  height?: number;
  // Called with a message when there is nothing to draw.
  empty?: string;
}

const TOOLTIP_MAX = 25;

export function color(i: number, alpha = 1): string {
  // Golden-angle hues give neighbours distinct colours.
  const hue = (i * 137.508 + 210) % 360;
  const light = 42 + ((i * 7) % 3) * 8;
  return `hsla(${hue.toFixed(0)}, 70%, ${light}%, ${alpha})`;
}

// Tick labels for a time axis (seconds): dates only when ticks are a day
// or more apart, seconds only when they are less than a minute apart.
function timeLabels(splits: number[], incr: number): string[] {
  const p = (n: number) => String(n).padStart(2, '0');
  return splits.map((t) => {
    const d = new Date(t * 1000);
    const hm = `${p(d.getHours())}:${p(d.getMinutes())}`;
    if (incr >= 86400) return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
    if (incr >= 3600 * 6 || (d.getHours() === 0 && d.getMinutes() === 0 && incr >= 3600)) {
      return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${hm}`;
    }
    if (incr < 60) return `${hm}:${p(d.getSeconds())}`;
    return hm;
  });
}

export class Chart {
  private root: HTMLElement;
  private plotEl: HTMLElement;
  private legendEl: HTMLElement;
  private tooltip: HTMLElement;
  private plot: uPlot | null = null;
  private series: ChartSeries[] = [];
  private timestamps: number[] = [];
  private shown: boolean[] = [];
  private opts: ChartOptions;
  private resize: ResizeObserver;

  constructor(parent: HTMLElement, opts: ChartOptions = {}) {
    this.opts = opts;
    this.plotEl = h('div', { class: 'chart-plot' });
    this.tooltip = h('div', { class: 'chart-tooltip', style: 'display:none' });
    this.legendEl = h('div', { class: 'chart-legend' });
    this.root = h('div', { class: 'chart' }, this.plotEl, this.tooltip, this.legendEl);
    parent.appendChild(this.root);
    this.resize = new ResizeObserver(() => {
      if (this.plot) this.plot.setSize(this.size());
    });
    this.resize.observe(this.root);
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = null;
    this.root.remove();
  }

  setStacked(stacked: boolean): void {
    this.opts.stacked = stacked;
    this.render();
  }

  setUnit(unit: string): void {
    this.opts.unit = unit;
    this.render();
  }

  setData(timestamps: number[], series: ChartSeries[]): void {
    // Keep series the user hid hidden across refreshes (matched by name).
    const hidden = new Set(this.series.filter((_, i) => !this.shown[i]).map((s) => s.name));
    this.timestamps = timestamps;
    this.series = series;
    this.shown = series.map((s) => !hidden.has(s.name));
    this.render();
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(200, this.root.clientWidth || 600), height: this.opts.height ?? 300 };
  }

  // Plotted arrays: raw values, or running sums of the shown series.
  private data(): uPlot.AlignedData {
    const cols: (number | null)[][] = [];
    if (!this.opts.stacked) {
      for (const s of this.series) cols.push(s.values);
    } else {
      const n = this.timestamps.length;
      const acc = new Array<number>(n).fill(0);
      const any = new Array<boolean>(n).fill(false);
      for (let i = 0; i < this.series.length; i++) {
        const v = this.series[i].values;
        const out = new Array<number | null>(n);
        if (this.shown[i]) {
          for (let j = 0; j < n; j++) {
            const x = v[j];
            if (x !== null && Number.isFinite(x)) {
              acc[j] += x;
              any[j] = true;
            }
          }
        }
        for (let j = 0; j < n; j++) out[j] = any[j] ? acc[j] : null;
        cols.push(out);
      }
    }
    return [this.timestamps, ...cols] as uPlot.AlignedData;
  }

  private render(): void {
    this.plot?.destroy();
    this.plot = null;
    clear(this.plotEl);
    clear(this.legendEl);
    this.tooltip.style.display = 'none';
    if (this.series.length === 0) {
      this.plotEl.appendChild(h('div', { class: 'chart-empty muted' }, this.opts.empty ?? 'No data'));
      return;
    }
    const unit = this.opts.unit ?? 'short';
    const stacked = !!this.opts.stacked;
    const many = this.series.length > 30;
    const series: uPlot.Series[] = [{}];
    this.series.forEach((s, i) => {
      series.push({
        label: s.name,
        stroke: color(i),
        width: many ? 1 : 1.5,
        fill: stacked ? color(i, 0.35) : undefined,
        show: this.shown[i],
        spanGaps: false,
        // Few series: uPlot shows points where data is sparse (isolated
        // samples); many series: never (cost).
        points: many ? { show: false } : {},
      });
    });
    const bands: uPlot.Band[] = [];
    if (stacked) {
      // Fill each series down to the one below it (the previous shown one).
      let prev = -1;
      for (let i = 0; i < this.series.length; i++) {
        if (!this.shown[i]) continue;
        if (prev >= 0) bands.push({ series: [i + 1, prev + 1] });
        prev = i;
      }
    }
    const opts: uPlot.Options = {
      ...this.size(),
      series,
      bands,
      legend: { show: false },
      cursor: {
        points: { show: !many },
        drag: { x: true, y: false },
        focus: { prox: many ? -1 : 16 },
      },
      scales: {
        x: { time: true },
        // A flat line (all values equal) sits in the middle, not on an edge.
        y: {
          range: (_u, min, max) => {
            if (min === null || max === null) return [0, 1];
            if (min === max) {
              const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
              return [min - pad, max + pad];
            }
            return uPlot.rangeNum(min, max, 0.1, true);
          },
        },
      },
      axes: [
        {
          stroke: '#555',
          grid: { stroke: '#eee' },
          ticks: { stroke: '#ddd' },
          space: 64,
          values: (_u, splits, _i, _space, incr) => timeLabels(splits, incr),
        },
        {
          stroke: '#555',
          // Wide enough for the longest label (about 8 px a character).
          size: (_u, values) => Math.max(40, 24 + 8 * Math.max(0, ...(values || []).map((v) => v.length))),
          grid: { stroke: '#eee' },
          ticks: { stroke: '#ddd' },
          values: (_u, splits) => splits.map((v) => formatValue(v, unit)),
        },
      ],
      hooks: {
        setCursor: [(u) => this.updateTooltip(u)],
      },
    };
    this.plot = new uPlot(opts, this.data(), this.plotEl);
    this.plotEl.addEventListener('mouseleave', () => (this.tooltip.style.display = 'none'));
    this.renderLegend();
  }

  private renderLegend(): void {
    const items: HTMLElement[] = [];
    this.series.forEach((s, i) => {
      const item = h(
        'div',
        { class: 'legend-item' + (this.shown[i] ? '' : ' off'), title: 'click: show/hide; alt-click: only this one' },
        h('span', { class: 'swatch', style: `background:${color(i)}` }),
        h('span', { class: 'legend-name' }, s.name),
      );
      item.addEventListener('click', (ev) => this.toggle(i, ev.altKey || ev.metaKey));
      items.push(item);
    });
    this.legendEl.append(...items);
  }

  private toggle(i: number, only: boolean): void {
    if (only) {
      const alone = this.shown[i] && this.shown.every((v, j) => v === (j === i));
      this.shown = this.shown.map((_, j) => alone || j === i);
    } else {
      this.shown[i] = !this.shown[i];
    }
    if (this.opts.stacked) {
      this.render();
      return;
    }
    const u = this.plot;
    if (u) {
      u.batch(() => {
        this.shown.forEach((v, j) => {
          if (u.series[j + 1].show !== v) u.setSeries(j + 1, { show: v });
        });
      });
    }
    this.legendEl.querySelectorAll('.legend-item').forEach((el, j) => el.classList.toggle('off', !this.shown[j]));
  }

  private updateTooltip(u: uPlot): void {
    const idx = u.cursor.idx;
    const left = u.cursor.left ?? -1;
    if (idx === null || idx === undefined || left < 0) {
      this.tooltip.style.display = 'none';
      return;
    }
    const unit = this.opts.unit ?? 'short';
    const rows: { i: number; v: number }[] = [];
    for (let i = 0; i < this.series.length; i++) {
      if (!this.shown[i]) continue;
      const v = this.series[i].values[idx];
      if (v !== null && v !== undefined) rows.push({ i, v });
    }
    rows.sort((a, b) => b.v - a.v);
    clear(this.tooltip);
    this.tooltip.appendChild(h('div', { class: 'tt-time' }, formatTime(this.timestamps[idx] * 1000)));
    for (const r of rows.slice(0, TOOLTIP_MAX)) {
      this.tooltip.appendChild(
        h(
          'div',
          { class: 'tt-row' },
          h('span', { class: 'swatch', style: `background:${color(r.i)}` }),
          h('span', { class: 'tt-name' }, this.series[r.i].name),
          h('span', { class: 'tt-value' }, formatValue(r.v, unit)),
        ),
      );
    }
    if (rows.length > TOOLTIP_MAX) {
      this.tooltip.appendChild(h('div', { class: 'muted' }, `… and ${rows.length - TOOLTIP_MAX} more`));
    }
    if (rows.length === 0) this.tooltip.appendChild(h('div', { class: 'muted' }, 'no values'));
    this.tooltip.style.display = 'block';
    // Beside the cursor, flipped to the left on the right half.
    const over = u.over.getBoundingClientRect();
    const root = this.root.getBoundingClientRect();
    const x = over.left - root.left + left;
    const y = over.top - root.top + (u.cursor.top ?? 0);
    const w = this.tooltip.offsetWidth;
    this.tooltip.style.left = (x + 16 + w > root.width ? Math.max(0, x - 16 - w) : x + 16) + 'px';
    this.tooltip.style.top = Math.max(0, y - 10) + 'px';
  }
}
