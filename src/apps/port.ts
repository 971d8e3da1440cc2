// Port apps: PortIn receives from a port's queue (a source), PortOut transmits on one (a sink).
// Any port spec works (null, ring, pcap, virtio, ...). Both name the port by spec; PortIn and
// PortOut naming the same spec share one open port (the engine's port table), so `rx` on a NIC
// and `tx` on the same NIC are two apps and the graph stays acyclic.
import { App, type AppContext } from '../pipeline/app.js';
import type { Port } from '../port/port.js';
import { f, type ConfigOf } from '../pipeline/schema.js';

const portSchema = {
  port: f.string({ example: 'null:size=64' }),
  /** Which open port this is: apps naming the same one share it (default: the spec itself). Two
   *  ports with one spec (two null ports, both ends of ring:NAME) need two names. */
  name: f.string({ optional: true }),
  /** Queue to drive (default: the engine's queue, i.e. the worker's with one worker per queue). */
  queue: f.int({ min: 0, max: 63, optional: true }),
};

export class PortIn extends App {
  static override schema = { ...portSchema, burst: f.int({ min: 1, max: 1024, default: 32 }) };
  static override inputs = [] as const;
  static override outputs = ['out'] as const;
  declare readonly config: ConfigOf<typeof PortIn.schema>;
  readonly port: Port;
  private readonly q: number;
  private readonly burst: number;
  private readonly scratch: Uint32Array;

  constructor(ctx: AppContext, config: ConfigOf<typeof PortIn.schema>) {
    super(ctx, config);
    this.port = ctx.port(config.port, config.name);
    this.q = config.queue ?? ctx.queue;
    this.burst = config.burst;
    this.scratch = new Uint32Array(config.burst);
  }

  override pull(): number {
    const o = this.out[0]!;
    let n: number;
    if (o.n === 0 && o.capacity !== 0) {
      // Empty link: receive straight into it (no copy).
      n = this.port.rxBurst(this.q, o.buf, this.burst);
      o.submit(n);
    } else {
      n = this.port.rxBurst(this.q, this.scratch, this.burst < o.room() || o.capacity === 0 ? this.burst : o.room());
      o.send(this.scratch, n);
    }
    if (n !== 0) this.countIn(n);
    return n;
  }

  override idle(timeoutMs: number): void {
    this.port.waitRx(this.q, timeoutMs);
  }

  override hasTraffic(): boolean {
    // ring ports count their RX ring; ports that cannot count cheaply say undefined: not known ready
    const c = this.port.rxOccupancy(this.q);
    return c !== undefined && c > 0;
  }
}

export class PortOut extends App {
  static override schema = {
    ...portSchema,
    /** 'drop' (default, like testpmd and Snabb): what TX refuses is dropped and counted.
     *  'wait': retry until the port takes it (lossless back-pressure; the breath waits). */
    full: f.enum(['drop', 'wait'] as const, { default: 'drop' }),
  };
  /** Any input names: several links may feed one port (each is sent as it arrives). */
  static override inputs = '*' as const;
  static override outputs = [] as const;
  static override dropReasons = ['tx-full'];
  declare readonly config: ConfigOf<typeof PortOut.schema>;
  readonly port: Port;
  private readonly q: number;
  private readonly wait: boolean;
  /** full=wait gave up because the engine is stopping (see push). */
  private gaveUp = false;

  constructor(ctx: AppContext, config: ConfigOf<typeof PortOut.schema>) {
    super(ctx, config);
    this.port = ctx.port(config.port, config.name);
    this.q = config.queue ?? ctx.queue;
    this.wait = config.full === 'wait';
  }

  override push(_input: number, hs: Uint32Array, n: number): void {
    if (this.gaveUp) {
      // Stopping, and an earlier burst was already dropped: drop the rest too, so a receiver
      // never sees later packets after a hole (the stream just ends).
      this.drop(hs, n, 0, 0);
      return;
    }
    let sent = this.port.txBurst(this.q, hs, n);
    if (sent < n && this.wait) {
      // Back-pressure: move the rest to the front (no allocation) and retry until it goes.
      hs.copyWithin(0, sent, n);
      let left = n - sent;
      while (left > 0 && !this.ctx.stopping()) {
        const more = this.port.txBurst(this.q, hs, left);
        if (more === 0) this.port.waitTx(this.q, 1);
        else hs.copyWithin(0, more, left);
        left -= more;
      }
      sent = n - left;
      if (left > 0) {
        this.drop(hs, left, 0, 0);
        this.gaveUp = true;
      }
    } else if (sent < n) {
      this.drop(hs, n - sent, 0, sent);
    }
    this.countOut(sent);
  }
}
