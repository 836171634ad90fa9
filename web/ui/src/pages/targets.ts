// Targets, grouped by scrape pool: state, labels after relabeling (and the
// discovered labels before it, on demand), last scrape, duration, error.
import * as api from '../api';
import { h, clear, errorBox, loading } from '../dom';
import { ago, formatSeconds } from '../format';

interface Target {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  health: 'up' | 'down' | 'unknown';
  scrapeInterval?: string;
  scrapeTimeout?: string;
}

interface TargetsData {
  activeTargets: Target[];
  droppedTargets?: { discoveredLabels: Record<string, string> }[];
}

export function labelBadges(ls: Record<string, string>): HTMLElement {
  return h(
    'div',
    { class: 'labels' },
    Object.keys(ls)
      .sort()
      .map((k) => h('span', { class: 'label-badge' }, `${k}="${ls[k]}"`)),
  );
}

export async function renderTargets(root: HTMLElement): Promise<void> {
  const unhealthyOnly = h('input', { type: 'checkbox', id: 'unhealthy-only' });
  const filter = h('input', { class: 'filter', placeholder: 'Filter by endpoint or labels' });
  const body = h('div', null, loading());
  root.append(
    h('h1', null, 'Targets'),
    h('div', { class: 'toolbar' }, filter, h('label', null, unhealthyOnly, ' unhealthy only')),
    body,
  );
  let data: TargetsData;
  try {
    data = await api.get<TargetsData>('targets', { state: 'active' });
  } catch (e) {
    clear(body);
    body.appendChild(errorBox(String((e as Error).message)));
    return;
  }
  const draw = () => {
    clear(body);
    const f = filter.value.toLowerCase();
    const pools = new Map<string, Target[]>();
    for (const t of data.activeTargets) {
      if (!pools.has(t.scrapePool)) pools.set(t.scrapePool, []);
      pools.get(t.scrapePool)!.push(t);
    }
    if (pools.size === 0) body.appendChild(h('div', { class: 'muted' }, 'No targets.'));
    for (const name of [...pools.keys()].sort()) {
      const all = pools.get(name)!;
      const up = all.filter((t) => t.health === 'up').length;
      const shown = all.filter(
        (t) =>
          (!unhealthyOnly.checked || t.health !== 'up') &&
          (!f || (t.scrapeUrl + JSON.stringify(t.labels)).toLowerCase().includes(f)),
      );
      if (shown.length === 0) continue;
      shown.sort((a, b) => (a.scrapeUrl < b.scrapeUrl ? -1 : a.scrapeUrl > b.scrapeUrl ? 1 : 0));
      const rows = shown.map((t) =>
        h(
          'tr',
          { class: 'target', 'data-health': t.health },
          h('td', null, h('a', { href: t.scrapeUrl, rel: 'noreferrer' }, t.scrapeUrl)),
          h('td', null, h('span', { class: `state state-${t.health}` }, t.health.toUpperCase())),
          h(
            'td',
            null,
            labelBadges(t.labels),
            h('details', { class: 'discovered' }, h('summary', null, 'before relabeling'), labelBadges(t.discoveredLabels)),
          ),
          h('td', { title: t.lastScrape }, ago(t.lastScrape)),
          h('td', null, formatSeconds(t.lastScrapeDuration)),
          h('td', { class: 'error-text' }, t.lastError),
        ),
      );
      body.appendChild(
        h(
          'section',
          { class: 'panel pool', 'data-pool': name },
          h('h2', null, name, ' ', h('span', { class: up === all.length ? 'count ok' : 'count bad' }, `(${up}/${all.length} up)`)),
          h(
            'table',
            { class: 'data-table targets-table' },
            h('colgroup', null, ['22%', '7%', '31%', '9%', '9%', '22%'].map((w) => h('col', { style: `width:${w}` }))),
            h('thead', null, h('tr', null, ['Endpoint', 'State', 'Labels', 'Last scrape', 'Scrape duration', 'Error'].map((c) => h('th', null, c)))),
            h('tbody', null, rows),
          ),
        ),
      );
    }
  };
  filter.addEventListener('input', draw);
  unhealthyOnly.addEventListener('change', draw);
  draw();
}
