// Unit tests of the UI's pure functions, run by node's test runner after
// esbuild bundles this file (ctest web_ui_unit; see run_unit_tests.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completionContext, errorPosition } from '../src/editor';
import { formatValue, parseDuration, formatDuration, legendName, seriesName } from '../src/format';
import { alignMatrix } from '../src/series';
import { ALL, substitute } from '../src/variables';

test('completion context', () => {
  const cases: [string, object][] = [
    ['rat', { kind: 'expr', prefix: 'rat' }],
    ['sum(rate(etcd_se', { kind: 'expr', prefix: 'etcd_se' }],
    ['up{', { kind: 'labelName', prefix: '', metric: 'up' }],
    ['up{job="x", ins', { kind: 'labelName', prefix: 'ins', metric: 'up' }],
    ['{jo', { kind: 'labelName', prefix: 'jo', metric: undefined }],
    ['up{job="et', { kind: 'labelValue', prefix: 'et', metric: 'up', label: 'job', quote: '"' }],
    ["up{job=~'a", { kind: 'labelValue', prefix: 'a', metric: 'up', label: 'job', quote: "'" }],
    ['sum by (ins', { kind: 'labelName', prefix: 'ins' }],
    ['up{job="a"} + rat', { kind: 'expr', prefix: 'rat' }],
    ['up{job="a}b', { kind: 'labelValue', prefix: 'a}b', metric: 'up', label: 'job', quote: '"' }],
    ['"str', { kind: 'expr', prefix: '' }],
  ];
  for (const [text, want] of cases) assert.deepEqual(completionContext(text, text.length), want, text);
  // The cursor, not the end of the text, decides.
  assert.deepEqual(completionContext('up{jo} + x', 5), { kind: 'labelName', prefix: 'jo', metric: 'up' });
});

test('error position', () => {
  assert.deepEqual(errorPosition('invalid parameter "query": 1:17: parse error: unclosed left parenthesis'), { line: 1, col: 17 });
  assert.equal(errorPosition('query timed out'), null);
});

test('format values', () => {
  const cases: [number | null, string, string][] = [
    [0, 'short', '0'],
    [1234, 'short', '1.23 k'],
    [0.0005, 'short', '0.0005'],
    [1.5e9, 'short', '1.5 G'],
    [2048, 'bytes', '2 KiB'],
    [1536 * 1024 * 1024, 'bytes', '1.5 GiB'],
    [100, 'bytes/s', '100 B/s'],
    [0.0042, 'seconds', '4.2 ms'],
    [90, 'seconds', '1.5 min'],
    [0.25, 'percentunit', '25%'],
    [12.5, 'percent', '12.5%'],
    [3.5, 'ops/s', '3.5 ops/s'],
    [1, 'bool', 'true'],
    [null, 'short', '–'],
    [NaN, 'short', 'NaN'],
    [Infinity, 'short', '+Inf'],
  ];
  for (const [v, unit, want] of cases) assert.equal(formatValue(v, unit), want, `${v} ${unit}`);
});

test('durations', () => {
  assert.equal(parseDuration('1h30m'), 5400_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('2w'), 14 * 86400_000);
  assert.equal(parseDuration('5x'), null);
  assert.equal(parseDuration(''), null);
  assert.equal(formatDuration(5400_000), '1h30m');
});

test('series names and legends', () => {
  const m = { __name__: 'up', job: 'etcd', instance: 'a:1' };
  assert.equal(seriesName(m), 'up{instance="a:1", job="etcd"}');
  assert.equal(seriesName({}), '{}');
  assert.equal(legendName('{{instance}} / {{ job }} {{missing}}', m), 'a:1 / etcd ');
  assert.equal(legendName('', m), seriesName(m));
});

test('align a matrix onto the step grid', () => {
  const { timestamps, series } = alignMatrix(
    [{ metric: { a: 'x' }, values: [[100, '1'], [120, 'NaN'], [130, '+Inf'], [999, '5']] }],
    100, 130, 10,
  );
  assert.deepEqual(timestamps, [100, 110, 120, 130]);
  assert.deepEqual(series[0].values, [1, null, null, Infinity]);
  assert.equal(series[0].name, '{a="x"}');
});

test('variable substitution', () => {
  const values = { job: 'etcd', inst: '127.0.0.1:2379', all: ALL, none: ALL };
  const options = { all: ['a.b', 'c'], none: [] };
  assert.equal(substitute('up{job=~"$job"}', values), 'up{job=~"etcd"}');
  assert.equal(substitute('up{instance=~"${inst}"}', values), 'up{instance=~"127\\\\.0\\\\.0\\\\.1:2379"}');
  assert.equal(substitute('x{a=~"$all"}', values, options), 'x{a=~"a\\\\.b|c"}');
  assert.equal(substitute('x{a=~"$none"}', values, options), 'x{a=~".+"}');
  assert.equal(substitute('x{a=~"$unknown"}', values), 'x{a=~"$unknown"}');
});
