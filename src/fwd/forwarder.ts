// The forwarder (testpmd / ixy-fwd), built on the pipeline engine: two ports, both directions,
// io or macswap, one worker per queue, per-second Mpps per queue, a clean stop with totals and
// every buffer back in the pool. Its configuration is plain data (forwarderConfig), so
// `ringway fwd` and `ringway run` run the same engine.
import { Pool } from '../memory/pool.js';
import type { Port, PortStats, VirtioPortInfo } from '../port/port.js';
import { Codes, RingwayError, invalid } from '../errors.js';
import type { ConfigJSON } from '../pipeline/config.js';
import { Supervisor } from '../pipeline/supervisor.js';
import type { EngineStats } from '../pipeline/engine.js';

export type FwdMode = 'io' | 'macswap';

export interface FwdOptions {
  /** Port A spec (default null:size=64). */
  a?: string;
  /** Port B spec (default null:size=64). */
  b?: string;
  queues?: number;
  mode?: FwdMode;
  burst?: number;
  /** Wait for TX room instead of dropping (lossless; default true). */
  retry?: boolean;
  /** Stop after this long; otherwise when `signal` aborts. */
  durationMs?: number;
  signal?: AbortSignal;
  /** Existing pool (else one is made for the run). */
  pool?: Pool;
  buffers?: number;
  /** Pin worker q to cpus[q % cpus.length] (SupervisorOptions.cpus; testpmd's lcore list). */
  cpus?: number[];
  /** Data room per buffer of the pool made for the run (bytes, default 2048). Jumbo frames
   *  (MTU 9000: 9014-byte frames) need 9216: a packet is always one buffer (docs/packets.md). */
  dataRoom?: number;
  /** Test hook: terminate queue 0's worker after this many ms (simulates a crash). */
  _testKillQueueAfterMs?: number;
  /** testpmd --tx-first: each worker sends this many 64-byte frames on both ports first. */
  txFirst?: number;
  /** Called once every worker is attached and forwarding. */
  onReady?: () => void;
  /** Called once a second with Mpps per queue. */
  onSecond?: (mppsPerQueue: number[], second: number) => void;
  /** Called once every worker runs, with what an observer reads (src/metrics). */
  onStart?: (ctx: FwdWatch) => void;
  /** Called after the workers stopped, before the ports close (an observer's last read). */
  onStop?: () => void;
}

/** What the forwarder shows an observer: its ports (a, b), pool, per-queue totals, supervisor. */
export interface FwdWatch {
  pool: Pool;
  ports: Port[];
  queues: number;
  perQueue: () => Array<{ forwarded: number; dropped: number }>;
  supervisor: Supervisor;
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

/** The forwarder's graph: rxa -> [swap] -> txb and rxb -> [swap] -> txa, plus tx-first sources. */
export function forwarderConfig(o: { a: string; b: string; mode: FwdMode; burst: number; retry: boolean; txFirst: number }): ConfigJSON {
  const full = o.retry ? 'wait' : 'drop';
  const apps: ConfigJSON['apps'] = {
    rxa: { app: 'PortIn', config: { port: o.a, name: 'a', burst: o.burst } },
    rxb: { app: 'PortIn', config: { port: o.b, name: 'b', burst: o.burst } },
    txa: { app: 'PortOut', config: { port: o.a, name: 'a', full } },
    txb: { app: 'PortOut', config: { port: o.b, name: 'b', full } },
  };
  const links: string[] = [];
  for (const [from, to] of [['a', 'b'], ['b', 'a']] as const) {
    if (o.mode === 'macswap') {
      apps[`swap${from}${to}`] = { app: 'MacSwap' };
      links.push(`rx${from}.out -> swap${from}${to}.in`, `swap${from}${to}.out -> tx${to}.in`);
    } else {
      links.push(`rx${from}.out -> tx${to}.in`);
    }
    if (o.txFirst > 0) {
      apps[`first${to}`] = { app: 'Source', config: { count: o.txFirst, burst: o.txFirst, size: 64 } };
      links.push(`first${to}.out -> tx${to}.first`);
    }
  }
  return { apps, links };
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
  const json = forwarderConfig({ a: o.a ?? 'null:size=64', b: o.b ?? 'null:size=64', mode, burst, retry: o.retry ?? true, txFirst });
  const sup = await Supervisor.start({
    source: { json }, queues, restart: false,
    ...(o.cpus ? { cpus: o.cpus } : {}),
    ...(o.pool ? { pool: o.pool } : { buffers: o.buffers ?? Math.max(8192, queues * 4096), ...(o.dataRoom !== undefined ? { dataRoom: o.dataRoom } : {}) }),
  });
  // Forwarded = what the TX apps sent, less the tx-first frames the sources put on their links.
  const fwd = (s: EngineStats | undefined) =>
    (s?.apps.txa?.out ?? 0) + (s?.apps.txb?.out ?? 0) - (s?.apps.firsta?.out ?? 0) - (s?.apps.firstb?.out ?? 0);
  const forwardedQ = () => { const st = sup.stats(); return sup.workers().map((w) => fwd(st.workers[w])); };
  const queueTotals = (ws: Record<string, EngineStats>) => sup.workers().map((w) => {
    const s = ws[w];
    return { forwarded: fwd(s), dropped: (s?.apps.txa?.dropped ?? 0) + (s?.apps.txb?.dropped ?? 0) };
  });
  let died: () => void = () => {};
  const death = new Promise<void>((res) => (died = res));
  sup.onDead = () => died();
  if (o._testKillQueueAfterMs !== undefined) setTimeout(() => void sup.kill('q0').catch(() => {}), o._testKillQueueAfterMs);
  o.onStart?.({ pool: sup.pool, ports: [sup.port('a')!, sup.port('b')!], queues, perQueue: () => queueTotals(sup.stats().workers), supervisor: sup });
  o.onReady?.();
  const t0 = performance.now();
  const samples: number[] = [];
  let last = forwardedQ(), lastT = t0;
  const stopped = new Promise<void>((res) => {
    if (o.signal?.aborted) return res();
    o.signal?.addEventListener('abort', () => res(), { once: true });
    if (o.durationMs !== undefined) setTimeout(res, o.durationMs).unref();
  });
  const tick = setInterval(() => {
    const now = performance.now();
    const cur = forwardedQ();
    const mpps = cur.map((v, q) => (v - last[q]!) / ((now - lastT) / 1000) / 1e6);
    samples.push(mpps.reduce((s, x) => s + x, 0));
    last = cur;
    lastT = now;
    o.onSecond?.(mpps, samples.length);
  }, 1000);
  try {
    await Promise.race([stopped, death]);
  } finally {
    clearInterval(tick);
  }
  const seconds = (performance.now() - t0) / 1000;
  const r = await sup.stop(o.onStop);
  if (sup.deathLog.length) {
    throw new RingwayError(Codes.WORKER_DIED,
      `forwarding worker for queue ${sup.deathLog.map((d) => `${d.worker.slice(1)} ${d.why}`).join(', ')}; the other queues were stopped, ` +
      `its pool cache was reclaimed and ` + (r.sweepRefused
        ? `${r.pool.missing} buffer(s) are out of the pool: other users of the pool still run; stop them, then reclaimLost(pool) returns what the dead worker held`
        : `the ${r.reclaimed} buffer(s) it held in flight were returned (pool audit: ${r.pool.missing} missing, ${r.pool.duplicates} duplicated)`));
  }
  const perQueue = queueTotals(r.stats.workers);
  return {
    seconds,
    forwarded: perQueue.reduce((x, q) => x + q.forwarded, 0),
    dropped: perQueue.reduce((x, q) => x + q.dropped, 0),
    perQueue,
    samples,
    pool: r.pool,
    ports: r.ports.filter((p) => p.name === 'a' || p.name === 'b').sort((x, y) => x.name.localeCompare(y.name))
      .map((p) => ({ spec: p.spec, stats: p.stats, ...(p.virtio ? { virtio: p.virtio } : {}) })),
  };
}
