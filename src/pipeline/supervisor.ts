// The supervisor: runs a configuration on worker threads (one per queue, or one per stage), opens
// every port in the main thread, restarts a worker that dies, applies new configurations to
// running workers, and on stop drains everything and audits the pool.
//
// Buffer accounting when a worker dies: its pool cache is returned at once (the cache lives in its
// pool user slot, in shared memory). What it held in its links and apps lived on its own heap and
// is gone with it; those buffers are found by a sweep once every worker has stopped and every port
// is closed (then a buffer in neither the free ring nor a cache can only be a dead worker's), and
// stop() reports how many it took back. A running pipeline thus loses at most one worker's
// in-flight packets per crash, never buffers.
import { Worker, MessageChannel, type MessagePort } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { Pool } from '../memory/pool.js';
import { Port, type PortDescriptor, type PortStats, type VirtioPortInfo } from '../port/port.js';
import { Codes, RingwayError } from '../errors.js';
import { CounterBlock } from './counters.js';
import { reclaimLost } from '../memory/reclaim.js';
import { readStats, type EngineStats, type SlotMap } from './engine.js';
import type { AppCounters, LinkCounters } from './counters.js';
import { addStats, emptyStats } from './totals.js';
import { build, type ConfigSource } from './source.js';
import { allPorts, planWorkers, workerConfig, type WorkerPlan } from './stages.js';
import type { FromWorker, ToWorker, WorkerJob } from './worker.js';
import type { Config } from './config.js';

export interface SupervisorOptions {
  source: ConfigSource;
  /** Run to completion: one worker per queue of every port (default 1). */
  queues?: number;
  /** Pool to use (else one is made, with `buffers`). */
  pool?: Pool;
  buffers?: number;
  /** Data room of each buffer of the pool made here (bytes; default the pool's 2048): 9216 for jumbo frames. */
  dataRoom?: number;
  /** Restart a worker that dies (default true); at most maxRestarts times in all (default 100). */
  restart?: boolean;
  maxRestarts?: number;
  onRestart?: (worker: string, why: string) => void;
  /** Pin workers to CPUs (DPDK's lcore list): worker k (queue k, or stage k) runs on
   *  cpus[k % cpus.length] only. Default: not pinned (the scheduler places them). */
  cpus?: number[];
}

export interface PipelineStats {
  /** Per app, summed over the workers that run it (and their dead predecessors). */
  apps: Record<string, AppCounters>;
  links: Record<string, LinkCounters>;
  /** Per worker, its incarnations added up (a restart never makes a value smaller). */
  workers: Record<string, EngineStats>;
  restarts: number;
}

export interface PortReport {
  name: string;
  spec: string;
  stats: PortStats;
  /** virtio ports: driver facts and counters. */
  virtio?: VirtioPortInfo;
}

export interface StopResult {
  stats: PipelineStats;
  ports: PortReport[];
  /** Buffers a dead worker held, found and returned by the sweep. */
  reclaimed: number;
  /** Why the sweep was refused (another user of the pool still ran), if it was. */
  sweepRefused?: string;
  /** After the sweep: every buffer's whereabouts (free = in the ring or a cache). */
  pool: { total: number; free: number; inUse: number; missing: number; duplicates: number };
}

interface Slot {
  plan: WorkerPlan;
  worker: Worker | null;
  ctl: MessagePort | null;
  counters: CounterBlock;
  slots: SlotMap;
  /** The dead incarnations' last counters, added up (totals.ts: every reader adds them). */
  base: EngineStats;
  poolSlot: number;
  done: Promise<FromWorker & { type: 'done' }> | null;
  exited: boolean;
  restarts: number;
}

export class Supervisor {
  restarts = 0;
  /** Why each worker that died did (in order). */
  readonly deathLog: Array<{ worker: string; why: string }> = [];
  private readonly slots: Slot[] = [];
  private readonly ports = new Map<string, Port | [Port, Port]>();
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));
  private stopping = false;
  private deaths = 0;
  private source: ConfigSource;
  private cfg!: Config;
  private readonly tag = `rw${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly ownPool: boolean;
  /** Called when a worker died and will not be restarted. */
  onDead?: () => void;
  readonly pool: Pool;
  readonly queues: number;

  private constructor(private readonly o: SupervisorOptions) {
    this.source = o.source;
    this.queues = o.queues ?? 1;
    this.ownPool = !o.pool;
    this.pool = o.pool ?? Pool.create({ name: 'pipeline', buffers: o.buffers ?? Math.max(8192, this.queues * 4096), ...(o.dataRoom !== undefined ? { dataRoom: o.dataRoom } : {}) });
  }

  /** Builds the configuration, opens its ports, starts the workers; resolves once all run. */
  static async start(o: SupervisorOptions): Promise<Supervisor> {
    const q = o.queues ?? 1;
    if (!Number.isInteger(q) || q < 1 || q > 64) throw new RingwayError(Codes.INVALID_ARGUMENT, `queues ${q}: use 1 to 64`);
    if (o.cpus !== undefined && (!Array.isArray(o.cpus) || o.cpus.length === 0 || !o.cpus.every((c) => Number.isInteger(c) && c >= 0))) {
      throw new RingwayError(Codes.INVALID_ARGUMENT, `cpus ${JSON.stringify(o.cpus)}: give CPU numbers, e.g. [1] or [2, 3] (worker k runs on cpus[k % cpus.length])`);
    }
    const s = new Supervisor(o);
    try {
      s.cfg = await build(s.source, { queue: 0, queues: s.queues });
      const plans = planWorkers(s.cfg, s.queues, s.tag);
      if (plans[0]?.stage && s.queues !== 1) throw new RingwayError(Codes.INVALID_ARGUMENT, 'a stage pipeline (apps naming workers) runs on one queue; drop queues or the worker names');
      s.openPorts(s.cfg, plans);
      for (const plan of plans) {
        const slot: Slot = { plan, worker: null, ctl: null, counters: CounterBlock.create(), slots: { apps: {}, links: {} }, base: emptyStats(), poolSlot: -1, done: null, exited: false, restarts: 0 };
        s.slots.push(slot);
      }
      await Promise.all(s.slots.map((sl) => s.spawn(sl)));
    } catch (e) {
      await s.abort();
      throw e;
    }
    return s;
  }

  /** Worker names, in order. */
  workers(): string[] {
    return this.slots.map((s) => s.plan.name);
  }

  private openPorts(cfg: Config, plans: WorkerPlan[]): void {
    for (const { key, spec } of allPorts(cfg)) {
      if (!this.ports.has(key)) this.ports.set(key, Port.open(spec, { pool: this.pool, queues: this.queues }));
    }
    for (const c of plans[0]?.cross ?? []) {
      if (!this.ports.has(c.spec)) {
        const a = Port.open(c.spec, { pool: this.pool, queues: 1 });
        this.ports.set(c.spec, [a, Port.open(c.spec, { pool: this.pool, queues: 1 })]);
      }
    }
  }

  /** Descriptors worker `plan` attaches to (a cross link's sending end or receiving end). */
  private descriptors(plan: WorkerPlan, cfg: Config): Record<string, PortDescriptor> {
    const d: Record<string, PortDescriptor> = {};
    for (const [key, p] of this.ports) if (!Array.isArray(p)) d[key] = p.descriptor();
    for (const c of plan.cross) {
      const pair = this.ports.get(c.spec) as [Port, Port];
      const l = cfg.links.get(c.link)!;
      if (cfg.apps.get(l.from)!.worker === plan.name) d[c.spec] = pair[0].descriptor();
      else if (cfg.apps.get(l.to)!.worker === plan.name) d[c.spec] = pair[1].descriptor();
    }
    return d;
  }

  private spawn(sl: Slot): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    sl.counters = CounterBlock.create();
    const job: WorkerJob = {
      source: this.source, plan: sl.plan, queues: this.queues, poolId: this.pool.id,
      ports: this.descriptors(sl.plan, this.cfg), counters: sl.counters.descriptor(), stop: this.stopFlag, ctl: port2,
      ...(this.o.cpus ? { cpu: this.o.cpus[this.slots.indexOf(sl) % this.o.cpus.length]! } : {}),
    };
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: job, transferList: [port2] });
    sl.worker = w;
    sl.ctl = port1;
    sl.exited = false;
    let readyRes!: () => void, readyRej!: (e: Error) => void;
    const ready = new Promise<void>((res, rej) => { readyRes = res; readyRej = rej; });
    let doneRes!: (m: FromWorker & { type: 'done' }) => void;
    sl.done = new Promise((res) => (doneRes = res));
    let started = false, finished = false;
    w.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        sl.poolSlot = m.slot;
        sl.slots = m.slots;
        started = true;
        readyRes();
      } else if (m.type === 'done') {
        finished = true;
        doneRes(m);
      } else if (m.type === 'error' && !started) {
        readyRej(new RingwayError((m.code as never) ?? Codes.BAD_CONFIG, `worker ${sl.plan.name}: ${m.message}`));
      }
    });
    w.on('error', () => { /* the exit handler decides */ });
    w.once('exit', (code) => {
      sl.exited = true;
      sl.worker = null;
      if (!started) {
        readyRej(new RingwayError(Codes.WORKER_DIED, `worker ${sl.plan.name} exited with code ${code} before it ran`));
        return;
      }
      if (finished) return;
      this.onDeath(sl, `exited with code ${code}`);
      doneRes({ type: 'done', inFlight: 0 });
    });
    return ready;
  }

  private onDeath(sl: Slot, why: string): void {
    this.deaths++;
    this.deathLog.push({ worker: sl.plan.name, why });
    // Its cache is in shared memory: give it back now. Its links died with its heap (see top).
    if (sl.poolSlot >= 0) this.pool.reclaimUser(sl.poolSlot);
    addStats(sl.base, readStats(sl.counters, sl.slots)); // exact: the worker has exited
    sl.poolSlot = -1;
    if (this.stopping || this.o.restart === false || this.restarts >= (this.o.maxRestarts ?? 100)) {
      this.onDead?.();
      return;
    }
    this.restarts++;
    sl.restarts++;
    this.o.onRestart?.(sl.plan.name, why);
    this.spawn(sl).catch(() => { /* a failing restart stays dead; stop() reports it */ });
  }

  /** Test hook and operator action: terminates worker `name` as a crash would. */
  async kill(name: string): Promise<void> {
    const sl = this.slots.find((s) => s.plan.name === name);
    if (!sl?.worker) throw new RingwayError(Codes.INVALID_ARGUMENT, `no running worker '${name}'; workers are ${this.workers().join(', ')}`);
    const w = sl.worker;
    const exited = new Promise((res) => w.once('exit', res));
    await w.terminate();
    await exited;
  }

  /** Resolves once worker `name` runs again after a restart. */
  async running(name: string, timeoutMs = 10000): Promise<void> {
    const sl = this.slots.find((s) => s.plan.name === name)!;
    const t0 = Date.now();
    while (!(sl.worker && sl.poolSlot >= 0)) {
      if (Date.now() - t0 > timeoutMs) throw new RingwayError(Codes.WORKER_DIED, `worker ${name} did not come back`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /**
   * Applies a new configuration to every worker as a diff (Engine.configure): unchanged apps and
   * links keep running and keep their packets. New ports are opened first; ports no longer named
   * are closed after every worker took the new graph.
   */
  async configure(source: ConfigSource): Promise<void> {
    const cfg = await build(source, { queue: 0, queues: this.queues });
    const plans = planWorkers(cfg, this.queues, this.tag);
    if (plans.map((p) => p.name).join() !== this.slots.map((s) => s.plan.name).join()) {
      throw new RingwayError(Codes.BAD_CONFIG, `a new configuration must keep the workers (${this.workers().join(', ')}); stop and start to change them`);
    }
    const before = new Set(this.ports.keys());
    this.openPorts(cfg, plans);
    await Promise.all(this.slots.map((sl, i) => {
      const plan = plans[i]!;
      sl.plan = plan;
      workerConfig(cfg, plan); // validates the worker's graph here before any worker sees it
      const w = sl.worker;
      if (!w) return Promise.resolve();
      return new Promise<void>((res, rej) => {
        const on = (m: FromWorker) => {
          if (m.type === 'configured') { sl.slots = m.slots; w.off('message', on); res(); }
          else if (m.type === 'error') { w.off('message', on); rej(new RingwayError((m.code as never) ?? Codes.BAD_CONFIG, `worker ${plan.name}: ${m.message}`)); }
        };
        w.on('message', on);
        const msg: ToWorker = { type: 'configure', source, ports: this.descriptors(plan, cfg), plan };
        sl.ctl!.postMessage(msg);
      });
    }));
    this.source = source;
    this.cfg = cfg;
    const named = new Set([...allPorts(cfg).map((u) => u.key), ...(plans[0]?.cross ?? []).map((c) => c.spec)]);
    for (const spec of before) if (!named.has(spec)) this.closePort(spec);
  }

  private closePort(spec: string): void {
    const p = this.ports.get(spec);
    this.ports.delete(spec);
    if (Array.isArray(p)) p.forEach((x) => x.close());
    else p?.close();
  }

  stats(): PipelineStats {
    const sum = emptyStats();
    const workers: Record<string, EngineStats> = {};
    for (const sl of this.slots) {
      const w = addStats(addStats(emptyStats(), sl.base), readStats(sl.counters, sl.slots));
      workers[sl.plan.name] = w;
      addStats(sum, w);
    }
    return { apps: sum.apps, links: sum.links, workers, restarts: this.restarts };
  }

  /** Worker `name`'s live counter block and slot map (a metrics reader; after a restart, the new
   *  incarnation's) and `base`, what its dead incarnations counted, which the reader adds. */
  pipelineSource(name: string): { counters: CounterBlock; slots: SlotMap; worker: string; restarts: number; base: EngineStats } {
    const sl = this.slots.find((s) => s.plan.name === name);
    if (!sl) throw new RingwayError(Codes.INVALID_ARGUMENT, `no worker '${name}'; workers are ${this.workers().join(', ')}`);
    return { counters: sl.counters, slots: sl.slots, worker: name, restarts: sl.restarts, base: sl.base };
  }

  /** Live per-port counters (the ports the supervisor opened). */
  portStats(): PortReport[] {
    const out: PortReport[] = [];
    for (const [name, p] of this.ports) {
      if (Array.isArray(p)) continue;
      out.push({ name, spec: p.desc.spec, stats: p.stats(), ...(p.kind === 'virtio' ? { virtio: p.virtioInfo() } : {}) });
    }
    return out;
  }

  /** The open port named `name` (the spec, or the apps' `name` field). */
  port(name: string): Port | undefined {
    const p = this.ports.get(name);
    return Array.isArray(p) ? undefined : p;
  }

  /** Stops every worker (each drains its links), calls `beforeClose` (an observer's last read),
   *  closes the ports, sweeps and audits the pool. */
  async stop(beforeClose?: () => void): Promise<StopResult> {
    this.stopping = true;
    Atomics.store(this.stopFlag, 0, 1);
    await Promise.all(this.slots.map((s) => s.done));
    beforeClose?.();
    const stats = this.stats();
    const ports = this.portStats();
    for (const spec of [...this.ports.keys()]) this.closePort(spec);
    // Every worker is gone and every port closed: a buffer found in neither the free ring nor a
    // cache was a dead worker's (memory/reclaim.ts, which refuses while any other user of the pool
    // still runs: then those buffers stay out and the audit says how many). Without a death there
    // is nothing to sweep, and a missing buffer is a real leak that the audit reports.
    let reclaimed = 0, sweepRefused: string | undefined;
    if (this.deaths > 0) {
      try {
        reclaimed = reclaimLost(this.pool).returned;
      } catch (e) {
        if ((e as { code?: string }).code !== Codes.INVALID_ARGUMENT) throw e;
        sweepRefused = (e as Error).message;
      }
    }
    const a = this.pool.audit();
    const ps = this.pool.stats();
    const result: StopResult = {
      stats, ports, reclaimed, ...(sweepRefused ? { sweepRefused } : {}),
      pool: { total: ps.total, free: ps.ringFree + ps.cached, inUse: ps.inUse, ...a },
    };
    if (this.ownPool) this.pool.close();
    return result;
  }

  private async abort(): Promise<void> {
    this.stopping = true;
    Atomics.store(this.stopFlag, 0, 1);
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
    for (const spec of [...this.ports.keys()]) this.closePort(spec);
    if (this.ownPool) this.pool.close();
  }
}
