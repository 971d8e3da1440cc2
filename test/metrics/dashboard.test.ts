// docs/grafana-dashboard.json: every metric name its queries use is one our endpoint serves (the
// # TYPE lines of a real scrape, histogram series included), and every panel has a query.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Metrics } from '../../src/metrics/index.js';

const DASHBOARD = fileURLToPath(new URL('../../../docs/grafana-dashboard.json', import.meta.url));

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, label
 *  names (inside {} or by/on (...)), range durations or dashboard variables. */
export function metricNames(expr: string): string[] {
  const e = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const out: string[] = [];
  for (const m of e.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = e.slice(m.index! + m[0].length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(m[0])) continue;
    out.push(m[0]);
  }
  return out;
}

test('the PromQL name reader finds metric names and nothing else', () => {
  assert.deepEqual(metricNames('sum by (port, queue) (rate(ringway_port_rx_packets_total{port=~"$port"}[$__rate_interval]))'), ['ringway_port_rx_packets_total']);
  assert.deepEqual(metricNames('ringway_pool_buffers{state="in_use"} / on (pool) ringway_pool_capacity_buffers'), ['ringway_pool_buffers', 'ringway_pool_capacity_buffers']);
  assert.deepEqual(metricNames('8 * rate(x_total[5m]) / 2^30'), ['x_total']);
});

test('every metric name the Grafana dashboard queries is served by /metrics', async () => {
  const d = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }>; templating: { list: Array<{ query?: unknown }> } };
  const m = await Metrics.start({ listen: '127.0.0.1:0' });
  try {
    const text = await (await fetch(m.http!.url)).text();
    const served = new Set<string>();
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      served.add(name!);
      if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) served.add(name! + s);
    }
    assert.ok(served.has('ringway_port_rx_packets_total'));
    const used = new Map<string, string>();
    for (const p of d.panels) {
      assert.ok(p.targets && p.targets.length > 0, `panel '${p.title}' has queries`);
      for (const t of p.targets) for (const n of metricNames(t.expr)) used.set(n, p.title);
    }
    for (const v of d.templating.list) {
      if (typeof v.query === 'string') for (const [, n] of v.query.matchAll(/label_values\((\w+)/g)) used.set(n!, 'variable');
    }
    assert.ok(used.size >= 15, `${used.size} names used`);
    for (const [n, where] of used) assert.ok(served.has(n), `'${n}' (panel '${where}') is not served by /metrics`);
  } finally {
    await m.close();
  }
});
