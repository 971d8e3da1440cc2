// Split: sends each packet to one of several outputs ('*') by a predicate (VPP's next-node
// dispatch, Snabb's pcap_filter-style splitters).
//
//   Splitter   the hook for a user predicate: subclass it and implement classify(h), returning
//              an output index from this.target('name'), Splitter.DEFAULT or Splitter.MALFORMED.
//   Split      classify by a header field: by 'ethertype' (after any 802.1Q/802.1ad tags), 'vlan'
//              (the outer VLAN ID) or 'ipproto' (IPv4 protocol / IPv6 next header after the
//              extension headers), with a map of values to output names.
//
// Every header read is bounds-checked against the packet's data length: a frame too short for the
// field is MALFORMED, which goes to the default output or is dropped as 'malformed' (config
// `malformed`). A frame that has no such field at all (an untagged frame for 'vlan', ARP for
// 'ipproto') goes to the default output. An output the config names but the graph does not link
// drops what is sent to it as 'unconnected'.
//
// Per burst: classify every packet into a preallocated index array, then either hand the whole
// burst on (all to one output: no copy, the engine's zero-copy hand-off) or gather per-output bins
// and send each. Nothing is allocated after construction.
import { App, type AppContext } from '../pipeline/app.js';
import { LINK_CAPACITY, type Link } from '../pipeline/link.js';
import { ConfigError, f, type ConfigOf } from '../pipeline/schema.js';
import { META_DATA_LEN, META_DATA_OFF } from '../memory/layout.js';
import { unconnected } from './outputs.js';

const OUTPUT = /^[A-Za-z0-9_-]+$/;
const DROP = -3;

export abstract class Splitter extends App {
  /** classify(): send to the default output. */
  static readonly DEFAULT = -1;
  /** classify(): the frame is too short for what the predicate reads. */
  static readonly MALFORMED = -2;
  static override schema = {
    /** Output for packets no rule matches. */
    default: f.string({ default: 'default', pattern: OUTPUT }),
    /** What to do with a frame too short for the predicate: drop it (counted) or default it. */
    malformed: f.enum(['drop', 'default'] as const, { default: 'drop' }),
  };
  static override inputs = ['in'] as const;
  static override outputs = '*' as const;
  static override dropReasons = ['malformed'];
  declare readonly config: ConfigOf<typeof Splitter.schema>;

  private readonly names: string[];
  private readonly extra: Link[] = [];
  private readonly bins: Uint32Array[] = [];
  private cnt: Int32Array;
  private readonly tk = new Int32Array(LINK_CAPACITY);
  private readonly dflt: number;
  private readonly bad: number;

  constructor(ctx: AppContext, config: ConfigOf<typeof Splitter.schema>) {
    super(ctx, config);
    this.names = [...ctx.outputs];
    for (let i = 0; i < this.names.length; i++) this.bins.push(new Uint32Array(LINK_CAPACITY));
    this.cnt = new Int32Array(this.names.length);
    this.dflt = this.target(config.default);
    this.bad = config.malformed === 'drop' ? DROP : this.dflt;
  }

  /**
   * Index classify() returns for output `name`: a linked output, or one that drops as
   * 'unconnected'. Call it in the constructor (it allocates for a new name).
   */
  protected target(name: string): number {
    const i = this.names.indexOf(name);
    if (i >= 0) return i;
    this.names.push(name);
    this.extra.push(unconnected(this.ctx, name));
    this.bins.push(new Uint32Array(LINK_CAPACITY));
    const c = new Int32Array(this.names.length);
    c.set(this.cnt);
    this.cnt = c;
    return this.names.length - 1;
  }

  /** The output index for packet h (see target), DEFAULT or MALFORMED. Must not throw. */
  abstract classify(h: number): number;

  private link(t: number): Link {
    const o = this.out;
    return t < o.length ? o[t]! : this.extra[t - o.length]!;
  }

  override push(_input: number, hs: Uint32Array, n: number): void {
    const tk = this.tk, nt = this.names.length, dflt = this.dflt;
    let first = 0, same = true;
    for (let k = 0; k < n; k++) {
      let t = this.classify(hs[k]!);
      if (t === Splitter.MALFORMED) t = this.bad;
      else if (!(t >= 0 && t < nt)) t = dflt; // DEFAULT, or an index the predicate made up
      tk[k] = t;
      if (k === 0) first = t;
      else if (t !== first) same = false;
    }
    if (same) {
      if (first === DROP) this.drop(hs, n, 0);
      else this.link(first).send(hs, n);
      return;
    }
    const cnt = this.cnt, bins = this.bins;
    cnt.fill(0);
    let bad = 0;
    for (let k = 0; k < n; k++) {
      const t = tk[k]!;
      if (t === DROP) {
        hs[bad++] = hs[k]!; // compact the drops at the front of hs (k >= bad, so nothing is lost)
        continue;
      }
      bins[t]![cnt[t]!] = hs[k]!;
      cnt[t] = cnt[t]! + 1;
    }
    for (let t = 0; t < nt; t++) if (cnt[t]! > 0) this.link(t).send(bins[t]!, cnt[t]!);
    if (bad > 0) this.drop(hs, bad, 0);
  }
}

/** Reads of 16-bit big-endian fields (network order) from the pool's bytes. */
function be16(u8: Uint8Array, o: number): number {
  return (u8[o]! << 8) | u8[o + 1]!;
}

const ETH_VLAN = 0x8100, ETH_QINQ = 0x88a8, ETH_QINQ_OLD = 0x9100, ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86dd;
const isTag = (et: number) => et === ETH_VLAN || et === ETH_QINQ || et === ETH_QINQ_OLD;
/** IPv6 extension headers walked for 'ipproto' (RFC 8200 §4): hop-by-hop, routing, fragment, destination options. */
const IP6_HOP = 0, IP6_ROUTING = 43, IP6_FRAGMENT = 44, IP6_DSTOPTS = 60;

const RANGE = { ethertype: [0xffff, 'an ethertype 0..0xffff'], vlan: [4095, 'a VLAN ID 0..4095'], ipproto: [255, 'an IP protocol 0..255'] } as const;

const mapField = f.json<Record<string, string>, { default: Record<string, string> }>(
  'an object of values to output names, e.g. {"0x0800": "ip4", "0x0806": "arp"}',
  (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: `${JSON.stringify(v)} is not an object of values to output names, e.g. {"0x0800": "ip4"}` };
    const out: Record<string, string> = {};
    for (const [k, name] of Object.entries(v as Record<string, unknown>)) {
      const n = /^0x[0-9a-f]+$/i.test(k) ? parseInt(k, 16) : /^[0-9]+$/.test(k) ? parseInt(k, 10) : NaN;
      if (!(n >= 0 && n <= 0xffff)) return { error: `key ${JSON.stringify(k)} is not a number (decimal or 0x hex)` };
      if (typeof name !== 'string' || !OUTPUT.test(name)) return { error: `value for ${JSON.stringify(k)}: ${JSON.stringify(name)} is not an output name (letters, digits, '_', '-')` };
      out[String(n)] = name;
    }
    return out;
  },
  { default: {} },
);

export class Split extends Splitter {
  static override schema = {
    ...Splitter.schema,
    by: f.enum(['ethertype', 'vlan', 'ipproto'] as const),
    map: mapField,
  };
  declare readonly config: ConfigOf<typeof Split.schema>;
  private readonly by: number;
  /** Value -> output index (or DEFAULT), one entry per possible value of the field. */
  private readonly table: Int16Array;

  constructor(ctx: AppContext, config: ConfigOf<typeof Split.schema>) {
    super(ctx, config);
    const [max, what] = RANGE[config.by];
    this.by = config.by === 'ethertype' ? 0 : config.by === 'vlan' ? 1 : 2;
    this.table = new Int16Array(max + 1).fill(Splitter.DEFAULT);
    for (const [k, name] of Object.entries(config.map)) {
      const v = Number(k);
      if (v > max) throw new ConfigError(`app '${ctx.name}' (Split): field 'map': key ${v} is not ${what} (by '${config.by}')`);
      this.table[v] = this.target(name);
    }
  }

  classify(h: number): number {
    const p = this.pool, u8 = p.u8, u16 = p.u16, m = p.bufBase + h * p.stride;
    const len = u16[(m + META_DATA_LEN) >> 1]!, o = m + u16[(m + META_DATA_OFF) >> 1]!;
    if (len < 14) return Splitter.MALFORMED;
    let et = be16(u8, o + 12), at = 14;
    if (this.by === 1) {
      // 'vlan': the outer tag's VID (IEEE 802.1Q §9.6: TCI = PCP(3) DEI(1) VID(12)).
      if (!isTag(et)) return Splitter.DEFAULT;
      if (len < 18) return Splitter.MALFORMED;
      return this.table[be16(u8, o + 14) & 0x0fff]!;
    }
    // Up to two tags (802.1ad S-tag, then 802.1Q C-tag).
    for (let tags = 0; tags < 2 && isTag(et); tags++) {
      if (len < at + 4) return Splitter.MALFORMED;
      et = be16(u8, o + at + 2);
      at += 4;
    }
    if (this.by === 0) return this.table[et]!;
    return this.ipProto(u8, o, len, et, at);
  }

  private ipProto(u8: Uint8Array, o: number, len: number, et: number, at: number): number {
    if (et === ETH_IPV4) {
      // RFC 791 §3.1: version/IHL in byte 0, protocol in byte 9; the header is IHL*4 >= 20 bytes.
      if (len < at + 20) return Splitter.MALFORMED;
      const b0 = u8[o + at]!, ihl = b0 & 15;
      if (b0 >> 4 !== 4 || ihl < 5 || len < at + ihl * 4) return Splitter.MALFORMED;
      return this.table[u8[o + at + 9]!]!;
    }
    if (et !== ETH_IPV6) return Splitter.DEFAULT;
    // RFC 8200 §3: 40-byte header, next header in byte 6; §4: extension headers chain on.
    if (len < at + 40 || u8[o + at]! >> 4 !== 6) return Splitter.MALFORMED;
    let nh = u8[o + at + 6]!, p = at + 40;
    for (let i = 0; i < 8; i++) {
      if (nh !== IP6_HOP && nh !== IP6_ROUTING && nh !== IP6_DSTOPTS && nh !== IP6_FRAGMENT) return this.table[nh]!;
      if (len < p + 8) return Splitter.MALFORMED;
      const next = u8[o + p]!;
      p += nh === IP6_FRAGMENT ? 8 : (u8[o + p + 1]! + 1) * 8; // RFC 8200 §4.5: fragment is 8 bytes
      if (p > len) return Splitter.MALFORMED; // the header says it runs past the frame
      nh = next;
    }
    return Splitter.MALFORMED; // a chain longer than any real one
  }
}
