// The soak: a fixed population of packets circulating for a long time through a multi-app
// pipeline over ring ports, then proof that nothing was lost or leaked and memory stayed flat.
// Used by bench/soak.ts (>= 1e9 packets) and test/stress/soak.test.ts (the CI length).
//
// Traffic path (`soakTraffic`, the one function to point at another engine): two forwarders
// (two apps, `queues` worker threads each) wired in a loop by two ring port pairs:
//
//     app 1 --ring:X--> app 2 --ring:Y--> app 1      and the reverse direction on the same rings
//
// Every worker seeds `seed` packets on each of its two ports at start (testpmd --tx-first); from
// then on no packet is created or destroyed, so the population is known exactly and the end
// state must account for every one of them: dropped at stop (counted by the forwarders) or still
// in a ring (drained back to the pool when the last end closes). No null port generates: a
// generator outpacing a lossless (retry) forwarder would fill the rings and two forwarders
// waiting on each other's full ring deadlock; a closed loop with a population below the ring
// capacity never blocks.
import { Pool } from '../../src/memory/pool.js';
import { runForwarder, type FwdResult } from '../../src/fwd/forwarder.js';

export interface SoakOptions {
  /** Stop once at least this many packets were forwarded (both apps, all queues). */
  packets: number;
  /** Queues (= worker threads) per app (default 2). */
  queues?: number;
  /** Packets each worker seeds on each of its ports (default 256; the loop never fills a ring). */
  seed?: number;
  /** Called about once a second. */
  onSecond?: (forwarded: number, seconds: number) => void;
}

export interface TrafficResult {
  forwarded: number;
  /** Packets created (the seeds), as counted by the ports: TX total minus forwarded. */
  seeded: number;
  /** What the seeds should have been: 2 apps x queues x 2 ports x seed. */
  expectedSeeded: number;
  /** Dropped by the forwarders (only at stop: retry mode). */
  dropped: number;
  /** In a ring at stop (sent into a ring minus received from one). */
  inRings: number;
  /** Received from a ring but neither forwarded nor dropped (must be 0). */
  unaccounted: number;
  seconds: number;
  pool: { missing: number; duplicates: number };
  apps: FwdResult[];
}

export async function soakTraffic(o: SoakOptions): Promise<TrafficResult> {
  const queues = o.queues ?? 2;
  const seed = o.seed ?? 256;
  const pool = Pool.create({ name: 'soak', buffers: 16384 });
  const ac = new AbortController();
  const perApp = [0, 0];
  const t0 = performance.now();
  let last = 0;
  const onSecond = (app: number) => (mpps: number[]) => {
    perApp[app]! += mpps.reduce((s, x) => s + x, 0) * 1e6; // an estimate (per-second rates); exact totals come at the end
    const f = perApp[0]! + perApp[1]!;
    const secs = (performance.now() - t0) / 1000;
    if (app === 1 && secs - last >= 0.9) { last = secs; o.onSecond?.(f, secs); }
    // 1% over: the per-second estimate must not stop the run short of the target
    if (f >= o.packets * 1.01) ac.abort();
  };
  try {
    const common = { pool, queues, mode: 'io' as const, retry: true, txFirst: seed, signal: ac.signal };
    const apps = await Promise.all([
      runForwarder({ ...common, a: 'ring:soak-x', b: 'ring:soak-y', onSecond: onSecond(0) }),
      runForwarder({ ...common, a: 'ring:soak-x', b: 'ring:soak-y', onSecond: onSecond(1) }),
    ]);
    const seconds = (performance.now() - t0) / 1000;
    let op = 0, ip = 0, forwarded = 0, dropped = 0;
    for (const r of apps) {
      forwarded += r.forwarded;
      dropped += r.dropped;
      for (const p of r.ports) { op += p.stats.opackets; ip += p.stats.ipackets; }
    }
    return {
      forwarded,
      seeded: op - forwarded,
      expectedSeeded: 2 * queues * 2 * seed,
      dropped,
      inRings: op - ip,
      unaccounted: ip - forwarded - dropped,
      seconds,
      pool: pool.audit(),
      apps,
    };
  } finally {
    pool.close();
  }
}

export interface SoakResult {
  traffic: TrafficResult;
  /** |created - (dropped + in rings)| + |unaccounted|: packets that vanished. */
  lost: number;
  /** Buffers not back in the pool, plus duplicates. */
  leaked: number;
  rssMiB: { first: number; last: number; max: number; baseline: number; growth: number; bound: number; samples: number };
  ok: boolean;
  why: string[];
}

/**
 * Runs the traffic path while sampling the process RSS every second (workers are threads: one
 * process holds all of it). RSS is flat when the highest sample of the last third exceeds the
 * baseline (the highest sample of the warm-up: the first 10 s or third of the run, whichever is
 * shorter; JIT, thread stacks, pool pages touched) by at most `rssBoundMiB`.
 */
export async function soak(o: SoakOptions & { rssBoundMiB?: number }): Promise<SoakResult> {
  const bound = o.rssBoundMiB ?? 64;
  const rss: Array<{ t: number; mib: number }> = [];
  const t0 = performance.now();
  const sample = () => rss.push({ t: (performance.now() - t0) / 1000, mib: process.memoryUsage.rss() / 2 ** 20 });
  sample();
  const timer = setInterval(sample, 1000);
  let traffic: TrafficResult;
  try {
    traffic = await soakTraffic(o);
  } finally {
    clearInterval(timer);
  }
  sample();
  const lost = Math.abs(traffic.seeded - (traffic.dropped + traffic.inRings)) + Math.abs(traffic.unaccounted) +
    Math.abs(traffic.expectedSeeded - traffic.seeded);
  const leaked = traffic.pool.missing + traffic.pool.duplicates;
  const mibs = rss.map((s) => s.mib);
  const warm = Math.min(10, (rss[rss.length - 1]!.t) / 3);
  const early = rss.filter((s) => s.t <= warm).map((s) => s.mib);
  const baseline = Math.max(...early);
  const tail = mibs.slice(Math.floor((mibs.length * 2) / 3));
  const growth = Math.max(...tail) - baseline;
  const why: string[] = [];
  if (traffic.forwarded < o.packets) why.push(`forwarded ${traffic.forwarded} < ${o.packets}`);
  if (lost) why.push(`${lost} packet(s) lost (seeded ${traffic.seeded}/${traffic.expectedSeeded}, dropped ${traffic.dropped}, in rings ${traffic.inRings}, unaccounted ${traffic.unaccounted})`);
  if (leaked) why.push(`${traffic.pool.missing} buffer(s) missing, ${traffic.pool.duplicates} duplicated`);
  if (growth > bound) why.push(`RSS grew ${growth.toFixed(1)} MiB over the warm-up baseline (bound ${bound} MiB)`);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    traffic,
    lost,
    leaked,
    rssMiB: { first: r1(mibs[0]!), last: r1(mibs[mibs.length - 1]!), max: r1(Math.max(...mibs)), baseline: r1(baseline), growth: r1(growth), bound, samples: mibs.length },
    ok: why.length === 0,
    why,
  };
}
