// The PromQL expression editor: a textarea with autocomplete (metric
// names, functions, aggregations, label names inside {...} and by(...),
// label values inside quotes) and an error line with a caret under the
// position the server's parser reports ("1:17: parse error: ...").
import * as api from './api';
import { h, clear, debounce } from './dom';

const FUNCTIONS = [
  'abs', 'absent', 'absent_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'avg_over_time',
  'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'cos', 'cosh', 'count_over_time', 'day_of_month',
  'day_of_week', 'day_of_year', 'days_in_month', 'deg', 'delta', 'deriv', 'exp', 'floor', 'histogram_avg',
  'histogram_count', 'histogram_fraction', 'histogram_quantile', 'histogram_stddev', 'histogram_stdvar',
  'histogram_sum', 'holt_winters', 'hour', 'idelta', 'increase', 'irate', 'label_join', 'label_replace',
  'last_over_time', 'ln', 'log10', 'log2', 'mad_over_time', 'max_over_time', 'min_over_time', 'minute',
  'month', 'pi', 'predict_linear', 'present_over_time', 'quantile_over_time', 'rad', 'rate', 'resets',
  'round', 'scalar', 'sgn', 'sin', 'sinh', 'sort', 'sort_by_label', 'sort_by_label_desc', 'sort_desc',
  'sqrt', 'stddev_over_time', 'stdvar_over_time', 'sum_over_time', 'tan', 'tanh', 'time', 'timestamp',
  'vector', 'year',
];
const AGGREGATIONS = [
  'sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile',
  'count_values', 'limitk', 'limit_ratio',
];
const KEYWORDS = ['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless'];

type Kind = 'metric' | 'function' | 'keyword' | 'label' | 'value';

interface Item {
  text: string;
  kind: Kind;
}

interface Context {
  kind: 'expr' | 'labelName' | 'labelValue';
  prefix: string; // text to replace, ending at the cursor
  metric?: string; // selector's metric name, if any
  label?: string; // for labelValue
  quote?: string; // for labelValue
}

// Works out what is being typed at `pos` in `text`.
export function completionContext(text: string, pos: number): Context {
  const before = text.slice(0, pos);
  let inStr = '';
  let strStart = -1;
  let braceStart = -1;
  for (let i = 0; i < before.length; i++) {
    const c = before[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === inStr) inStr = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      inStr = c;
      strStart = i;
    } else if (c === '{') braceStart = i;
    else if (c === '}') braceStart = -1;
  }
  const metricBefore = (i: number) => {
    const m = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*$/.exec(before.slice(0, i));
    return m ? m[1] : undefined;
  };
  if (braceStart >= 0) {
    const metric = metricBefore(braceStart);
    if (inStr) {
      const m = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*$/.exec(before.slice(0, strStart));
      if (m) return { kind: 'labelValue', prefix: before.slice(strStart + 1), metric, label: m[1], quote: inStr };
      return { kind: 'expr', prefix: '' };
    }
    const m = /(^|[{,\s])([a-zA-Z_][a-zA-Z0-9_]*)?$/.exec(before.slice(braceStart));
    if (m) return { kind: 'labelName', prefix: m[2] || '', metric };
    return { kind: 'expr', prefix: '' };
  }
  if (inStr) return { kind: 'expr', prefix: '' };
  const grouping = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)$/.exec(before);
  if (grouping) {
    const m = /([a-zA-Z_][a-zA-Z0-9_]*)?$/.exec(grouping[2]);
    return { kind: 'labelName', prefix: (m && m[1]) || '' };
  }
  const m = /([a-zA-Z_:][a-zA-Z0-9_:]*)$/.exec(before);
  return { kind: 'expr', prefix: m ? m[1] : '' };
}

function rank(items: Item[], prefix: string, max: number): Item[] {
  const p = prefix.toLowerCase();
  const starts: Item[] = [];
  const contains: Item[] = [];
  for (const it of items) {
    const t = it.text.toLowerCase();
    if (t === p) continue;
    if (t.startsWith(p)) starts.push(it);
    else if (p && t.includes(p)) contains.push(it);
    if (starts.length >= max) break;
  }
  return starts.concat(contains).slice(0, max);
}

// Position "line:col" from a server error message, or null.
export function errorPosition(msg: string): { line: number; col: number } | null {
  const m = /(\d+):(\d+): parse error/.exec(msg);
  return m ? { line: parseInt(m[1], 10), col: parseInt(m[2], 10) } : null;
}

export class ExprEditor {
  readonly el: HTMLElement;
  readonly input: HTMLTextAreaElement;
  private list: HTMLElement;
  private errorEl: HTMLElement;
  private items: Item[] = [];
  private active = 0;
  private ctx: Context | null = null;
  private seq = 0;

  constructor(value: string, private onSubmit: () => void) {
    this.input = h('textarea', {
      class: 'expr-input',
      rows: 1,
      spellcheck: 'false',
      autocomplete: 'off',
      placeholder: 'Expression (press Shift+Enter for newlines)',
    });
    this.input.value = value;
    this.list = h('ul', { class: 'autocomplete', role: 'listbox', style: 'display:none' });
    this.errorEl = h('div', { class: 'expr-error', style: 'display:none' });
    this.el = h('div', { class: 'expr-editor' }, this.input, this.list, this.errorEl);
    const check = debounce(() => this.checkSyntax(), 400);
    this.input.addEventListener('input', () => {
      this.autosize();
      this.complete();
      check();
    });
    this.input.addEventListener('keydown', (e) => this.onKey(e));
    this.input.addEventListener('blur', () => setTimeout(() => this.hideList(), 150));
    requestAnimationFrame(() => this.autosize());
  }

  get value(): string {
    return this.input.value;
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = Math.min(this.input.scrollHeight + 2, 300) + 'px';
  }

  private onKey(e: KeyboardEvent): void {
    const open = this.list.style.display !== 'none' && this.items.length > 0;
    if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : this.items.length - 1)) % this.items.length;
      this.renderList();
      return;
    }
    if (open && (e.key === 'Tab' || (e.key === 'Enter' && !e.shiftKey))) {
      e.preventDefault();
      this.accept(this.items[this.active]);
      return;
    }
    if (e.key === 'Escape') {
      this.hideList();
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      this.hideList();
      this.onSubmit();
    }
  }

  private hideList(): void {
    this.list.style.display = 'none';
    this.items = [];
  }

  private async complete(): Promise<void> {
    const seq = ++this.seq;
    const ctx = completionContext(this.input.value, this.input.selectionStart ?? this.input.value.length);
    let items: Item[] = [];
    try {
      if (ctx.kind === 'labelValue' && ctx.label) {
        const vals = await api.labelValues(ctx.label, ctx.metric);
        items = rank(vals.map((v) => ({ text: v, kind: 'value' as Kind })), ctx.prefix, 50);
      } else if (ctx.kind === 'labelName') {
        const names = await api.labelNames(ctx.metric);
        items = rank(names.filter((n) => n !== '__name__').map((n) => ({ text: n, kind: 'label' as Kind })), ctx.prefix, 50);
      } else if (ctx.prefix.length > 0) {
        const names = await api.metricNames();
        const all: Item[] = [
          ...AGGREGATIONS.map((t) => ({ text: t, kind: 'function' as Kind })),
          ...FUNCTIONS.map((t) => ({ text: t, kind: 'function' as Kind })),
          ...KEYWORDS.map((t) => ({ text: t, kind: 'keyword' as Kind })),
          ...names.map((t) => ({ text: t, kind: 'metric' as Kind })),
        ];
        items = rank(all, ctx.prefix, 50);
      }
    } catch {
      items = [];
    }
    if (seq !== this.seq) return; // a newer keystroke won
    this.ctx = ctx;
    this.items = items;
    this.active = 0;
    this.renderList();
  }

  private renderList(): void {
    clear(this.list);
    if (this.items.length === 0 || document.activeElement !== this.input) {
      this.list.style.display = 'none';
      return;
    }
    this.items.forEach((it, i) => {
      const li = h(
        'li',
        { class: 'ac-item' + (i === this.active ? ' active' : ''), role: 'option', 'data-kind': it.kind },
        h('span', { class: 'ac-text' }, it.text),
        h('span', { class: 'ac-kind' }, it.kind),
      );
      li.addEventListener('mousedown', (e) => {
        e.preventDefault();
        this.accept(it);
      });
      this.list.appendChild(li);
    });
    this.list.style.display = 'block';
    (this.list.children[this.active] as HTMLElement | undefined)?.scrollIntoView({ block: 'nearest' });
  }

  private accept(it: Item): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const pos = this.input.selectionStart ?? this.input.value.length;
    const v = this.input.value;
    let insert = it.text;
    const after = v.slice(pos);
    if (it.kind === 'function' && !after.startsWith('(')) insert += '(';
    if (it.kind === 'value' && ctx.quote) {
      insert = it.text.replace(/\\/g, '\\\\').replace(new RegExp(ctx.quote, 'g'), '\\' + ctx.quote);
      if (!after.startsWith(ctx.quote)) insert += ctx.quote;
    }
    const start = pos - ctx.prefix.length;
    this.input.value = v.slice(0, start) + insert + after;
    const caret = start + insert.length;
    this.input.setSelectionRange(caret, caret);
    this.hideList();
    this.autosize();
    this.input.focus();
  }

  // Asks the server's parser; shows or clears the error.
  private async checkSyntax(): Promise<void> {
    const q = this.input.value.trim();
    if (!q) return this.setError(null);
    try {
      await api.get('parse_query', { query: this.input.value });
      if (this.input.value.trim() === q) this.setError(null);
    } catch (e) {
      if (e instanceof api.APIError && e.errorType === 'bad_data' && this.input.value.trim() === q) {
        this.setError(e.message);
      }
    }
  }

  // Shows `msg` under the input, with the offending line and a caret under
  // the reported column when the message carries a position.
  setError(msg: string | null): void {
    clear(this.errorEl);
    this.input.classList.toggle('invalid', !!msg);
    if (!msg) {
      this.errorEl.style.display = 'none';
      return;
    }
    const pos = errorPosition(msg);
    if (pos) {
      const line = this.input.value.split('\n')[pos.line - 1] ?? '';
      const col = Math.max(1, Math.min(pos.col, line.length + 1));
      this.errorEl.appendChild(
        h('pre', { class: 'error-at' }, line + '\n' + ' '.repeat(col - 1) + '^'),
      );
    }
    this.errorEl.appendChild(h('div', { class: 'error-msg' }, msg.replace(/^invalid parameter "query": /, '')));
    this.errorEl.style.display = 'block';
  }
}
