// What the exporter reads: the shared counters of ports, pools, pipelines and forwarders that a
// datapath registers, turned into one plain snapshot on demand (a scrape, `ringway top`,
// `ringway stats --json`). Reading is plain loads from shared memory (Snabb's counters): no
// message to the workers, which busy-poll and would never answer. Values may be a burst old.
import type { Pool } from '../memory/pool.js';
import type { Port, QueueStats } from '../port/port.js';
import * as L from '../port/layout.js';
import type { CounterBlock } from '../pipeline/counters.js';
import { readStats, type EngineStats, type SlotMap } from '../pipeline/engine.js';
import { addStats, emptyStats } from '../pipeline/totals.js';
import type { AppCounters, LinkCounters } from '../pipeline/counters.js';
import { Mirror } from './mirror.js';

export interface QueueSnap extends QueueStats {
  /** Non-empty RX / TX bursts per size bucket (bucket k: up to 2^k packets; the last: larger). */
  histRx: number[];
  histTx: number[];
  /** Packets waiting in the RX ring (ring ports only). */
  rxOccupancy?: number;
}

export interface PortSnap {
  name: string;
  spec: string;
  driver: string;
  mac: string;
  linkUp: boolean;
  queues: QueueSnap[];
  /** virtio: used-ring entries the driver rejected (device events). */
  badUsed?: number;
  /** Packets a capture could not copy (mirror area full). */
  captureDropped: number;
  /** The queue a capture is armed on (-1: none). */
  captureQueue: number;
}

export interface PoolSnap {
  name: string;
  total: number;
  free: number;
  cached: number;
  inUse: number;
  allocFail: number;
}

export interface PipelineSnap {
  name: string;
  worker: string;
  restarts: number;
  breaths: number;
  apps: Record<string, AppCounters & { cls: string }>;
  links: Record<string, LinkCounters>;
  /** Packets on each link now: the live incarnation's sent minus delivered (what a dead worker's
   *  links held died with it; its counters stay in `links`). */
  occupancy: Record<string, number>;
}

export interface FwdSnap {
  name: string;
  queues: Array<{ forwarded: number; dropped: number }>;
}

export interface Snapshot {
  /** ms since the epoch */
  time: number;
  pid: number;
  ports: PortSnap[];
  pools: PoolSnap[];
  pipelines: PipelineSnap[];
  forwarders: FwdSnap[];
}

/** What a supervisor hands over for one engine: its counter block and slot map, read on demand. */
export interface PipelineSource {
  counters: CounterBlock;
  slots: SlotMap;
  worker: string;
  /** Times the supervisor restarted this worker. */
  restarts?: number;
  /** What the worker's dead incarnations counted (a supervisor's restarts): added to the live
   *  block, so the exported counters never go backwards (pipeline/totals.ts). */
  base?: EngineStats;
}

interface PortEntry { port: Port; mirror: Mirror }

export class Sources {
  private readonly ports = new Map<string, PortEntry>();
  private readonly pools = new Map<string, Pool>();
  private readonly pipelines = new Map<string, () => PipelineSource>();
  private readonly fwds = new Map<string, () => Array<{ forwarded: number; dropped: number }>>();
  private frozen: Snapshot | undefined;
  private cache: Snapshot | undefined;

  /** A port whose counters to export, by a name that stays fixed for the run (the `port` label). */
  registerPort(name: string, port: Port): void {
    this.ports.set(name, { port, mirror: new Mirror(port) });
    this.thaw();
  }

  registerPool(name: string, pool: Pool): void {
    this.pools.set(name, pool);
    this.thaw();
  }

  /** An engine's counters; `get` is called at every read, so a restarted worker's new block counts. */
  registerPipeline(name: string, get: () => PipelineSource): void {
    this.pipelines.set(name, get);
    this.thaw();
  }

  /** The forwarder's own per-queue totals (forwarded, dropped), read at every snapshot. */
  registerForwarder(name: string, perQueue: () => Array<{ forwarded: number; dropped: number }>): void {
    this.fwds.set(name, perQueue);
    this.thaw();
  }

  unregister(name: string): void {
    this.ports.delete(name);
    this.pools.delete(name);
    this.pipelines.delete(name);
    this.fwds.delete(name);
  }

  /** A registered port, for the capture server. */
  port(name: string): { port: Port; mirror: Mirror } | undefined {
    const e = this.ports.get(name);
    return e && e.port.isOpen ? e : undefined;
  }

  portNames(): string[] {
    return [...this.ports.keys()];
  }

  /** Keeps the values as they are now (call before closing ports at stop): later reads return
   *  them, so a last scrape agrees with the datapath's final totals. Registering anything thaws. */
  freeze(): void {
    this.frozen = this.read();
  }

  private thaw(): void {
    this.frozen = undefined;
    this.cache = undefined;
  }

  /** One consistent-enough view; reads within 20 ms share it (one scrape reads every metric). */
  snapshot(): Snapshot {
    if (this.frozen) return { ...this.frozen, time: Date.now() };
    const now = Date.now();
    if (this.cache && now - this.cache.time < 20) return this.cache;
    return (this.cache = this.read());
  }

  private read(): Snapshot {
    const ports: PortSnap[] = [];
    for (const [name, { port, mirror }] of this.ports) {
      if (!port.isOpen) continue;
      ports.push(readPort(name, port, mirror));
    }
    const pools: PoolSnap[] = [];
    for (const [name, pool] of this.pools) {
      try {
        const s = pool.stats();
        pools.push({ name, total: s.total, free: s.ringFree + s.cached, cached: s.cached, inUse: s.inUse, allocFail: s.allocFail });
      } catch {
        // closed: nothing to report
      }
    }
    const pipelines: PipelineSnap[] = [];
    for (const [name, get] of this.pipelines) {
      const src = get();
      const live = readStats(src.counters, src.slots);
      const st = src.base ? addStats(addStats(emptyStats(), src.base), live) : live;
      const apps: PipelineSnap['apps'] = {};
      // The live configuration's apps and links (one that a reconfiguration removed leaves the
      // export, as it does without a restart).
      for (const a of Object.keys(live.apps)) apps[a] = { ...st.apps[a]!, cls: src.slots.apps[a]!.cls };
      const links: PipelineSnap['links'] = {}, occupancy: PipelineSnap['occupancy'] = {};
      for (const [l, c] of Object.entries(live.links)) {
        links[l] = st.links[l]!;
        occupancy[l] = Math.max(0, c.sent - c.delivered);
      }
      pipelines.push({ name, worker: src.worker, restarts: src.restarts ?? 0, breaths: st.breaths, apps, links, occupancy });
    }
    const forwarders: FwdSnap[] = [];
    for (const [name, perQueue] of this.fwds) forwarders.push({ name, queues: perQueue() });
    return { time: Date.now(), pid: process.pid, ports, pools, pipelines, forwarders };
  }
}

function readPort(name: string, port: Port, mirror: Mirror): PortSnap {
  const s = port.stats();
  const info = port.info();
  const f = port.f64;
  const queues: QueueSnap[] = s.queues.map((qs, q) => {
    const hr = port.histBase(q, L.PORT_Q_HIST_RX), ht = port.histBase(q, L.PORT_Q_HIST_TX);
    const snap: QueueSnap = {
      ...qs,
      histRx: Array.from(f.subarray(hr, hr + L.PORT_HIST_BUCKETS)),
      histTx: Array.from(f.subarray(ht, ht + L.PORT_HIST_BUCKETS)),
    };
    const occ = port.rxOccupancy(q);
    if (occ !== undefined) snap.rxOccupancy = occ;
    return snap;
  });
  const p: PortSnap = {
    name, spec: port.desc.spec, driver: info.driver, mac: info.mac, linkUp: info.linkUp, queues,
    captureDropped: mirror.droppedTotal(), captureQueue: mirror.armed(),
  };
  if (port.kind === 'virtio') {
    try {
      p.badUsed = port.virtioInfo().badUsed;
    } catch {
      // the driver is busy or gone: leave the device counters out of this read
    }
  }
  return p;
}

/** Upper bounds of the burst-size histogram buckets (the last is +Inf). */
export const BURST_BOUNDS: number[] = Array.from({ length: L.PORT_HIST_BUCKETS - 1 }, (_, k) => 2 ** k);
