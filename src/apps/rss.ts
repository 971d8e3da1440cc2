// Rss: spreads flows over its outputs as a NIC's receive-side scaling does (Microsoft RSS; virtio
// 1.2 §5.1.6.4.3): the Toeplitz hash of the IPv4/IPv6 addresses (and TCP/UDP ports when `ports`)
// picks an entry of a 128-entry indirection table, whose value is the output. Packets of one
// flow always take the same output, so a worker behind each output sees whole flows. The hash is
// stored in the packet's metadata (META_HASH) for apps further on. Non-IP frames, and IP frames
// too short for their headers, go to the first output.
import { App, type AppContext } from '../pipeline/app.js';
import { META_DATA_LEN, META_DATA_OFF, META_HASH } from '../memory/layout.js';
import { ConfigError, f, type ConfigOf } from '../pipeline/schema.js';
import { ETH_IPV4, ETH_IPV6, IP_TCP, IP_UDP } from '../packet/constants.js';
import { MS_RSS_KEY, Toeplitz } from './nf/toeplitz.js';

const BURST = 1024;

export class Rss extends App {
  static override schema = {
    /** 40-byte key as hex (default: Microsoft's verification key). */
    key: f.string({ pattern: /^[0-9a-fA-F]{80}$/, optional: true }),
    /** Hash TCP/UDP ports too (4-tuple) or addresses only (2-tuple). */
    ports: f.bool({ default: true }),
    /** Indirection table entries (NICs use 64..512). */
    reta: f.int({ min: 1, max: 4096, default: 128 }),
  };
  static override inputs = ['in'] as const;
  static override outputs = '*' as const;
  declare readonly config: ConfigOf<typeof Rss.schema>;
  readonly toeplitz: Toeplitz;
  private readonly table: Int32Array;
  private readonly batch: Uint32Array[];
  private readonly batchN: Int32Array;

  constructor(ctx: AppContext, config: ConfigOf<typeof Rss.schema>) {
    super(ctx, config);
    if (ctx.outputs.length === 0) throw new ConfigError(`app '${ctx.name}' (Rss): link at least one output`);
    const key = config.key ? Uint8Array.from(config.key.match(/../g)!.map((x) => parseInt(x, 16))) : MS_RSS_KEY;
    this.toeplitz = new Toeplitz(key);
    // Round-robin fill, as NIC drivers default the RETA.
    this.table = Int32Array.from({ length: config.reta }, (_, i) => i % ctx.outputs.length);
    this.batch = ctx.outputs.map(() => new Uint32Array(BURST));
    this.batchN = new Int32Array(ctx.outputs.length);
  }

  /** Output a hash value selects. */
  outputOf(hash: number): number {
    return this.table[hash % this.table.length]!;
  }

  override push(_input: number, hs: Uint32Array, n: number): void {
    const p = this.pool, u8 = p.u8, u16 = p.u16, u32 = p.u32, base = p.bufBase, stride = p.stride;
    const t = this.toeplitz, ports = this.config.ports, table = this.table, tl = table.length;
    const batch = this.batch, bn = this.batchN;
    for (let i = 0; i < n; i++) {
      const h = hs[i]!;
      const m = base + h * stride;
      const o = m + u16[(m + META_DATA_OFF) >> 1]!;
      const len = u16[(m + META_DATA_LEN) >> 1]!;
      let hash = 0;
      const et = len >= 14 ? (u8[o + 12]! << 8) | u8[o + 13]! : 0;
      if (et === ETH_IPV4 && len >= 34) {
        const ip = o + 14, ihl = (u8[ip]! & 15) * 4, pr = u8[ip + 9]!;
        const frag = ((u8[ip + 6]! & 0x3f) | u8[ip + 7]!) !== 0; // MF or an offset: no ports
        const l4 = ports && !frag && (pr === IP_TCP || pr === IP_UDP) && 14 + ihl + 4 <= len ? ip + ihl : -1;
        hash = t.hashIPv4(u8, ip, l4);
      } else if (et === ETH_IPV6 && len >= 54) {
        const ip = o + 14, nx = u8[ip + 6]!;
        const l4 = ports && (nx === IP_TCP || nx === IP_UDP) && len >= 58 ? ip + 40 : -1;
        hash = t.hashIPv6(u8, ip, l4);
      }
      u32[(m + META_HASH) >> 2] = hash;
      const out = table[hash % tl]!;
      batch[out]![bn[out]!++] = h;
    }
    const outs = this.out;
    for (let k = 0; k < bn.length; k++) {
      if (bn[k] !== 0) {
        outs[k]!.send(batch[k]!, bn[k]!);
        bn[k] = 0;
      }
    }
  }
}
