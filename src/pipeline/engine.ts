// The engine: runs one configuration's apps on one thread (Snabb's engine, VPP's graph runtime).
// Each breath pulls every source once, then pushes every non-empty link's burst to its receiver,
// receivers in topological order, so a packet pulled in a breath normally leaves in the same one.
// A breath allocates nothing and makes no N-API call of its own (a port app makes one per burst).
//
// `configure(next)` applies a configuration as a diff (Snabb's app table update): apps and links
// present in both with the same class and config keep running and keep the packets on their
// links; apps whose config changed take it in place (App.reconfigure) or are restarted; removed
// apps are stopped (they give back what they hold) and removed links are drained into the pool.
// A configuration is validated completely, and every new or restarted app constructed, before
// anything running changes: a constructor that refuses leaves the running graph as it was.
import { Pool, PoolView } from '../memory/pool.js';
import type { PortDescriptor } from '../port/port.js';
import { App, reasonNames, type AppClass, type AppContext } from './app.js';
import { Config, linkName, sameApp, type AppEntry, type LinkEntry } from './config.js';
import {
  APP_IN, APP_OUT, CounterBlock, ENG_BREATHS, ENG_GENERATION, LINK_DELIVERED, MAX_REASONS,
  type AppCounters, type CounterDescriptor, type LinkCounters,
} from './counters.js';
import { LINK_CAPACITY, Link, type LendState } from './link.js';
import { PortTable } from './ports.js';
import { ConfigError } from './schema.js';
import { idleAll } from './idle.js';

export interface EngineOptions {
  /** The pool packets come from (owner mode: ports are opened on it), or its id. */
  pool: Pool | number;
  /** Which queue of every port this engine drives (default 0). */
  queue?: number;
  /** Owner mode: queue pairs of the ports it opens (default 1). */
  queues?: number;
  /** Worker mode: ports the supervisor opened, by spec (the engine attaches to them). */
  ports?: Record<string, PortDescriptor>;
  /** Where the counters live (default: a new block). */
  counters?: CounterDescriptor;
}

export interface RunOptions {
  /** Ends the run when stop[0] != 0 (another thread sets it with Atomics.store). */
  stop?: Int32Array;
  durationMs?: number;
  /** Ends after this many breaths (tests). */
  breaths?: number;
  /** Checked every 256 breaths; true ends the run. */
  until?: () => boolean;
  /** Breaths with nothing pulled before the engine lets a source sleep (default 256). */
  idleSpins?: number;
  /** Ends after this many breaths in a row with nothing pulled (finite sources: a capture). */
  untilIdle?: number;
  /** Called about every millisecond between breaths (the worker's control channel). */
  poll?: () => void;
}

/** Counter slots, drop-reason names and each app's link slots (its in and out are its own
 *  counts plus its links'), for a reader in another thread. */
export interface SlotMap {
  apps: Record<string, { slot: number; cls: string; reasons: string[]; inLinks: number[]; outLinks: number[] }>;
  links: Record<string, number>;
}

export interface EngineStats {
  breaths: number;
  apps: Record<string, AppCounters>;
  links: Record<string, LinkCounters>;
}

interface Running {
  entry: AppEntry;
  app: App;
  slot: number;
  ports: string[];
  inputs: string[];
  outputs: string[];
}

interface RunningLink {
  entry: LinkEntry;
  link: Link;
  slot: number;
}

export class Engine {
  readonly pool: PoolView;
  readonly queue: number;
  readonly counters: CounterBlock;
  private readonly ports: PortTable;
  private readonly apps = new Map<string, Running>();
  private readonly links = new Map<string, RunningLink>();
  private readonly lend: LendState = { lent: null, lender: null };
  private readonly poolId: number;
  private config = new Config();
  // The breath's flat schedule, rebuilt by configure().
  private sources: App[] = [];
  private idlers: App[] = [];
  private tickers: App[] = [];
  private pushApp: App[] = [];
  private pushIn: number[] = [];
  private pushLink: Link[] = [];
  private pushDel: number[] = []; // f64 index of the link's LINK_DELIVERED
  private stopping = false;
  /** The stop flag of the run in progress: an app waiting inside a push (PortOut full=wait)
   *  gives up when it is set, so a stage blocked on a stopped neighbour still stops. */
  private runStop: Int32Array | undefined;
  private closed = false;
  private lastTick = 0;
  private breaths = 0;

  constructor(o: EngineOptions) {
    this.poolId = typeof o.pool === 'number' ? o.pool : o.pool.id;
    this.queue = o.queue ?? 0;
    this.counters = o.counters ? CounterBlock.from(o.counters) : CounterBlock.create();
    this.ports = new PortTable(o.ports ? null : o.pool, o.queues ?? 1, o.ports ? { ...o.ports } : null);
    this.pool = PoolView.forThread(this.poolId);
  }

  /** Worker mode: ports the supervisor opened for a coming configuration. */
  addPorts(d: Record<string, PortDescriptor>): void {
    this.ports.addDescriptors(d);
  }

  /** The running instance of app `name` (to call its own API, e.g. a router's addRoute), if any.
   *  Only from the engine's own thread; other threads reconfigure instead. */
  app<A extends App = App>(name: string): A | undefined {
    return this.apps.get(name)?.app as A | undefined;
  }

  /** The configuration now running. */
  current(): Config {
    return this.config;
  }

  /** Applies `next` as a diff against what runs (see the file comment). */
  configure(next: Config): void {
    if (this.closed) throw new ConfigError('engine is stopped; make a new one');
    next.validate();
    for (const [name, e] of next.apps) {
      if (e.cls.dropReasons.length > MAX_REASONS - 1) throw new ConfigError(`app '${name}' (${e.cls.name}): at most ${MAX_REASONS - 1} drop reasons`);
    }
    // 1. Decide per app: keep, take the new config in place, or (re)start. New instances are made
    //    before anything running is touched, so a constructor that refuses its config (a ConfigError,
    //    a port that will not open) leaves the running graph exactly as it was.
    const fresh = new Map<string, Running>();
    const inPlace: string[] = [];
    const build = (name: string, e: AppEntry) => {
      const old = this.apps.get(name);
      const slot = old ? old.slot : this.counters.allocApp();
      try {
        fresh.set(name, this.startApp(name, e, slot, next));
      } catch (err) {
        if (!old) this.counters.releaseApp(slot);
        for (const [n, r] of fresh) { // undo: the instances made so far go, the running ones stay
          this.stopApp(r);
          if (!this.apps.has(n)) this.counters.releaseApp(r.slot);
        }
        throw err;
      }
    };
    for (const [name, e] of next.apps) {
      const r = this.apps.get(name);
      if (!r) {
        build(name, e);
        continue;
      }
      const io = ioNames(next, name, e.cls);
      const ioChanged = (e.cls.inputs === '*' && io.inputs.join() !== r.inputs.join()) ||
        (e.cls.outputs === '*' && io.outputs.join() !== r.outputs.join());
      if (sameApp(r.entry, e) && !ioChanged) continue;
      if (r.entry.cls === e.cls && !ioChanged && r.app.reconfigure) inPlace.push(name);
      else build(name, e);
    }
    // 2. Apps that may take their new config in place; one that refuses is restarted (made now).
    for (const name of inPlace) {
      const r = this.apps.get(name)!, e = next.apps.get(name)!;
      if (r.app.reconfigure!(e.config) === true) r.entry = e;
      else build(name, e);
    }
    // 3. Removed links: drained into the pool, their counts folded into their apps.
    for (const [key, rl] of this.links) {
      if (!next.links.has(key)) {
        rl.link.drain();
        this.foldLink(rl);
        this.counters.releaseLink(rl.slot);
        this.links.delete(key);
      }
    }
    // 4. Removed apps and the old instances of restarted ones stop (they give back what they hold).
    for (const [name, r] of [...this.apps]) {
      if (next.apps.has(name) && !fresh.has(name)) continue;
      this.stopApp(r);
      if (!next.apps.has(name)) {
        this.counters.releaseApp(r.slot);
        this.apps.delete(name);
      }
    }
    for (const [name, r] of fresh) this.apps.set(name, r);
    // 5. New links.
    for (const [key, l] of next.links) {
      if (this.links.has(key)) continue;
      const slot = this.counters.allocLink();
      const from = this.apps.get(l.from)!;
      const link = new Link(key, LINK_CAPACITY, this.pool, this.counters.f64, this.counters.linkBase(slot), this.counters.appBase(from.slot), this.lend);
      this.links.set(key, { entry: l, link, slot });
    }
    this.config = next;
    this.wire();
    this.counters.f64[ENG_GENERATION] = this.counters.f64[ENG_GENERATION]! + 1;
  }

  /** A link goes away: its counts stay in its apps' own totals (counters never go backwards). */
  private foldLink(rl: RunningLink): void {
    const f = this.counters.f64, lc = this.counters.readLink(rl.slot);
    const from = this.apps.get(rl.entry.from), to = this.apps.get(rl.entry.to);
    if (from) f[this.counters.appBase(from.slot) + APP_OUT] = f[this.counters.appBase(from.slot) + APP_OUT]! + lc.sent;
    if (to) f[this.counters.appBase(to.slot) + APP_IN] = f[this.counters.appBase(to.slot) + APP_IN]! + lc.delivered;
  }

  private startApp(name: string, e: AppEntry, slot: number, cfg: Config): Running {
    const io = ioNames(cfg, name, e.cls);
    const taken: string[] = [];
    const ctx: AppContext = {
      name,
      pool: this.pool,
      queue: this.queue,
      port: (spec: string, key: string = spec) => {
        const p = this.ports.get(key, spec, name);
        taken.push(key);
        return p;
      },
      ctr: this.counters.f64,
      ctrBase: this.counters.appBase(slot),
      inputs: io.inputs,
      outputs: io.outputs,
      stopping: () => this.stopping || (this.runStop !== undefined && Atomics.load(this.runStop, 0) !== 0),
    };
    let app: App;
    try {
      app = new (e.cls as unknown as new (c: AppContext, config: unknown) => App)(ctx, e.config);
    } catch (err) {
      for (const s of taken) this.ports.release(s);
      throw err;
    }
    return { entry: e, app, slot, ports: taken, inputs: io.inputs, outputs: io.outputs };
  }

  private stopApp(r: Running): void {
    try {
      r.app.stop?.();
    } finally {
      for (const s of r.ports) this.ports.release(s);
      r.ports = [];
    }
  }

  /** Rebuilds every app's outputs and the breath's schedule. */
  private wire(): void {
    const f64 = this.counters.f64;
    for (const [name, r] of this.apps) {
      const out = r.app.out;
      out.length = 0;
      for (const o of r.outputs) {
        const rl = [...this.links.values()].find((x) => x.entry.from === name && x.entry.output === o);
        if (rl) {
          rl.link.ab = this.counters.appBase(r.slot);
          out.push(rl.link);
        } else {
          out.push(new Link(`${name}.${o} (unconnected)`, 0, this.pool, f64, -1, this.counters.appBase(r.slot), this.lend));
        }
      }
    }
    const order = topoOrder(this.config);
    this.sources = [];
    this.idlers = [];
    this.tickers = [];
    this.pushApp = [];
    this.pushIn = [];
    this.pushLink = [];
    this.pushDel = [];
    for (const name of order) {
      const r = this.apps.get(name)!;
      const a = r.app;
      if (a.pull) this.sources.push(a);
      if (a.pull && a.idle) this.idlers.push(a);
      if (a.tick) this.tickers.push(a);
      r.inputs.forEach((input, i) => {
        const rl = [...this.links.values()].find((x) => x.entry.to === name && x.entry.input === input);
        if (!rl) return;
        if (!a.push) throw new ConfigError(`app '${name}' (${r.entry.cls.name}) is linked on input '${input}' but takes no packets (no push)`);
        this.pushApp.push(a);
        this.pushIn.push(i);
        this.pushLink.push(rl.link);
        this.pushDel.push(this.counters.linkBase(rl.slot) + LINK_DELIVERED);
      });
    }
  }

  /** One breath; returns how many packets the sources pulled (run() counts the breaths). */
  breathe(): number {
    const src = this.sources, c = this.counters.f64, lend = this.lend;
    let pulled = 0;
    for (let i = 0; i < src.length; i++) pulled += src[i]!.pull!();
    const apps = this.pushApp, links = this.pushLink, ins = this.pushIn, dc = this.pushDel;
    for (let k = 0; k < links.length; k++) {
      const l = links[k]!;
      const n = l.n;
      if (n === 0) continue;
      const hs = l.buf;
      l.n = 0; // the burst is the receiver's now
      c[dc[k]!] = c[dc[k]!]! + n;
      lend.lent = hs;
      lend.lender = l;
      apps[k]!.push!(ins[k]!, hs, n);
      lend.lent = null;
    }
    return pulled;
  }

  /** Breathes until a stop condition; returns the number of breaths. */
  run(o: RunOptions = {}): number {
    const stop = o.stop, spins = o.idleSpins ?? 256;
    this.runStop = stop;
    const end = o.durationMs !== undefined ? performance.now() + o.durationMs : Infinity;
    const maxBreaths = o.breaths ?? Infinity;
    const idleEnd = o.untilIdle ?? Infinity;
    let breaths = 0, empty = 0, idleRun = 0;
    this.lastTick = performance.now();
    for (;;) {
      const pulled = this.breathe();
      breaths++;
      this.breaths++;
      if (pulled === 0) {
        if (++idleRun >= idleEnd) break;
      } else idleRun = 0;
      if (pulled === 0 && ++empty >= spins) {
        empty = 0;
        // every source is watched while idle, not only the first (idle.ts)
        idleAll(this.idlers, 1);
      } else if (pulled !== 0) empty = 0;
      if ((breaths & 63) === 0) {
        this.publishBreaths();
        if (stop !== undefined && Atomics.load(stop, 0) !== 0) break;
        if (breaths >= maxBreaths) break;
        const now = performance.now();
        if (now - this.lastTick >= 1) {
          this.lastTick = now;
          for (const t of this.tickers) t.tick!(now);
          o.poll?.();
        }
        if (now >= end) break;
        if ((breaths & 255) === 0 && o.until?.() === true) break;
      } else if (breaths >= maxBreaths) break;
    }
    this.publishBreaths();
    return breaths;
  }

  /** Breaths are counted in a field and published every 64 (one store, not one per breath). */
  private publishBreaths(): void {
    this.counters.f64[ENG_BREATHS] = this.breaths;
  }

  /** Packets waiting on links right now (0 once a breath drained everything). */
  inFlight(): number {
    let n = 0;
    for (const rl of this.links.values()) n += rl.link.n;
    return n;
  }

  /** Counter slots and reason names (what a reader in another thread needs). */
  slotMap(): SlotMap {
    const apps: SlotMap['apps'] = {};
    const links: SlotMap['links'] = {};
    for (const [key, rl] of this.links) links[key] = rl.slot;
    const ls = [...this.links.values()];
    for (const [name, r] of this.apps) {
      apps[name] = {
        slot: r.slot, cls: r.entry.cls.name, reasons: reasonNames(r.entry.cls),
        inLinks: ls.filter((l) => l.entry.to === name).map((l) => l.slot),
        outLinks: ls.filter((l) => l.entry.from === name).map((l) => l.slot),
      };
    }
    return { apps, links };
  }

  stats(): EngineStats {
    return readStats(this.counters, this.slotMap());
  }

  /** Stops every app (each gives back what it holds), drains every link, releases the ports. */
  stop(): void {
    if (this.closed) return;
    this.stopping = true;
    this.closed = true;
    let err: unknown;
    for (const r of this.apps.values()) {
      try {
        this.stopApp(r);
      } catch (e) {
        err ??= e;
      }
    }
    for (const rl of this.links.values()) rl.link.drain();
    this.ports.closeAll();
    PoolView.releaseThreadView(this.poolId);
    if (err !== undefined) throw err;
  }
}

/** Reads an engine's counters from any thread, given its slot map. */
export function readStats(c: CounterBlock, m: SlotMap): EngineStats {
  const apps: Record<string, AppCounters> = {};
  for (const [name, a] of Object.entries(m.apps)) {
    const x = c.readApp(a.slot, a.reasons);
    for (const s of a.inLinks) x.in += c.readLink(s).delivered;
    for (const s of a.outLinks) x.out += c.readLink(s).sent;
    apps[name] = x;
  }
  const links: Record<string, LinkCounters> = {};
  for (const [key, s] of Object.entries(m.links)) links[key] = c.readLink(s);
  return { breaths: c.f64[ENG_BREATHS]!, apps, links };
}

/** Input and output names of app `name` in `cfg`: the class's, or for '*' the linked ones. */
function ioNames(cfg: Config, name: string, cls: AppClass): { inputs: string[]; outputs: string[] } {
  const ls = [...cfg.links.values()];
  const inputs = cls.inputs === '*' ? ls.filter((l) => l.to === name).map((l) => l.input) : [...cls.inputs];
  const outputs = cls.outputs === '*' ? ls.filter((l) => l.from === name).map((l) => l.output) : [...cls.outputs];
  return { inputs, outputs };
}

/** Apps in topological order (Kahn); apps on a cycle follow in declaration order. */
export function topoOrder(cfg: Config): string[] {
  const indeg = new Map<string, number>([...cfg.apps.keys()].map((n) => [n, 0]));
  for (const l of cfg.links.values()) indeg.set(l.to, indeg.get(l.to)! + 1);
  const queue = [...cfg.apps.keys()].filter((n) => indeg.get(n) === 0);
  const out: string[] = [];
  while (queue.length) {
    const n = queue.shift()!;
    out.push(n);
    for (const l of cfg.links.values()) {
      if (l.from !== n) continue;
      const d = indeg.get(l.to)! - 1;
      indeg.set(l.to, d);
      if (d === 0) queue.push(l.to);
    }
  }
  for (const n of cfg.apps.keys()) if (!out.includes(n)) out.push(n);
  return out;
}

export { linkName };
