// Per-app and per-link metrics from an engine's shared counter block, through the interface a
// supervisor uses (registerPipeline with a getter), with the engine in this thread.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from '../../src/memory/pool.js';
import { Config } from '../../src/pipeline/config.js';
import { Engine } from '../../src/pipeline/engine.js';
import { MacSwap, PortIn, PortOut } from '../../src/apps/index.js';
import { Sources, createRegistry } from '../../src/metrics/index.js';
import { parseProm, value } from './promtext.js';

/** Runs `body` with an engine in this thread on `cfg` (null ports), then stops it and closes its pool. */
async function withEngine(name: string, cfg: (c: Config) => void, body: (e: Engine) => Promise<void>): Promise<void> {
  const pool = Pool.create({ name, buffers: 4096 });
  const e = new Engine({ pool });
  try {
    const c = new Config();
    cfg(c);
    e.configure(c);
    await body(e);
  } finally {
    e.stop();
    pool.close();
  }
}

test('app and link counters of an engine are served per pipeline, app and link, equal to its own stats', () => withEngine('pipe-metrics', (c) => {
  c.app('rx', PortIn, { port: 'null:size=64' });
  c.app('swap', MacSwap);
  c.app('tx', PortOut, { port: 'null:size=64' });
  c.link('rx.out -> swap.in').link('swap.out -> tx.in');
}, async (e) => {
  const src = new Sources();
  let restarts = 0;
  src.registerPipeline('p0', () => ({ counters: e.counters, slots: e.slotMap(), worker: 'w0', restarts }));
  const reg = createRegistry(src, { processMetrics: false });
  e.run({ breaths: 500 });
  restarts = 2;
  await new Promise((r) => setTimeout(r, 30)); // past the snapshot cache
  const s = parseProm(await reg.metrics());
  const st = e.stats();
  assert.ok(st.apps.swap!.in > 0, 'traffic went through');
  for (const app of ['rx', 'swap', 'tx']) {
    assert.equal(value(s, 'ringway_app_packets_total', { pipeline: 'p0', app, direction: 'in' }), st.apps[app]!.in, `${app} in`);
    assert.equal(value(s, 'ringway_app_packets_total', { pipeline: 'p0', app, direction: 'out' }), st.apps[app]!.out, `${app} out`);
  }
  assert.equal(value(s, 'ringway_app_dropped_packets_total', { app: 'tx', cause: 'tx-full' }), st.apps.tx!.drops['tx-full']);
  assert.equal(value(s, 'ringway_app_dropped_packets_total', { app: 'swap', cause: 'unconnected' }), 0);
  for (const [link, lc] of Object.entries(st.links)) {
    assert.equal(value(s, 'ringway_link_packets_total', { link, stage: 'sent' }), lc.sent, `${link} sent`);
    assert.equal(value(s, 'ringway_link_packets_total', { link, stage: 'delivered' }), lc.delivered);
    assert.equal(value(s, 'ringway_link_dropped_packets_total', { link, cause: 'link_full' }), lc.full);
  }
  assert.equal(value(s, 'ringway_engine_breaths_total', { pipeline: 'p0', worker: 'w0' }), 500);
  assert.equal(value(s, 'ringway_worker_restarts_total', { pipeline: 'p0', worker: 'w0' }), 2);
}));

test('a restarted worker\'s source: counters are base + live, the link gauge is the live block only', () => withEngine('pipe-metrics-base', (c) => {
  c.app('rx', PortIn, { port: 'null:size=64' });
  c.app('tx', PortOut, { port: 'null:size=64' });
  c.link('rx.out -> tx.in');
}, async (e) => {
  e.run({ breaths: 100 });
  const live = e.stats();
  const link = Object.keys(live.links)[0]!;
  // What a dead incarnation left (the supervisor reads it after the worker's exit): 7 packets
  // were on the link when it died; they are not on any link now.
  const base = { breaths: 40, apps: { rx: { in: 1000, out: 1000, dropped: 0, drops: {} }, tx: { in: 993, out: 993, dropped: 3, drops: { 'tx-full': 3 } } },
    links: { [link]: { sent: 1000, delivered: 993, full: 2 } } };
  const src = new Sources();
  src.registerPipeline('p0', () => ({ counters: e.counters, slots: e.slotMap(), worker: 'w0', restarts: 1, base }));
  const s = parseProm(await createRegistry(src, { processMetrics: false }).metrics());
  assert.equal(value(s, 'ringway_app_packets_total', { app: 'rx', direction: 'in' }), 1000 + live.apps.rx!.in);
  assert.equal(value(s, 'ringway_app_packets_total', { app: 'tx', direction: 'out' }), 993 + live.apps.tx!.out);
  assert.equal(value(s, 'ringway_app_dropped_packets_total', { app: 'tx', cause: 'tx-full' }), 3 + live.apps.tx!.drops['tx-full']!);
  assert.equal(value(s, 'ringway_link_packets_total', { link, stage: 'sent' }), 1000 + live.links[link]!.sent);
  assert.equal(value(s, 'ringway_link_dropped_packets_total', { link }), 2 + live.links[link]!.full);
  assert.equal(value(s, 'ringway_engine_breaths_total', { worker: 'w0' }), 140);
  assert.equal(value(s, 'ringway_link_packets', { link }), live.links[link]!.sent - live.links[link]!.delivered, 'not the 7 the dead worker lost');
}));
