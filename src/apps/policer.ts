// Policer: srTCM (RFC 2697; DPDK's rte_meter and its qos_meter example) on packets per second
// or bits per second, one meter for all traffic or one per flow (flows spread over `flows`
// meters by the Toeplitz hash of their 5-tuple, so a flow always hits the same meter). Green
// packets go on; yellow go on or are dropped (`yellow`); red are dropped. Colour-blind (§3.2).
import { App, type AppContext } from '../pipeline/app.js';
import { META_DATA_LEN, META_DATA_OFF } from '../memory/layout.js';
import { f, type ConfigOf } from '../pipeline/schema.js';
import { ETH_IPV4, IP_TCP, IP_UDP } from '../packet/constants.js';
import { RED, SrTcm, YELLOW } from './nf/meter.js';
import { Toeplitz } from './nf/toeplitz.js';

export class Policer extends App {
  static override schema = {
    /** 'bits': cir in bit/s, bursts in bytes (the frame's length is its size); 'packets': pps. */
    unit: f.enum(['bits', 'packets'] as const, { default: 'bits' }),
    cir: f.number({ min: 1 }),
    cbs: f.number({ min: 0 }),
    ebs: f.number({ min: 0, default: 0 }),
    /** Meters: 1 polices the aggregate; more meter flows separately (hashed). */
    flows: f.int({ min: 1, max: 1 << 20, default: 1 }),
    yellow: f.enum(['pass', 'drop'] as const, { default: 'pass' }),
  };
  static override dropReasons = ['red', 'yellow'];
  declare readonly config: ConfigOf<typeof Policer.schema>;
  readonly meter: SrTcm;
  /** Packets marked green, yellow, red. */
  readonly colours = new Float64Array(3);
  private readonly bytes: boolean;
  private readonly toeplitz = new Toeplitz();
  private readonly dropped = new Uint32Array(1024);

  constructor(ctx: AppContext, config: ConfigOf<typeof Policer.schema>) {
    super(ctx, config);
    this.bytes = config.unit === 'bits';
    const cir = this.bytes ? config.cir / 8 : config.cir;
    this.meter = new SrTcm({ cir, cbs: config.cbs, ebs: config.ebs }, config.flows, performance.now());
  }

  override push(_input: number, hs: Uint32Array, n: number): void {
    const p = this.pool, u8 = p.u8, u16 = p.u16, base = p.bufBase, stride = p.stride;
    const now = performance.now();
    const meter = this.meter, flows = this.config.flows, bytes = this.bytes, dropYellow = this.config.yellow === 'drop';
    const col = this.colours, dropped = this.dropped;
    let k = 0, nd = 0, red = 0, yel = 0;
    for (let i = 0; i < n; i++) {
      const h = hs[i]!;
      const m = base + h * stride;
      const len = u16[(m + META_DATA_LEN) >> 1]!;
      let meterIdx = 0;
      if (flows > 1 && len >= 34) {
        const o = m + u16[(m + META_DATA_OFF) >> 1]!;
        if (((u8[o + 12]! << 8) | u8[o + 13]!) === ETH_IPV4) {
          const ip = o + 14, ihl = (u8[ip]! & 15) * 4, pr = u8[ip + 9]!;
          const l4 = (pr === IP_TCP || pr === IP_UDP) && 14 + ihl + 4 <= len ? ip + ihl : -1;
          meterIdx = this.toeplitz.hashIPv4(u8, ip, l4) % flows;
        }
      }
      const c = meter.mark(meterIdx, now, bytes ? len : 1);
      col[c]!++;
      if (c === RED || (c === YELLOW && dropYellow)) {
        dropped[nd++] = h;
        if (c === RED) red++; else yel++;
      } else {
        hs[k++] = h;
      }
    }
    if (nd > 0) {
      p.freeBurst(dropped, nd);
      if (red) this.countDrop(red, 0);
      if (yel) this.countDrop(yel, 1);
    }
    this.out[0]!.send(hs, k);
  }
}
