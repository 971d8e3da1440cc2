// The soak: a fixed population of packets circulating for a long time through a multi-app
// pipeline over ring ports, then proof that nothing was lost or leaked and memory stayed flat.
// Used by bench/soak.ts (>= 1e9 packets) and test/stress/soak.test.ts (the CI length).
//
// Traffic path (`soakTraffic`, the one function to point at another engine): four forwarders
// (apps) in two pipelines sharing one pool, `queues` worker threads per app in the loop:
//
//   loop:   app 1 --ring:X--> app 2 --ring:Y--> app 1   (and the reverse direction on both rings)
//   chain:  null --> app 3 --ring:Z--> app 4 --> null   (and the reverse direction)
//
// In the loop every worker seeds `seed` packets on each of its two ports at start (testpmd
// --tx-first); from then on no packet is created or destroyed and the population stays below
// the ring capacity, so lossless (retry) forwarding never blocks. It soaks the rings. The chain
// soaks allocation and freeing: null ports create a packet per RX and free one per TX, and, since
// a generator always outruns the ring, its apps drop (counted) instead of retrying (two lossless
// apps waiting on each other's full ring would deadlock).
//
// Accounting, from the port and forwarder counters: every packet an app received was forwarded
// or counted as dropped ("unaccounted" must be 0), the seeds are what was asked, and at the end
// every packet ever created (seeds + null RX) was sunk (null TX), dropped, or was in a ring
// (drained back to the pool when the ring's last end closed). Physically, independent of every
// counter: Pool.audit() finds each buffer exactly once in the pool after everything closed (a ring
// that lost an entry would leave a buffer missing, one that repeated an entry a duplicate).
import { Pool } from '../../src/memory/pool.js';
import { runForwarder, type FwdResult } from '../../src/fwd/forwarder.js';

export interface SoakOptions {
  /** Stop once at least this many packets were forwarded (all apps, all queues). */
  packets: number;
  /** Queues (= worker threads) per loop app (default 2); chain apps run 1. */
  queues?: number;
  /** Packets each loop worker seeds on each of its ports (default 256; never fills a ring). */
  seed?: number;
  /** Called about once a second. */
  onSecond?: (forwarded: number, seconds: number) => void;
}

export interface TrafficResult {
  forwarded: number;
  /** Packets created: the seeds (TX total minus forwarded) plus null-port RX. */
  created: number;
  seeded: number;
  /** What the seeds should have been: 2 loop apps x queues x 2 ports x seed. */
  expectedSeeded: number;
  /** Taken by null-port TX (the chain's sinks). */
  sunk: number;
  /** Dropped by the forwarders (counted). */
  dropped: number;
  /** In a ring at stop (sent into ring ports minus received from them). */
  inRings: number;
  /** Received by an app but neither forwarded nor dropped (must be 0). */
  unaccounted: number;
  seconds: number;
  pool: { missing: number; duplicates: number };
  apps: FwdResult[];
}

export async function soakTraffic(o: SoakOptions): Promise<TrafficResult> {
  const queues = o.queues ?? 2;
  const seed = o.seed ?? 256;
  const pool = Pool.create({ name: 'soak', buffers: 32768 });
  const ac = new AbortController();
  const perApp = [0, 0, 0, 0];
  const t0 = performance.now();
  let last = 0;
  const onSecond = (app: number) => (mpps: number[]) => {
    perApp[app]! += mpps.reduce((s, x) => s + x, 0) * 1e6; // an estimate (per-second rates); exact totals come at the end
    const f = perApp.reduce((a, b) => a + b, 0);
    const secs = (performance.now() - t0) / 1000;
    if (app === 0 && secs - last >= 0.9) { last = secs; o.onSecond?.(f, secs); }
    // 1% over: the per-second estimate must not stop the run short of the target
    if (f >= o.packets * 1.01) ac.abort();
  };
  try {
    const loop = { pool, queues, mode: 'io' as const, retry: true, txFirst: seed, signal: ac.signal };
    const chain = { pool, queues: 1, mode: 'macswap' as const, retry: false, signal: ac.signal };
    const apps = await Promise.all([
      runForwarder({ ...loop, a: 'ring:soak-x', b: 'ring:soak-y', onSecond: onSecond(0) }),
      runForwarder({ ...loop, a: 'ring:soak-x', b: 'ring:soak-y', onSecond: onSecond(1) }),
      runForwarder({ ...chain, a: 'null:size=64', b: 'ring:soak-z', onSecond: onSecond(2) }),
      runForwarder({ ...chain, a: 'ring:soak-z', b: 'null:size=64', onSecond: onSecond(3) }),
    ]);
    const seconds = (performance.now() - t0) / 1000;
    let op = 0, ip = 0, forwarded = 0, dropped = 0, ringOp = 0, ringIp = 0, nullIp = 0, sunk = 0;
    for (const r of apps) {
      forwarded += r.forwarded;
      dropped += r.dropped;
      for (const p of r.ports) {
        op += p.stats.opackets;
        ip += p.stats.ipackets;
        if (p.spec.startsWith('ring:')) { ringOp += p.stats.opackets; ringIp += p.stats.ipackets; }
        else { nullIp += p.stats.ipackets; sunk += p.stats.opackets; }
      }
    }
    const seeded = op - forwarded;
    return {
      forwarded,
      created: seeded + nullIp,
      seeded,
      expectedSeeded: 2 * queues * 2 * seed,
      sunk,
      dropped,
      inRings: ringOp - ringIp,
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
  /** |created - (sunk + dropped + in rings)| + |unaccounted| + |seeds missing|: packets that vanished. */
  lost: number;
  /** Buffers not back in the pool, plus duplicates. */
  leaked: number;
  rssMiB: { first: number; last: number; max: number; baseline: number; growth: number; bound: number; samples: number };
  ok: boolean;
  why: string[];
}

/**
 * Runs the traffic path while sampling the process RSS four times a second (workers are threads:
 * one process holds all of it). RSS is flat when the highest sample of the last third exceeds the
 * baseline (the highest sample of the warm-up: a third of the run, at least 2 s and at most 10 s;
 * JIT, thread stacks, pool pages touched) by at most `rssBoundMiB`.
 */
export async function soak(o: SoakOptions & { rssBoundMiB?: number }): Promise<SoakResult> {
  const bound = o.rssBoundMiB ?? 64;
  const rss: Array<{ t: number; mib: number }> = [];
  const t0 = performance.now();
  const sample = () => rss.push({ t: (performance.now() - t0) / 1000, mib: process.memoryUsage.rss() / 2 ** 20 });
  sample();
  const timer = setInterval(sample, 250);
  let traffic: TrafficResult;
  try {
    traffic = await soakTraffic(o);
  } finally {
    clearInterval(timer);
  }
  sample();
  const lost = Math.abs(traffic.created - (traffic.sunk + traffic.dropped + traffic.inRings)) + Math.abs(traffic.unaccounted) +
    Math.abs(traffic.expectedSeeded - traffic.seeded);
  const leaked = traffic.pool.missing + traffic.pool.duplicates;
  const mibs = rss.map((s) => s.mib);
  // The warm-up lasts at least 2 s (a fast Node reaches its plateau of JIT code, thread stacks
  // and touched pool pages after a second or two, whatever the packet count); a run too short to
  // have a tail after it is a failure, not a pass.
  const end = rss[rss.length - 1]!.t;
  const warm = Math.min(10, Math.max(2, end / 3));
  const early = rss.filter((s) => s.t <= warm).map((s) => s.mib);
  const baseline = Math.max(...early);
  const tail = rss.filter((s) => s.t >= Math.max(warm, (end * 2) / 3)).map((s) => s.mib);
  const growth = tail.length ? Math.max(...tail) - baseline : 0;
  const why: string[] = [];
  if (traffic.forwarded < o.packets) why.push(`forwarded ${traffic.forwarded} < ${o.packets}`);
  if (lost) {
    why.push(`${lost} packet(s) lost (created ${traffic.created}, seeded ${traffic.seeded}/${traffic.expectedSeeded}, sunk ${traffic.sunk}, ` +
      `dropped ${traffic.dropped}, in rings ${traffic.inRings}, unaccounted ${traffic.unaccounted})`);
  }
  if (leaked) why.push(`${traffic.pool.missing} buffer(s) missing, ${traffic.pool.duplicates} duplicated`);
  if (tail.length === 0) why.push(`the run lasted ${end.toFixed(1)} s: too short to judge RSS after a ${warm} s warm-up (send more packets)`);
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
