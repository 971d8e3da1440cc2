// punt: the slow path's cost per punted packet. Ours: the Punt app (piscina run() per packet,
// completions over the shared ring). Peer: the same slots and rings with one plain worker_thread
// fed through a shared request ring (bench/lib/punt-plain.ts): what the slow path costs without
// piscina. Both: a source sends 64-byte frames as fast as the window allows, one worker runs an
// echo task, the engine runs in 5 ms slices and yields between them (piscina needs the event loop
// to retire tasks). Unit: replies per second (kpps). Context: engine-thread time per punted packet
// and the heap piscina holds when the engine does not yield.
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Pool } from '../src/memory/pool.js';
import { App, type AppContext } from '../src/pipeline/app.js';
import { Config } from '../src/pipeline/config.js';
import { Engine } from '../src/pipeline/engine.js';
import type { ConfigOf } from '../src/pipeline/schema.js';
import { Punt, Sink } from '../src/apps/index.js';
import { PlainPunt } from './lib/punt-plain.js';
import { runBench, round3 } from './lib/harness.js';

export const description = 'slow path: Punt (piscina run per packet) vs a plain worker on the same shared slots (kpps of replies)';

const TASK = fileURLToPath(new URL('./lib/punt-echo.js', import.meta.url));
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 2);

/** Frames Src may still send (Infinity: as fast as pulled). */
const budget = { left: Infinity };
class Src extends App {
  static override inputs = [] as const;
  private readonly hs = new Uint32Array(32);
  override pull(): number {
    if (budget.left <= 0) return 0;
    const want = budget.left < 32 ? budget.left : 32;
    const p = this.pool, hs = this.hs, got = p.allocBurst(hs, want);
    budget.left -= got;
    for (let k = 0; k < got; k++) {
      const h = hs[k]!;
      p.reset(h);
      const o = p.dataOffset(h);
      p.u8.fill(0xff, o, o + 6);
      p.u8.fill(0x02, o + 6, o + 12);
      p.u8[o + 12] = 0x08;
      p.u8[o + 13] = 0x06;
      p.setDataLen(h, 64);
    }
    this.countIn(got);
    this.out[0]!.send(hs, got);
    return got;
  }
}

/** Time spent in push (the engine thread's cost of punting) and the instance, for the report. */
const timing = { pushMs: 0, app: null as null | { pending(): number } };
class TimedPunt extends Punt {
  constructor(ctx: AppContext, c: ConfigOf<typeof Punt.schema>) { super(ctx, c); timing.app = this; }
  override push(i: number, hs: Uint32Array, n: number): void {
    const t = performance.now();
    super.push(i, hs, n);
    timing.pushMs += performance.now() - t;
  }
}
class TimedPlain extends PlainPunt {
  constructor(ctx: AppContext, c: ConfigOf<typeof PlainPunt.schema>) { super(ctx, c); timing.app = this; }
  override push(i: number, hs: Uint32Array, n: number): void {
    const t = performance.now();
    super.push(i, hs, n);
    timing.pushMs += performance.now() - t;
  }
}

const ctx: Record<string, unknown> = {};

async function measure(kind: 'piscina' | 'plain', noYieldProbe = false): Promise<number> {
  const pool = Pool.create({ buffers: 8192, hugepages: 'never' });
  const engine = new Engine({ pool });
  timing.pushMs = 0;
  const cls = kind === 'piscina' ? TimedPunt : TimedPlain;
  engine.configure(new Config().app('src', Src).app('punt', cls as typeof Punt, { task: TASK, slots: 1024 } as never).app('sink', Sink)
    .link('src.out -> punt.in').link('punt.out -> sink.in'));
  const app = timing.app as unknown as { ready(): Promise<void> } | { ready: Promise<void> };
  await (typeof app.ready === 'function' ? app.ready() : app.ready);
  const slices = async (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      engine.run({ durationMs: 5 });
      await yieldLoop();
    }
  };
  await slices(300); // warm-up
  if (noYieldProbe) {
    // Engine-thread cost of one punt with room in the window: 1024 frames (the window) in bursts
    // of 32, timed in push only, then wait until all came back; 20 rounds.
    let ms = 0, n = 0;
    await slices(50);
    for (let round = 0; round < 20; round++) {
      const p0 = timing.pushMs;
      budget.left = 1024;
      while (budget.left > 0) engine.breathe();
      ms += timing.pushMs - p0;
      n += 1024;
      while (timing.app!.pending() > 0) { engine.run({ durationMs: 1 }); await yieldLoop(); }
    }
    budget.left = Infinity;
    ctx[`${kind}_engine_us_per_punt`] = round3((1000 * ms) / n);
  }
  const link = 'punt.out -> sink.in';
  const s0 = engine.stats(), t0 = performance.now(), push0 = timing.pushMs;
  await slices(SECONDS * 1000);
  const s1 = engine.stats(), secs = (performance.now() - t0) / 1000;
  const replies = s1.links[link]!.sent - s0.links[link]!.sent;
  // out = punted + replies sent; in = frames pushed + replies brought in
  const punted = s1.apps['punt']!.out - s0.apps['punt']!.out - replies;
  const pushed = s1.apps['punt']!.in - s0.apps['punt']!.in - replies;
  const rate = replies / secs;
  ctx[`${kind}_saturated_engine_us_per_pushed`] = round3((1000 * (timing.pushMs - push0)) / pushed);
  ctx[`${kind}_saturated_punted_per_s`] = Math.round(punted / secs);
  ctx[`${kind}_backpressure_share`] = round3((s1.apps['punt']!.drops['backpressure']! - s0.apps['punt']!.drops['backpressure']!) / pushed);
  if (noYieldProbe) {
    // One second without yielding: piscina cannot read its workers' replies, so every task's
    // record and promise stays on the heap; the completion ring keeps the data path going.
    const h0 = process.memoryUsage().heapUsed, a0 = engine.stats().links[link]!.sent;
    engine.run({ durationMs: 1000 });
    const h1 = process.memoryUsage().heapUsed, done = engine.stats().links[link]!.sent - a0;
    ctx[`${kind}_noyield_punts_per_s`] = Math.round(done);
    ctx[`${kind}_noyield_heap_bytes_per_punt`] = Math.round((h1 - h0) / Math.max(1, done));
  }
  engine.stop();
  await yieldLoop();
  const audit = pool.audit();
  if (audit.missing !== 0 || audit.duplicates !== 0) throw new Error(`punt bench lost buffers: ${JSON.stringify(audit)}`);
  pool.close();
  console.log(`  ${kind}: ${(rate / 1000).toFixed(1)} kpps of replies`);
  return rate / 1000;
}

let rep = 0;
export default () => runBench({
  name: 'punt',
  unit: 'kpps',
  peer: 'the same shared slots and rings with one plain worker_thread (no piscina), echo task, 64-byte frames',
  ours: () => measure('piscina', rep++ === 0),
  theirs: () => measure('plain', rep === 1),
  context: () => ({ ...ctx, seconds: SECONDS, slots: 1024, threads: 1 }),
});
