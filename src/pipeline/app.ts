// The App contract (Snabb's apps, VPP's nodes): a small class with a typed, validated config,
// named inputs and outputs, and a few methods the engine calls on the worker's thread.
//
//   class Ttl extends App {
//     static override schema = { min: f.int({ min: 0, max: 255, default: 1 }) };
//     static override dropReasons = ['expired'];
//     declare readonly config: ConfigOf<typeof Ttl.schema>;
//     override push(input: number, hs: Uint32Array, n: number): void { ...; this.out[0]!.send(hs, k); }
//   }
//
// Ownership (the rule every app keeps): a packet handed to `push` belongs to the app; it must send
// it on an output (`out[i].send`), drop it (`drop`, counted with a reason), or keep it and send or
// drop it later (then it must give it back in `stop`). The array given to `push` is only valid
// during that call. An output that is not linked drops what is sent on it (counted as
// 'unconnected'), so apps need not check.
//
// Hot path rules: push/pull allocate nothing and never throw (a throw from an app stops its
// worker, and the supervisor restarts it).
import type { PoolView } from '../memory/pool.js';
import type { Port } from '../port/port.js';
import { APP_DROPPED, APP_IN, APP_OUT, APP_REASONS } from './counters.js';
import type { Link } from './link.js';
import type { Schema } from './schema.js';

/** What the engine gives an app when it creates it. */
export interface AppContext {
  readonly name: string;
  /** This thread's view of the engine's pool: allocate, free, read and write packets. */
  readonly pool: PoolView;
  /** The queue this engine runs (its worker's index with one worker per queue; 0 alone). */
  readonly queue: number;
  /** Opens (or attaches to) port `name` (default: the spec) of `spec`, shared by every app of
   *  the engine that names it; released with the app. */
  port(spec: string, name?: string): Port;
  /** Counter block and this app's base index in it. */
  readonly ctr: Float64Array;
  readonly ctrBase: number;
  /** Input and output names as linked (for apps that take any names: '*'). */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** True once the engine is stopping (an app waiting for TX room gives up). */
  stopping(): boolean;
}

/** The static side of an app class. */
export interface AppClass {
  new (ctx: AppContext, config: never): App;
  readonly schema: Schema;
  /** Input / output names, or '*' for any names the configuration links. */
  readonly inputs: readonly string[] | '*';
  readonly outputs: readonly string[] | '*';
  /** Names of the app's drop reasons (after 'unconnected', which every app has). */
  readonly dropReasons: readonly string[];
  readonly name: string;
}

export abstract class App {
  static schema: Schema = {};
  static inputs: readonly string[] | '*' = ['in'];
  static outputs: readonly string[] | '*' = ['out'];
  static dropReasons: readonly string[] = [];

  readonly name: string;
  readonly pool: PoolView;
  readonly config: unknown;
  /** Outputs, in the order of `outputNames`. Set by the engine before the first pull/push and
   *  rewired in place on reconfiguration: read `this.out[i]` in push, don't keep a Link. */
  readonly out: Link[] = [];
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  protected readonly ctx: AppContext;
  private readonly ctr: Float64Array;
  private readonly cb: number;

  constructor(ctx: AppContext, config: unknown) {
    this.ctx = ctx;
    this.name = ctx.name;
    this.pool = ctx.pool;
    this.config = config;
    this.inputNames = ctx.inputs;
    this.outputNames = ctx.outputs;
    this.ctr = ctx.ctr;
    this.cb = ctx.ctrBase;
  }

  /** Sources: bring packets in and send them on; returns how many came in. */
  pull?(): number;
  /** A burst hs[0..n) arrived on input number `input` (index in inputNames). */
  push?(input: number, hs: Uint32Array, n: number): void;
  /** Called about every millisecond (timers, flow expiry). */
  tick?(nowMs: number): void;
  /** Sources with nothing to do: sleep until traffic may have arrived, at most timeoutMs. */
  idle?(timeoutMs: number): void;
  /** Sources: whether packets are already waiting (cheap, never blocks). The engine's idle step
   *  asks every source before it sleeps on any (idle.ts); without it a source counts as not ready. */
  hasTraffic?(): boolean;
  /** Takes a new configuration in place; return false to be restarted instead. */
  reconfigure?(config: unknown): boolean;
  /** Last call: give back every packet the app still holds; close what it opened. */
  stop?(): void;

  /** Index of output `name` (-1 if the app has none of that name). */
  output(name: string): number {
    return this.outputNames.indexOf(name);
  }

  /** Frees hs[at .. at+n) and counts them as dropped for `reason` (an index into the class's
   *  dropReasons; 'unconnected' is reserved). */
  drop(hs: Uint32Array, n: number, reason = 0, at = 0): void {
    if (n <= 0) return;
    this.pool.freeBurst(hs, n, at);
    this.countDrop(n, reason);
  }

  /** Counts n packets as dropped for `reason` without freeing them (the app freed them). */
  countDrop(n: number, reason = 0): void {
    const c = this.ctr, b = this.cb;
    c[b + APP_DROPPED] = c[b + APP_DROPPED]! + n;
    c[b + APP_REASONS + 1 + reason] = c[b + APP_REASONS + 1 + reason]! + n;
  }

  /** Counts n packets under `reason` without counting them dropped: packets the app passed on
   *  but wants seen (a malformed frame forwarded untouched, a sequence gap). */
  countEvent(n: number, reason = 0): void {
    this.ctr[this.cb + APP_REASONS + 1 + reason] = this.ctr[this.cb + APP_REASONS + 1 + reason]! + n;
  }

  /** Counts n packets as received by a source (the engine counts what it pushes). */
  protected countIn(n: number): void {
    this.ctr[this.cb + APP_IN] = this.ctr[this.cb + APP_IN]! + n;
  }

  /** Counts n packets as gone out of a sink (a port app; links count what apps send on them). */
  protected countOut(n: number): void {
    this.ctr[this.cb + APP_OUT] = this.ctr[this.cb + APP_OUT]! + n;
  }
}

/** Names an app's counters report drops under: 'unconnected', then the class's own. */
export function reasonNames(cls: AppClass): string[] {
  return ['unconnected', ...cls.dropReasons];
}
