// Counters across a worker restart: the supervisor kills a worker mid-traffic and starts a new one
// (whose counter block begins at zero); a real HTTP scrape of the prom-client endpoint before and
// after shows no counter series smaller than it was (Prometheus: a counter decreases only when the
// process restarts), and the restart counted.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Supervisor } from '../../src/index.js';
import { Metrics, DEFS } from '../../src/metrics/index.js';
import { scrape, value, type PromSample } from './promtext.js';

const fixture = fileURLToPath(new URL('../pipeline/fixtures/rtc.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const COUNTERS = new Set(DEFS.filter((d) => d.type === 'counter').map((d) => d.name));
const key = (s: PromSample) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;

test('a killed and restarted worker: no exported counter goes backwards across the restart', { timeout: 120_000 }, async () => {
  const sup = await Supervisor.start({ source: { module: fixture }, queues: 2, buffers: 8192 });
  const m = await Metrics.start({ listen: '127.0.0.1:0', processMetrics: false });
  const url = `http://127.0.0.1:${m.http!.address.port}/metrics`;
  let stopped = false;
  try {
    m.watchSupervisor(sup, 'p', true);
    const txOut = (s: PromSample[]) => value(s, 'ringway_app_packets_total', { pipeline: 'p/q0', app: 'tx', direction: 'out' });
    let before: PromSample[] = [];
    for (const t0 = Date.now(); ; await sleep(20)) {
      before = await scrape(url);
      if (txOut(before) > 200_000) break;
      assert.ok(Date.now() - t0 < 60_000, 'q0 did not forward 200k packets within 60 s');
    }
    await sup.kill('q0'); // worker.terminate() mid-burst
    await sup.running('q0');
    await sleep(30); // past the snapshot cache
    const after = await scrape(url);
    const now = new Map(after.map((s) => [key(s), s.value]));
    let compared = 0;
    for (const s of before.filter((x) => COUNTERS.has(x.name))) {
      const v = now.get(key(s));
      assert.ok(v !== undefined, `${key(s)} was served before the restart and is gone after it`);
      assert.ok(v >= s.value, `${key(s)} went backwards across the restart: ${s.value} -> ${v}`);
      compared++;
    }
    assert.ok(compared > 20, `compared ${compared} counter series`);
    assert.equal(value(after, 'ringway_worker_restarts_total', { pipeline: 'p/q0', worker: 'q0' }), 1);
    // The new incarnation counts on top of the old one's total.
    for (const t0 = Date.now(); txOut(await scrape(url)) < txOut(before) + 100_000; await sleep(20)) {
      assert.ok(Date.now() - t0 < 60_000, 'the restarted q0 did not forward 100k more packets within 60 s');
    }
    const r = await sup.stop();
    stopped = true;
    assert.equal(r.stats.restarts, 1);
    assert.deepEqual({ missing: r.pool.missing, duplicates: r.pool.duplicates }, { missing: 0, duplicates: 0 });
  } finally {
    if (!stopped) await sup.stop().catch(() => {});
    await m.close();
  }
});
