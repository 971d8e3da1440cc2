// Per-app and per-link counters in shared memory (Snabb's counters): a Float64Array over a
// SharedArrayBuffer, written only by the worker that runs the engine, with plain stores; any other
// thread (the supervisor, a metrics scrape) reads it without stopping anyone. An f64 store is one
// aligned 8-byte store on x86-64 and aarch64, so a reader never sees half a value; it may see a
// value a few bursts old, which is what a counter promises.
//
// Slots are handed out by whoever owns the configuration: the engine itself when it runs alone,
// the supervisor when the engine runs in a worker (it sends the slot of every app and link with
// the configuration, so both sides name the same slot the same way).

/** f64 indices inside an app's block. Reasons start at APP_REASONS (see App.dropReasons). APP_IN
 *  and APP_OUT hold only what the app counts itself (a source's packets in, a sink's packets out)
 *  and what removed links left; readers add the app's links (engine.ts readStats). */
export const APP_IN = 0, APP_OUT = 1, APP_DROPPED = 2, APP_REASONS = 3, APP_STRIDE = 16;
/** The first reason of every app: packets sent on an output that is not linked. */
export const REASON_UNCONNECTED = 0;
export const MAX_REASONS = APP_STRIDE - APP_REASONS;
/** f64 indices inside a link's block: packets put on the link, handed to its receiver, and
 *  dropped because the link was full. */
export const LINK_SENT = 0, LINK_DELIVERED = 1, LINK_FULL = 2, LINK_STRIDE = 4;
/** Engine-wide values at the start of the block. */
export const ENG_BREATHS = 0, ENG_GENERATION = 2, ENG_HEADER = 8;

export interface CounterLayout {
  apps: number;
  links: number;
}

export interface CounterDescriptor {
  sab: SharedArrayBuffer;
  layout: CounterLayout;
}

export class CounterBlock {
  readonly f64: Float64Array;
  readonly layout: CounterLayout;
  private readonly appFree: number[] = [];
  private readonly linkFree: number[] = [];

  constructor(readonly sab: SharedArrayBuffer, layout: CounterLayout) {
    this.layout = layout;
    this.f64 = new Float64Array(sab);
    if (this.f64.length < CounterBlock.size(layout)) throw new RangeError('counter block too small for its layout');
    for (let i = layout.apps - 1; i >= 0; i--) this.appFree.push(i);
    for (let i = layout.links - 1; i >= 0; i--) this.linkFree.push(i);
  }

  static size(l: CounterLayout): number {
    return ENG_HEADER + l.apps * APP_STRIDE + l.links * LINK_STRIDE;
  }

  static create(layout: CounterLayout = { apps: 256, links: 512 }): CounterBlock {
    return new CounterBlock(new SharedArrayBuffer(8 * CounterBlock.size(layout)), layout);
  }

  static from(d: CounterDescriptor): CounterBlock {
    return new CounterBlock(d.sab, d.layout);
  }

  descriptor(): CounterDescriptor {
    return { sab: this.sab, layout: this.layout };
  }

  /** f64 index of app slot s's block. */
  appBase(s: number): number {
    return ENG_HEADER + s * APP_STRIDE;
  }

  linkBase(s: number): number {
    return ENG_HEADER + this.layout.apps * APP_STRIDE + s * LINK_STRIDE;
  }

  /** A zeroed app slot (the allocating side only). */
  allocApp(): number {
    const s = this.appFree.pop();
    if (s === undefined) throw new RangeError(`more than ${this.layout.apps} apps in one engine`);
    this.f64.fill(0, this.appBase(s), this.appBase(s) + APP_STRIDE);
    return s;
  }

  allocLink(): number {
    const s = this.linkFree.pop();
    if (s === undefined) throw new RangeError(`more than ${this.layout.links} links in one engine`);
    this.f64.fill(0, this.linkBase(s), this.linkBase(s) + LINK_STRIDE);
    return s;
  }

  /** Marks a slot as used when another side allocated it (a worker applying the supervisor's map). */
  takeApp(s: number): void {
    const i = this.appFree.indexOf(s);
    if (i >= 0) this.appFree.splice(i, 1);
  }

  takeLink(s: number): void {
    const i = this.linkFree.indexOf(s);
    if (i >= 0) this.linkFree.splice(i, 1);
  }

  releaseApp(s: number): void {
    if (!this.appFree.includes(s)) this.appFree.push(s);
  }

  releaseLink(s: number): void {
    if (!this.linkFree.includes(s)) this.linkFree.push(s);
  }

  readApp(s: number, reasons: readonly string[]): AppCounters {
    const f = this.f64, b = this.appBase(s);
    const drops: Record<string, number> = {};
    reasons.forEach((r, i) => { drops[r] = f[b + APP_REASONS + i]!; });
    return { in: f[b + APP_IN]!, out: f[b + APP_OUT]!, dropped: f[b + APP_DROPPED]!, drops };
  }

  readLink(s: number): LinkCounters {
    const f = this.f64, b = this.linkBase(s);
    return { sent: f[b + LINK_SENT]!, delivered: f[b + LINK_DELIVERED]!, full: f[b + LINK_FULL]! };
  }
}

export interface AppCounters {
  in: number;
  out: number;
  dropped: number;
  /** Dropped by reason (names from the app class's dropReasons, after 'unconnected'). */
  drops: Record<string, number>;
}

export interface LinkCounters {
  sent: number;
  delivered: number;
  /** Dropped because the link was full. */
  full: number;
}
