// Alerts (alerting rules by state, with their active alerts) and Rules
// (every group: health, last evaluation, duration, error), from
// /api/v1/rules.
import * as api from '../api';
import { h, clear, errorBox, loading } from '../dom';
import { ago, formatSeconds, formatTime } from '../format';
import { labelBadges } from './targets';

interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt?: string;
  value: string;
}

interface Rule {
  name: string;
  query: string;
  type: 'alerting' | 'recording';
  health: string;
  lastError?: string;
  lastEvaluation: string;
  evaluationTime: number;
  state?: 'firing' | 'pending' | 'inactive' | 'unknown';
  duration?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  alerts?: Alert[];
}

interface Group {
  name: string;
  file: string;
  interval: number;
  rules: Rule[];
  lastEvaluation: string;
  evaluationTime: number;
}

async function loadGroups(body: HTMLElement, type?: string): Promise<Group[] | null> {
  try {
    const d = await api.get<{ groups: Group[] }>('rules', { type });
    clear(body);
    return d.groups;
  } catch (e) {
    clear(body);
    body.appendChild(errorBox((e as Error).message));
    return null;
  }
}

function exprLink(q: string): HTMLElement {
  return h('a', { class: 'expr', href: 'query?' + new URLSearchParams({ 'g0.expr': q, 'g0.tab': 'table' }).toString() }, q);
}

export async function renderAlerts(root: HTMLElement): Promise<void> {
  const body = h('div', null, loading());
  root.append(h('h1', null, 'Alerts'), body);
  const groups = await loadGroups(body, 'alert');
  if (!groups) return;
  const rules = groups.flatMap((g) => g.rules.filter((r) => r.type === 'alerting').map((r) => ({ g, r })));
  // 'unknown': not evaluated yet (listed only when there are such rules).
  const states: ('firing' | 'pending' | 'inactive' | 'unknown')[] = ['firing', 'pending', 'inactive', 'unknown'];
  if (rules.length === 0) {
    body.appendChild(h('div', { class: 'muted' }, 'No alerting rules.'));
    return;
  }
  for (const st of states) {
    const these = rules.filter(({ r }) => (r.state || 'inactive') === st);
    if (st === 'unknown' && these.length === 0) continue;
    body.appendChild(
      h('h2', { class: `state-heading state-${st}` }, `${st[0].toUpperCase()}${st.slice(1)} (${these.length})`),
    );
    for (const { g, r } of these) {
      const alerts = r.alerts || [];
      body.appendChild(
        h(
          'details',
          { class: `panel alert-rule rule-${st}`, 'data-state': st, open: st === 'firing' || st === 'pending' },
          h(
            'summary',
            null,
            h('span', { class: `state state-${st}` }, st.toUpperCase()),
            ' ',
            h('strong', null, r.name),
            h('span', { class: 'muted' }, ` ${g.file} › ${g.name} · ${alerts.length} active`),
          ),
          h('div', { class: 'rule-def' }, h('div', null, 'expr: ', exprLink(r.query)), r.duration ? h('div', null, `for: ${r.duration}s`) : null, r.labels && Object.keys(r.labels).length ? labelBadges(r.labels) : null),
          alerts.length
            ? h(
                'table',
                { class: 'data-table' },
                h('thead', null, h('tr', null, ['Labels', 'State', 'Active since', 'Value', 'Annotations'].map((c) => h('th', null, c)))),
                h(
                  'tbody',
                  null,
                  alerts.map((a) =>
                    h(
                      'tr',
                      null,
                      h('td', null, labelBadges(a.labels)),
                      h('td', null, h('span', { class: `state state-${a.state}` }, a.state.toUpperCase())),
                      h('td', { title: a.activeAt || '' }, a.activeAt ? `${formatTime(Date.parse(a.activeAt))} (${ago(a.activeAt)})` : ''),
                      h('td', null, a.value),
                      h('td', null, Object.entries(a.annotations || {}).map(([k, v]) => h('div', null, h('strong', null, k + ': '), v))),
                    ),
                  ),
                ),
              )
            : null,
        ),
      );
    }
  }
}

export async function renderRules(root: HTMLElement): Promise<void> {
  const body = h('div', null, loading());
  root.append(h('h1', null, 'Rules'), body);
  const groups = await loadGroups(body);
  if (!groups) return;
  if (groups.length === 0) body.appendChild(h('div', { class: 'muted' }, 'No rule groups.'));
  for (const g of groups) {
    body.appendChild(
      h(
        'section',
        { class: 'panel rule-group' },
        h(
          'h2',
          null,
          g.name,
          h('span', { class: 'muted' }, ` ${g.file} · every ${g.interval}s · last ${ago(g.lastEvaluation)} · took ${formatSeconds(g.evaluationTime)}`),
        ),
        h(
          'table',
          { class: 'data-table' },
          h('thead', null, h('tr', null, ['Rule', 'Health', 'Last evaluation', 'Evaluation time', 'Error'].map((c) => h('th', null, c)))),
          h(
            'tbody',
            null,
            g.rules.map((r) =>
              h(
                'tr',
                { class: 'rule' },
                h(
                  'td',
                  null,
                  h('div', null, h('strong', null, r.type === 'alerting' ? 'alert: ' : 'record: '), r.name),
                  h('div', null, 'expr: ', exprLink(r.query)),
                ),
                h('td', null, h('span', { class: `state state-${r.health === 'ok' ? 'up' : r.health === 'err' ? 'down' : 'unknown'}` }, r.health.toUpperCase())),
                h('td', { title: r.lastEvaluation }, ago(r.lastEvaluation)),
                h('td', null, formatSeconds(r.evaluationTime)),
                h('td', { class: 'error-text' }, r.lastError || ''),
              ),
            ),
          ),
        ),
      ),
    );
  }
}
