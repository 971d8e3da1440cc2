// Source (Snabb's basic_apps.Source, testpmd's txonly): generates frames of a set size from a
// template, optionally numbered (a 32-bit sequence number at `seqOffset`, big-endian) so a
// receiver can check order and loss. Stops after `count` packets if given.
import { App, type AppContext } from '../pipeline/app.js';
import { f, type ConfigOf } from '../pipeline/schema.js';
import { META_DATA_LEN, META_DATA_OFF, META_SIZE } from '../memory/layout.js';

/** A 64-byte frame: broadcast, locally administered source, ethertype 0x88b5 (local experimental). */
const DEFAULT_TEMPLATE = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x52, 0x57, 0x00, 0x00, 0x01, 0x88, 0xb5];

export class Source extends App {
  static override schema = {
    size: f.int({ min: 14, max: 9216, default: 64 }),
    burst: f.int({ min: 1, max: 1024, default: 32 }),
    /** Packets to send in all (default: no limit). */
    count: f.int({ min: 0, optional: true }),
    /** Byte offset of a big-endian 32-bit sequence number (default: none). */
    seqOffset: f.int({ min: 0, optional: true }),
    /** The first bytes of every frame (default: an Ethernet header with ethertype 0x88b5). */
    template: f.list(f.int({ min: 0, max: 255 }), { optional: true }),
  };
  static override inputs = [] as const;
  static override outputs = ['out'] as const;
  declare readonly config: ConfigOf<typeof Source.schema>;
  private readonly hs: Uint32Array;
  private readonly tpl: Uint8Array;
  private left: number;
  private seq = 0;
  private readonly dataOff: number;

  constructor(ctx: AppContext, config: ConfigOf<typeof Source.schema>) {
    super(ctx, config);
    if (config.size > this.pool.dataRoom - this.pool.headroom) {
      throw new RangeError(`app '${ctx.name}': size ${config.size} exceeds the pool's buffers (${this.pool.dataRoom - this.pool.headroom} bytes)`);
    }
    this.hs = new Uint32Array(config.burst);
    this.tpl = Uint8Array.from(config.template ?? DEFAULT_TEMPLATE);
    this.left = config.count ?? Infinity;
    this.dataOff = META_SIZE + this.pool.headroom;
  }

  /** Packets still to send (Infinity without a count). */
  remaining(): number {
    return this.left;
  }

  override pull(): number {
    if (this.left <= 0) return 0;
    const want = this.left < this.config.burst ? this.left : this.config.burst;
    const n = this.pool.allocBurst(this.hs, want);
    const p = this.pool, u8 = p.u8, u16 = p.u16, dv = p.dv, size = this.config.size, tpl = this.tpl;
    const so = this.config.seqOffset;
    for (let k = 0; k < n; k++) {
      const m = p.bufBase + this.hs[k]! * p.stride;
      u16[(m + META_DATA_OFF) >> 1] = this.dataOff;
      u16[(m + META_DATA_LEN) >> 1] = size;
      const o = m + this.dataOff;
      u8.set(tpl, o);
      if (so !== undefined && so + 4 <= size) dv.setUint32(o + so, this.seq++ >>> 0);
    }
    this.left -= n;
    this.countIn(n);
    this.out[0]!.send(this.hs, n);
    return n;
  }
}
