// The forwarder (testpmd / ixy-fwd): two ports, one worker thread per queue, io or macswap,
// per-second Mpps per queue, clean stop with totals and every buffer back in the pool.
import { Worker } from 'node:worker_threads';
import { Pool } from '../memory/pool.js';
import { Port, type PortStats, type VirtioPortInfo } from '../port/port.js';
import { Codes, RingwayError, invalid } from '../errors.js';
import { CTR_DROPPED, CTR_FORWARDED, CTR_STRIDE, type FwdMode } from './loop.js';

export interface FwdOptions {
  /** Port A spec (default null:size=64). */
  a?: string;
  /** Port B spec (default null:size=64). */
  b?: string;
  queues?: number;
  mode?: FwdMode;
  burst?: number;
  retry?: boolean;
  /** Stop after this long; otherwise when `signal` aborts. */
  durationMs?: number;
  signal?: AbortSignal;
  /** Existing pool (else one is made for the run). */
  pool?: Pool;
  buffers?: number;
  /** Test hook: terminate queue 0's worker after this many ms (simulates a crash). */
  _testKillQueueAfterMs?: number;
  /** testpmd --tx-first: each worker sends this many 64-byte frames on both ports first. */
  txFirst?: number;
  /** Called once every worker is attached and forwarding. */
  onReady?: () => void;
  /** Called once every worker is attached, with what an observer reads (src/metrics: the ports,
   *  the pool and the per-queue counters, [forwarded, dropped, idle] * queues). */
  onStart?: (ctx: { pool: Pool; ports: Port[]; ctr: Float64Array; queues: number }) => void;
  /** Called after the workers stopped, before the ports close (an observer's last read). */
  onStop?: () => void;
  /** Called once a second with Mpps per queue. */
  onSecond?: (mppsPerQueue: number[], second: number) => void;
}

export interface FwdResult {
  seconds: number;
  forwarded: number;
  dropped: number;
  perQueue: Array<{ forwarded: number; dropped: number }>;
  /** Mpps in each whole second, summed over queues. */
  samples: number[];
  pool: { total: number; free: number; inUse: number; missing: number; duplicates: number };
  /** Both ports' counters (and driver facts for virtio ports), read just before closing them. */
  ports: Array<{ spec: string; stats: PortStats; virtio?: VirtioPortInfo }>;
}

export async function runForwarder(o: FwdOptions = {}): Promise<FwdResult> {
  const queues = o.queues ?? 1;
  const mode = o.mode ?? 'io';
  const burst = o.burst ?? 32;
  if (!['io', 'macswap'].includes(mode)) throw invalid(`forward mode '${mode}': use io or macswap`);
  if (!Number.isInteger(burst) || burst < 1 || burst > 1024) throw invalid(`burst ${burst}: use 1 to 1024`);
  if (!Number.isInteger(queues) || queues < 1 || queues > 64) throw invalid(`queues ${queues}: use 1 to 64`);
  const txFirst = o.txFirst ?? 0;
  if (!Number.isInteger(txFirst) || txFirst < 0 || txFirst > 1024) throw invalid(`txFirst ${txFirst}: use 0 to 1024`);
  const ownPool = !o.pool;
  const pool = o.pool ?? Pool.create({ name: 'fwd', buffers: o.buffers ?? Math.max(8192, queues * 4096) });
  const ports: Port[] = [];
  const workers: Worker[] = [];
  try {
    const a = Port.open(o.a ?? 'null:size=64', { pool, queues });
    ports.push(a);
    const b = Port.open(o.b ?? 'null:size=64', { pool, queues });
    ports.push(b);
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const ctr = new Float64Array(new SharedArrayBuffer(8 * CTR_STRIDE * queues));
    const url = new URL('./worker.js', import.meta.url);
    const ready: Promise<unknown>[] = [];
    const done: Promise<unknown>[] = [];
    const slots: number[] = []; // each worker's pool user slot, to reclaim if it dies
    const dead: Array<{ q: number; why: string }> = [];
    let onDeath = () => {};
    const death = new Promise<void>((res) => (onDeath = res));
    for (let q = 0; q < queues; q++) {
      const w = new Worker(url, {
        workerData: { a: a.descriptor(), b: b.descriptor(), q, mode, burst, retry: o.retry ?? true, stop, ctr, txFirst },
      });
      workers.push(w);
      // A worker that dies (throws, is terminated, runs out of memory) settles its promises too:
      // the others are stopped and its pool cache is reclaimed below.
      let finished = false;
      const failed = new Promise<void>((res) => {
        w.once('error', (e) => { dead.push({ q, why: String(e) }); onDeath(); res(); });
        w.once('exit', (code) => {
          if (!finished && !dead.some((d) => d.q === q)) {
            dead.push({ q, why: `exited with code ${code}` });
            onDeath();
          }
          res();
        });
      });
      ready.push(Promise.race([new Promise((res) => w.once('message', (m: { slot: number }) => { slots[q] = m.slot; res(m); })), failed]));
      done.push(Promise.race([new Promise((res) => w.on('message', (m: { done?: boolean }) => { if (m.done) { finished = true; res(m); } })), failed]));
    }
    await Promise.all(ready);
    if (o._testKillQueueAfterMs !== undefined) setTimeout(() => void workers[0]?.terminate(), o._testKillQueueAfterMs);
    o.onStart?.({ pool, ports: [a, b], ctr, queues });
    o.onReady?.();
    const t0 = performance.now();
    const samples: number[] = [];
    let last = new Array<number>(queues).fill(0);
    let lastT = t0;
    const stopped = new Promise<void>((res) => {
      if (o.signal?.aborted) return res();
      o.signal?.addEventListener('abort', () => res(), { once: true });
      if (o.durationMs !== undefined) setTimeout(res, o.durationMs).unref();
    });
    const tick = setInterval(() => {
      const now = performance.now();
      const cur = Array.from({ length: queues }, (_, q) => ctr[q * CTR_STRIDE + CTR_FORWARDED]!);
      const mpps = cur.map((v, q) => (v - last[q]!) / ((now - lastT) / 1000) / 1e6);
      samples.push(mpps.reduce((s, x) => s + x, 0));
      last = cur;
      lastT = now;
      o.onSecond?.(mpps, samples.length);
    }, 1000);
    try {
      await Promise.race([stopped, Promise.all(done), death]);
    } finally {
      clearInterval(tick);
      Atomics.store(stop, 0, 1);
      await Promise.all(done);
      o.onStop?.();
    }
    for (const d of dead) if (slots[d.q] !== undefined) pool.reclaimUser(slots[d.q]!);
    if (dead.length) {
      for (const p of ports.splice(0)) p.close();
      const a = pool.audit();
      throw new RingwayError(Codes.WORKER_DIED,
        `forwarding worker for queue ${dead.map((d) => `${d.q} ${d.why}`).join(', ')}; the other queues were stopped, ` +
        `its pool cache was reclaimed and ${a.missing} buffer(s) it held are lost to this pool`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const perQueue = Array.from({ length: queues }, (_, q) => ({
      forwarded: ctr[q * CTR_STRIDE + CTR_FORWARDED]!,
      dropped: ctr[q * CTR_STRIDE + CTR_DROPPED]!,
    }));
    const portStats = ports.map((p) => ({
      spec: p.desc.spec,
      stats: p.stats(),
      ...(p.kind === 'virtio' ? { virtio: p.virtioInfo() } : {}),
    }));
    for (const p of ports.splice(0)) p.close();
    const s = pool.stats();
    const audit = pool.audit();
    return {
      seconds,
      forwarded: perQueue.reduce((x, q) => x + q.forwarded, 0),
      dropped: perQueue.reduce((x, q) => x + q.dropped, 0),
      perQueue,
      samples,
      pool: { total: s.total, free: s.ringFree + s.cached, inUse: s.inUse, ...audit },
      ports: portStats,
    };
  } finally {
    for (const p of ports) p.close();
    await Promise.all(workers.map((w) => w.terminate()));
    if (ownPool) pool.close();
  }
}
