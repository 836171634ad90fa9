// Entry point: draws the navigation bar and the page for the current path
// (relative to the <base href> the server put in the page).
import './style.css';
import { h } from './dom';
import { renderQuery } from './pages/query';
import { renderTargets } from './pages/targets';
import { renderAlerts, renderRules } from './pages/rules';
import { renderStatus, renderConfig, renderFlags, renderTSDBStatus } from './pages/status';
import { renderDashboardList, renderDashboard } from './pages/dashboards';

const NAV: [string, string][] = [
  ['query', 'Query'],
  ['alerts', 'Alerts'],
  ['targets', 'Targets'],
  ['rules', 'Rules'],
  ['dashboards', 'Dashboards'],
  ['status', 'Status'],
  ['tsdb-status', 'TSDB'],
  ['config', 'Config'],
  ['flags', 'Flags'],
];

// The path below the base: "dashboards/etcd".
function route(): string {
  const base = new URL(document.baseURI).pathname;
  const p = location.pathname;
  return (p.startsWith(base) ? p.slice(base.length) : p.replace(/^\//, '')).replace(/\/+$/, '');
}

function main(): void {
  const r = route();
  const top = r.split('/')[0];
  const nav = document.getElementById('nav')!;
  nav.append(
    h('a', { class: 'brand', href: 'query' }, document.body.dataset.title || 'Ward'),
    ...NAV.map(([path, label]) => h('a', { href: path, class: top === path ? 'active' : null }, label)),
  );
  const app = document.getElementById('app')!;
  app.textContent = '';
  switch (top) {
    case 'targets':
      void renderTargets(app);
      break;
    case 'alerts':
      void renderAlerts(app);
      break;
    case 'rules':
      void renderRules(app);
      break;
    case 'status':
      void renderStatus(app);
      break;
    case 'config':
      void renderConfig(app);
      break;
    case 'flags':
      void renderFlags(app);
      break;
    case 'tsdb-status':
      void renderTSDBStatus(app);
      break;
    case 'dashboards': {
      const name = decodeURIComponent(r.split('/')[1] || '');
      if (name) void renderDashboard(app, name);
      else void renderDashboardList(app);
      break;
    }
    default:
      renderQuery(app);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();
