// The hot path allocates nothing: a million-packet run through Split, L2Fwd, Tee and Join (and
// PcapWriter unlinked to /dev/null) sees no garbage collection at all. A scavenge runs whenever the
// young generation fills (a few MiB), so even 8 bytes a packet would trigger several.
import test from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setTimeout as sleep } from 'node:timers/promises';
import { Join, L2Fwd, PcapWriter, Sink, Split, Tee } from '../../src/apps/index.js';
import { App } from '../../src/pipeline/app.js';
import { Config, Gen, eth, feeds, ipv4, start } from './lib.js';

/** Counts GC entries that start while fn runs. */
// A full collection just before the measured run, so a GC inside it can only be caused by what the
// run itself allocates (not by garbage left from the warm-up or the test harness).
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

async function gcDuring(fn: () => void): Promise<{ during: string[]; ms: number }> {
  const gcs: Array<{ name: string; at: number }> = [];
  const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcs.push({ name: e.name, at: e.startTime }); });
  await sleep(20);
  collect();
  obs.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  fn();
  const t1 = performance.now();
  await sleep(20); // gc entries are delivered asynchronously
  obs.disconnect();
  return { during: gcs.filter((g) => g.at >= t0 && g.at <= t1).map((g) => `${g.name} at ${g.at.toFixed(0)}`), ms: t1 - t0 };
}

/** The control: an app that allocates 64 bytes a packet, which the GC check must catch. */
const kept: unknown[] = [];
class Allocates extends App {
  override push(_i: number, hs: Uint32Array, n: number): void {
    for (let k = 0; k < n; k++) kept[k & 7] = new Float64Array(4);
    this.out[0]!.send(hs, n);
  }
}

test('Split -> Tee -> L2Fwd / Join -> Sink, PcapWriter: 1M packets through, no GC during the run, audit exact', async () => {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 64; i++) {
    const dst = i % 3 === 0 ? 'ff:ff:ff:ff:ff:ff' : `02:00:00:00:00:${(i % 5).toString(16).padStart(2, '0')}`;
    frames.push(eth(dst, `02:00:00:00:01:${(i % 7).toString(16).padStart(2, '0')}`, i % 2 ? 0x0800 : 0x86dd, i % 2 ? ipv4(17) : []));
  }
  feeds.set('g', frames);
  const PER = 64 * 16_000; // 1,024,000 packets
  const c = new Config()
    .app('g', Gen, { burst: 32, repeat: 16_000 })
    .app('s', Split, { by: 'ethertype', map: { '0x0800': 'v4', '0x86dd': 'v6' } })
    .app('t', Tee).app('br', L2Fwd).app('j', Join).app('k', Sink).app('cap', PcapWriter, { file: '/dev/null' })
    .link('g.out -> s.in').link('s.v4 -> t.in').link('s.v6 -> br.p0')
    .link('t.a -> j.a').link('t.b -> cap.in').link('br.p1 -> j.b').link('j.out -> k.in');
  const r = start(c);
  // warm up (JIT, the pool views' burst caches, the MAC table)
  for (let i = 0; i < 2000; i++) r.engine.breathe();
  const { during, ms } = await gcDuring(() => r.settle(1_000_000));
  const s = r.finish();
  assert.equal(s.apps['g']!.in, PER);
  assert.equal(s.apps['s']!.in, PER);
  const half = PER / 2;
  assert.deepEqual([s.apps['s']!.out, s.apps['s']!.dropped], [PER, 0]);
  assert.deepEqual([s.apps['t']!.in, s.apps['t']!.out, s.apps['t']!.dropped], [half, PER, 0], 'Tee: one copy each, none short');
  assert.equal(s.apps['cap']!.out, half, 'every copy recorded');
  assert.equal(s.apps['br']!.in, half);
  assert.equal(s.apps['br']!.out + s.apps['br']!.dropped, half, 'L2Fwd: one flood port (p1), so no copies: each frame out or filtered');
  assert.equal(s.apps['k']!.in, half + s.apps['br']!.out);
  assert.deepEqual(during, [], `no GC while ${PER} packets went through (${ms.toFixed(0)} ms)`);
});

test('control: the same check catches an app that allocates 64 bytes a packet', async () => {
  feeds.set('g', [eth('02:00:00:00:00:01', '02:00:00:00:00:02', 0x0800)]);
  const r = start(new Config().app('g', Gen, { repeat: 300_000 }).app('a', Allocates).app('k', Sink).link('g.out -> a.in').link('a.out -> k.in'));
  for (let i = 0; i < 200; i++) r.engine.breathe();
  const { during } = await gcDuring(() => r.settle(1_000_000));
  r.finish();
  assert.ok(during.length > 0, 'scavenges seen');
});
