// Browser test of ward's web UI (ctest ui_browser). Starts ward under the
// route prefix /ward (from --web.external-url), scraping itself, the three
// etcd members of ../shared/fixtures and one target where nothing listens;
// then drives Debian's Chromium with playwright-core through the query page
// (autocomplete, table, graph, a syntax error), the targets page, the etcd
// dashboard and the status pages. Screenshots go to $UI_OUT_DIR.
// If this build's ward does not serve the UI yet, ward_ui_devserver serves
// it and forwards the API to ward.
// Exit 77 (skipped) without Chromium, ../shared or a ward binary.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { join } from 'node:path';

const env = process.env;
const SKIP = 77;
const outDir = env.UI_OUT_DIR || join(process.cwd(), 'ui-test-out');
const chromiumPath = env.CHROMIUM || '/usr/bin/chromium';

function skip(msg) {
  console.log('SKIPPED: ' + msg);
  process.exit(SKIP);
}
if (!existsSync(chromiumPath)) skip(`no Chromium at ${chromiumPath} (scripts/install-deps.sh installs it)`);
if (!env.WARD_SHARED || !existsSync(env.WARD_SHARED)) skip('the shared folder (../shared) is absent');
if (!env.WARD_BIN || !existsSync(env.WARD_BIN)) skip('no ward binary in this build (WARD_BIN)');
if (!env.UI_NODE_MODULES || !existsSync(join(env.UI_NODE_MODULES, 'playwright-core'))) {
  console.error('playwright-core is not installed (build target ui_test_npm)');
  process.exit(1);
}
const require = createRequire(join(env.UI_NODE_MODULES, 'noop.js'));
const { chromium } = require('playwright-core');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(`[${new Date().toISOString().slice(11, 23)}]`, ...a);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function servicePorts() {
  const ports = { ETCD1_CLIENT_PORT: '12379', ETCD2_CLIENT_PORT: '22379', ETCD3_CLIENT_PORT: '32379' };
  const f = env.WARD_SERVICES_DIR && join(env.WARD_SERVICES_DIR, 'ports.env');
  if (f && existsSync(f)) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(\d+)$/.exec(line.trim());
      if (m) ports[m[1]] = m[2];
    }
  }
  return ports;
}

async function ok(url) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
}

async function waitFor(what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const children = [];
function start(name, bin, args) {
  const logFile = join(outDir, name + '.log');
  const fd = openSync(logFile, 'w');
  const p = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  children.push(p);
  p.on('exit', (code, sig) => log(`${name} exited (${code ?? sig})`));
  return p;
}
function stopChildren() {
  for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
}
process.on('exit', stopChildren);

const failures = [];
let failShot = null; // set once the browser is up: screenshot on failure
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failures.push(`${name}: ${e.message}`);
    log(`FAIL ${name}: ${e.stack || e.message}`);
    if (failShot) await failShot('FAILED-' + name.replace(/[^a-z0-9]+/gi, '-')).catch(() => {});
  }
}
function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function main() {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  // The etcd cluster: start it through the fixture if it is not up.
  const ports = servicePorts();
  const etcd = [ports.ETCD1_CLIENT_PORT, ports.ETCD2_CLIENT_PORT, ports.ETCD3_CLIENT_PORT].map((p) => `127.0.0.1:${p}`);
  if (!(await ok(`http://${etcd[0]}/metrics`)) && env.WARD_SERVICES_DIR) {
    log('etcd is not answering; starting it with the fixture');
    await new Promise((resolve) => {
      const p = spawn('bash', [join(env.WARD_SHARED, 'fixtures/start-services.sh'), env.WARD_SERVICES_DIR, 'etcd3'], { stdio: 'inherit' });
      p.on('exit', resolve);
    });
  }
  for (const e of etcd) check(await ok(`http://${e}/metrics`), `etcd member ${e} does not answer`);

  // ward under /ward, scraping itself, etcd and a closed port.
  const wardPort = await freePort();
  const wardBase = `http://127.0.0.1:${wardPort}/ward`;
  const run = join(outDir, 'run');
  mkdirSync(run, { recursive: true });
  writeFileSync(
    join(run, 'rules.yml'),
    `groups:
  - name: ui-test
    interval: 1s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: UITestTargetDown
        expr: up{job="closed"} == 0
        labels: {severity: warning}
        annotations: {summary: "target {{ $labels.instance }} is down"}
`,
  );
  writeFileSync(
    join(run, 'ward.yml'),
    `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:
  - job_name: ward
    metrics_path: /ward/metrics
    static_configs: [{targets: ['127.0.0.1:${wardPort}']}]
  - job_name: etcd
    static_configs: [{targets: [${etcd.map((e) => `'${e}'`).join(', ')}]}]
  - job_name: closed
    static_configs: [{targets: ['127.0.0.1:1']}]
`,
  );
  start('ward', env.WARD_BIN, [
    `--config.file=${join(run, 'ward.yml')}`,
    `--storage.tsdb.path=${join(run, 'data')}`,
    `--web.listen-address=127.0.0.1:${wardPort}`,
    `--web.external-url=${wardBase}/`,
    '--web.page-title=Ward UI test',
  ]);
  await waitFor('ward to be ready', () => ok(`${wardBase}/-/ready`), 30000);

  // Does this ward serve the UI itself?
  let uiBase = wardBase;
  let native = false;
  try {
    const r = await fetch(`${wardBase}/query`);
    native = r.ok && (await r.text()).includes('static/app.js');
  } catch {}
  if (!native) {
    const devPort = await freePort();
    uiBase = `http://127.0.0.1:${devPort}/ward`;
    start('devserver', env.UI_DEVSERVER, [
      `--listen=127.0.0.1:${devPort}`,
      `--upstream=http://127.0.0.1:${wardPort}`,
      '--prefix=/ward',
      '--title=Ward UI test',
    ]);
    await waitFor('ward_ui_devserver', () => ok(`${uiBase}/query`), 15000);
  }
  log(`UI served by ${native ? 'ward' : 'ward_ui_devserver (ward does not serve the UI yet)'} at ${uiBase}/`);

  // Some writes so the etcd disk latency histograms move.
  let puts = 0;
  const writer = setInterval(() => {
    const b64 = (s) => Buffer.from(s).toString('base64');
    fetch(`http://${etcd[0]}/v3/kv/put`, {
      method: 'POST',
      body: JSON.stringify({ key: b64('ward-ui-test/' + (puts % 10)), value: b64(String(Date.now())) }),
    })
      .then(() => puts++)
      .catch(() => {});
  }, 200);

  // Enough samples for rate()/increase() over every panel's window.
  const qurl = (q) => `${wardBase}/api/v1/query?query=${encodeURIComponent(q)}`;
  const value = async (q) => {
    try {
      const r = await (await fetch(qurl(q))).json();
      return r.data.result.length > 0 ? Number(r.data.result[0].value[1]) : NaN;
    } catch {
      return NaN;
    }
  };
  await waitFor('six scrapes of every etcd member', async () => (await value('count(count_over_time(up{job="etcd"}[1m]) >= 6)')) === 3, 40000);
  // The latency histograms move only when etcd fsyncs, commits or probes
  // its peers: wait until each has counted something within the window.
  for (const m of ['etcd_disk_wal_fsync_duration_seconds', 'etcd_disk_backend_commit_duration_seconds', 'etcd_network_peer_round_trip_time_seconds']) {
    await waitFor(`${m} to count events`, async () => (await value(`sum(increase(${m}_count[5m]))`)) > 0, 40000);
  }

  const ctx = await chromium.launchPersistentContext(join(outDir, 'chromium-profile'), {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.setDefaultTimeout(15000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    // A 400 is the API rejecting a query on purpose (bad query, syntax check
    // while typing); anything else is a bug.
    if (m.type() === 'error' && !/status of 400/.test(m.text())) pageErrors.push(m.text() + ' ' + JSON.stringify(m.location()));
  });
  const shot = (name, opts = {}) => page.screenshot({ path: join(outDir, name + '.png'), ...opts });
  failShot = (name) => shot(name, { fullPage: true });

  // Colored (series) pixels drawn on a chart's canvas.
  const coloredPixels = (canvas) =>
    canvas.evaluate((c) => {
      const ctx2 = c.getContext('2d');
      const d = ctx2.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) {
        const mx = Math.max(d[i], d[i + 1], d[i + 2]);
        const mn = Math.min(d[i], d[i + 1], d[i + 2]);
        if (d[i + 3] > 0 && mx - mn > 40) n++;
      }
      return n;
    });

  // Polls until the canvas shows more than `min` colored pixels (or 10 s).
  const pollPixels = async (canvas, min) => {
    let px = 0;
    for (let i = 0; i < 40; i++) {
      px = await coloredPixels(canvas);
      if (px > min) break;
      await sleep(250);
    }
    return px;
  };

  await step('root redirects to the query page', async () => {
    await page.goto(`${uiBase}/`);
    check(page.url().startsWith(`${uiBase}/query`), `landed on ${page.url()}`);
    check((await page.title()) === 'Ward UI test', `title ${await page.title()}`);
  });

  await step('autocomplete offers a metric', async () => {
    const input = page.locator('.query-panel .expr-input').first();
    await input.click();
    await input.pressSequentially('etcd_server_has_l', { delay: 20 });
    const item = page.locator('.autocomplete .ac-item', { hasText: 'etcd_server_has_leader' });
    await item.first().waitFor();
    await shot('query-autocomplete');
    await input.press('Enter'); // accept the suggestion
    check((await input.inputValue()) === 'etcd_server_has_leader', `input is "${await input.inputValue()}"`);
  });

  await step('autocomplete offers label names and values', async () => {
    const input = page.locator('.query-panel .expr-input').first();
    const saved = await input.inputValue();
    await input.fill('');
    await input.pressSequentially('up{jo', { delay: 20 });
    await page.locator('.autocomplete .ac-item[data-kind="label"]', { hasText: 'job' }).first().waitFor();
    await input.press('Tab');
    await input.pressSequentially('="et', { delay: 20 });
    await page.locator('.autocomplete .ac-item[data-kind="value"]', { hasText: 'etcd' }).first().waitFor();
    await input.press('Tab');
    check((await input.inputValue()) === 'up{job="etcd"', `input is "${await input.inputValue()}"`);
    await input.fill(saved);
    await input.press('Escape');
  });

  await step('query shows table rows', async () => {
    await page.locator('.query-panel .execute').first().click();
    await page.locator('.query-panel .data-table tr').nth(2).waitFor();
    const rows = await page.locator('.query-panel .data-table tr').count();
    check(rows === 3, `expected 3 rows (one per etcd member), got ${rows}`);
    const first = await page.locator('.query-panel .data-table td.series').first().textContent();
    check(first.startsWith('etcd_server_has_leader{'), `row "${first}"`);
    check(page.url().includes('g0.expr=etcd_server_has_leader'), `URL keeps no state: ${page.url()}`);
    await shot('query-table');
  });

  await step('graph tab draws the series, legend and tooltip', async () => {
    const input = page.locator('.query-panel .expr-input').first();
    await input.fill('rate(process_cpu_seconds_total[1m])');
    await page.locator('.query-panel .tab', { hasText: 'Graph' }).first().click();
    const range = page.locator('.query-panel .range-input').first();
    await range.fill('2m'); // the test's ward has seconds of data
    await range.press('Enter');
    const canvas = page.locator('.query-panel .chart-plot canvas').first();
    await canvas.waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.query-panel .legend-item').length >= 4);
    const legend = await page.locator('.query-panel .legend-item').count();
    check(legend === 4, `legend has ${legend} entries, want 4 (ward + 3 etcd)`);
    const px = await pollPixels(canvas, 100);
    check(px > 100, `only ${px} colored pixels on the canvas`);
    const box = await page.locator('.query-panel .u-over').first().boundingBox();
    await page.mouse.move(box.x + box.width * 0.97, box.y + box.height / 2); // data is at the right end
    await page.locator('.query-panel .chart-tooltip .tt-row').first().waitFor();
    const tt = await page.locator('.query-panel .chart-tooltip .tt-row').count();
    check(tt >= 3, `tooltip lists ${tt} series`);
    await shot('query-graph');
    // Toggle a series off and stack the rest.
    await page.locator('.query-panel .legend-item').first().click();
    check(await page.locator('.query-panel .legend-item.off').count() === 1, 'legend click did not hide a series');
    await page.locator('.query-panel .stacked input').first().check();
    await page.locator('.query-panel .unit-select').first().selectOption('percentunit');
    check(page.url().includes('g0.stacked=1') && page.url().includes('g0.tab=graph') && page.url().includes('g0.unit=percentunit'), `URL ${page.url()}`);
    const box2 = await page.locator('.query-panel .u-over').first().boundingBox();
    await page.mouse.move(box2.x + box2.width * 0.96, box2.y + box2.height / 2);
    const v = await page.locator('.query-panel .chart-tooltip .tt-value').first().textContent();
    check(v.endsWith('%'), `tooltip value "${v}" is not in percent`);
    await shot('query-graph-stacked');
  });

  await step('a graph of 2000 series stays responsive', async () => {
    const input = page.locator('.query-panel .expr-input').first();
    await input.fill('rate(grpc_server_handled_total[1m])');
    const t0 = Date.now();
    await page.locator('.query-panel .execute').first().click();
    await page.waitForFunction(() => document.querySelectorAll('.query-panel .legend-item').length > 1000, null, { timeout: 20000 });
    const n = await page.locator('.query-panel .legend-item').count();
    const ms = Date.now() - t0;
    // The page must answer quickly afterwards: time one round trip
    // through the event loop while hovering.
    const box = await page.locator('.query-panel .u-over').first().boundingBox();
    const t1 = Date.now();
    await page.mouse.move(box.x + box.width * 0.97, box.y + box.height / 3);
    await page.locator('.query-panel .chart-tooltip .tt-row').first().waitFor();
    const hover = Date.now() - t1;
    log(`  ${n} series drawn in ${ms} ms, tooltip after ${hover} ms`);
    check(ms < 8000, `drawing ${n} series took ${ms} ms`);
    check(hover < 2000, `tooltip took ${hover} ms`);
    await shot('query-graph-many');
  });

  await step('a bad query shows the error where it is', async () => {
    const input = page.locator('.query-panel .expr-input').first();
    await input.fill('sum(rate(up[5m])');
    await page.locator('.query-panel .execute').first().click();
    const err = page.locator('.query-panel .expr-error');
    await err.waitFor({ state: 'visible' });
    const msg = await err.locator('.error-msg').textContent();
    check(/parse error/.test(msg), `error text "${msg}"`);
    const at = await err.locator('pre.error-at').textContent();
    const [line, caret] = at.split('\n');
    check(line === 'sum(rate(up[5m])', `error line "${line}"`);
    check(caret.indexOf('^') === 16, `caret at column ${caret.indexOf('^') + 1}, want 17`);
    await shot('query-error');
  });

  await step('several panels and state in the URL', async () => {
    await page.locator('.add-panel').click();
    check((await page.locator('.query-panel').count()) === 2, 'no second panel');
    const input = page.locator('.query-panel .expr-input').nth(1);
    await input.fill('up');
    await input.press('Escape'); // close the autocomplete, so Enter runs the query
    await input.press('Enter');
    await page.locator('.query-panel').nth(1).locator('.data-table tr').first().waitFor();
    const url = page.url();
    check(url.includes('g1.expr=up'), `URL ${url}`);
    await page.goto(url);
    await page.locator('.query-panel').nth(1).locator('.data-table tr').first().waitFor();
    check((await page.locator('.query-panel .expr-input').nth(1).inputValue()) === 'up', 'panel 2 lost its query on reload');
  });

  await step('targets page shows an up and a down target', async () => {
    await page.locator('#nav a', { hasText: 'Targets' }).click();
    await page.waitForURL(`${uiBase}/targets`);
    await page.locator('.pool').first().waitFor();
    const up = page.locator('.pool[data-pool="etcd"] tr.target[data-health="up"]');
    check((await up.count()) === 3, `etcd pool has ${await up.count()} up targets`);
    const down = page.locator('.pool[data-pool="closed"] tr.target[data-health="down"]');
    check((await down.count()) === 1, 'no down target in pool "closed"');
    const err = await down.locator('.error-text').textContent();
    check(err.length > 0, 'down target shows no error');
    check((await page.locator('.pool[data-pool="ward"] .state-up').count()) === 1, 'ward does not scrape itself');
    await shot('targets', { fullPage: true });
  });

  await step('etcd dashboard draws every panel with data', async () => {
    await page.goto(`${uiBase}/dashboards`);
    await page.locator('.dashboard-list a', { hasText: 'etcd cluster' }).click();
    await page.waitForURL(/\/dashboards\/etcd/);
    await page.locator('.dash-panel').first().waitFor();
    await page.locator('.range-select').selectOption('5m'); // the test's ward has seconds of data
    await page.waitForURL(/range=5m/);
    await page.waitForFunction(
      () => [...document.querySelectorAll('.dash-panel')].every((p) => p.dataset.state && p.dataset.state !== 'loading'),
      null,
      { timeout: 30000 },
    );
    const panels = await page.locator('.dash-panel').evaluateAll((ps) =>
      ps.map((p) => ({ title: p.dataset.title, state: p.dataset.state, series: Number(p.dataset.series || 0), type: p.className })),
    );
    check(panels.length >= 15, `only ${panels.length} panels`);
    const bad = panels.filter((p) => p.state !== 'ok' || p.series === 0);
    check(bad.length === 0, 'panels without data: ' + bad.map((p) => `${p.title} (${p.state})`).join(', '));
    const canvases = page.locator('.dash-panel.type-graph canvas');
    const n = await canvases.count();
    for (let i = 0; i < n; i++) {
      const px = await pollPixels(canvases.nth(i), 5);
      const title = await page.locator('.dash-panel.type-graph').nth(i).getAttribute('data-title');
      check(px > 5, `panel "${title}" drew only ${px} colored pixels`);
    }
    await shot('dashboard-etcd', { fullPage: true });
  });

  // When this ward evaluates rules, the alerts page must show the test's alert.
  let alertGroups = [];
  try {
    alertGroups = (await (await fetch(`${wardBase}/api/v1/rules?type=alert`)).json()).data.groups || [];
  } catch {}
  for (const [path, heading] of [
    ['alerts', 'Alerts'],
    ['rules', 'Rules'],
    ['status', 'Runtime & Build Information'],
    ['tsdb-status', 'TSDB Status'],
    ['config', 'Configuration'],
    ['flags', 'Command-Line Flags'],
  ]) {
    await step(`${path} page renders`, async () => {
      await page.goto(`${uiBase}/${path}`);
      await page.locator('h1', { hasText: heading }).waitFor();
      await page.waitForFunction(() => !document.querySelector('.loading'));
      const errs = await page.locator('.alert.error').allTextContents();
      check(errs.length === 0, `errors shown: ${errs.join('; ')}`);
      if (path === 'config') check((await page.locator('pre.config-yaml').textContent()).includes('job_name: etcd'), 'config lacks the etcd job');
      if (path === 'flags') check((await page.locator('th', { hasText: '--web.external-url' }).count()) === 1, 'no --web.external-url flag');
      if (path === 'alerts' && alertGroups.some((g) => g.rules.some((r) => r.name === 'UITestTargetDown'))) {
        const rule = page.locator('.alert-rule', { hasText: 'UITestTargetDown' });
        check((await rule.count()) === 1, 'alert UITestTargetDown not shown');
        const st = await rule.getAttribute('data-state');
        check(st === 'firing' || st === 'pending', `UITestTargetDown is ${st}, not firing or pending`);
      }
      if (path === 'tsdb-status') check((await page.locator('td', { hasText: 'etcd_' }).count()) > 0, 'no etcd metric in the cardinality tables');
      await shot(path, { fullPage: true });
    });
  }

  await step('no script errors in the pages', async () => {
    check(pageErrors.length === 0, pageErrors.slice(0, 5).join(' | '));
  });

  clearInterval(writer);
  await ctx.close();
  stopChildren();
  log(`screenshots in ${outDir}`);
  if (failures.length) {
    console.error(`${failures.length} step(s) failed:\n  ` + failures.join('\n  '));
    process.exit(1);
  }
  log('all steps passed');
  process.exit(0);
}

const deadline = setTimeout(() => {
  console.error('ui_browser: overall timeout (150 s)');
  stopChildren();
  process.exit(1);
}, 150000);
deadline.unref();

main().catch((e) => {
  console.error(e.stack || e.message);
  stopChildren();
  process.exit(1);
});
