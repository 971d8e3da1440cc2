// Router: an IPv4 and IPv6 router over Ethernet interfaces (RFC 1812 for IPv4, RFC 8200 and
// RFC 4861 for IPv6). Each interface is one input and one output of the app, by its name: a
// packet from input "if0" arrived on interface if0, and output "if1" transmits on if1.
//
// Fast path, per packet of a burst: validate the IP header (RFC 1812 §5.2.2), longest-prefix
// match (nf/lpm.ts: DIR-24-8 for IPv4, 16-8-8... for IPv6), find the next hop's MAC in the
// neighbour table, rewrite both MACs, decrement TTL / hop limit (IPv4 header checksum updated
// incrementally, RFC 1624) and batch the packet for its output; one send per output per burst.
//
// Slow path (same thread, per packet, may allocate a buffer from the pool): ARP (RFC 826) and
// neighbour discovery (RFC 4861 §7) for addresses of the router, resolution of unknown next hops
// (an ARP request / neighbour solicitation, at most one per neighbour per second, the packet that
// needed it is dropped as 'unresolved', as Linux does once its small queue is full), echo replies
// to pings of the router's addresses, and ICMP time-exceeded / destination-unreachable errors
// (RFC 792, RFC 1812 §4.3.2, RFC 4443 §3), rate-limited (RFC 1812 §4.3.2.8) to `icmpRate` per
// second, never about ICMP errors, multicast or broadcast (RFC 1812 §4.3.2.7).
//
// Routes come from the config (`routes`, `routesFile`) and from the API (`addRoute`,
// `deleteRoute`); a new configuration with other routes is applied in place (reconfigure), the
// LPM updated route by route between bursts, so traffic on other routes never stops.
// Route text: "PREFIX dev IFACE [via GATEWAY]" (ip-route's words), e.g.
//   "198.18.1.0/24 dev if1 via 198.18.1.2", "2001:db8:1::/64 dev if1".
// Without `via` the route is connected: the next hop is the destination itself.
import { readFileSync } from 'node:fs';
import { App, type AppContext } from '../pipeline/app.js';
import { META_DATA_LEN, META_DATA_OFF } from '../memory/layout.js';
import { ConfigError, f, type ConfigOf } from '../pipeline/schema.js';
import { ETH_ARP, ETH_IPV4, ETH_IPV6, IP_ICMP, IP_ICMPV6 } from '../packet/constants.js';
import { finish, incremental16, rawSum } from '../packet/checksum.js';
import { ipv4HeaderLen, parseMac, pseudo6, rd16, rd32, wr16, wr32 } from './nf/hdr.js';
import { Lpm4, Lpm6, NO_ROUTE, formatIPv4, formatIPv6, parseIPv4, parseIPv6, parsePrefix } from './nf/lpm.js';

export interface RouterInterface {
  name: string;
  mac: string;
  /** "198.18.0.1/24": the router's address on the interface and its connected prefix. */
  ipv4?: string;
  ipv6?: string;
}

const ifaceField = f.json<RouterInterface, { optional?: boolean }>('an interface { name, mac, ipv4?: "a.b.c.d/len", ipv6?: "x::y/len" }', (v) => {
  const o = v as Partial<RouterInterface>;
  if (typeof v !== 'object' || v === null || typeof o.name !== 'string' || typeof o.mac !== 'string') return { error: `${JSON.stringify(v)} is not an interface { name, mac, ipv4?, ipv6? }` };
  try {
    parseMac(o.mac);
    if (o.ipv4 !== undefined) { const p = parsePrefix(o.ipv4); if (p.v6) throw new RangeError(`ipv4 ${o.ipv4} is IPv6`); }
    if (o.ipv6 !== undefined) { const p = parsePrefix(o.ipv6); if (!p.v6) throw new RangeError(`ipv6 ${o.ipv6} is IPv4`); }
  } catch (e) {
    return { error: `interface ${o.name}: ${(e as Error).message}` };
  }
  return { name: o.name, mac: o.mac.toLowerCase(), ...(o.ipv4 ? { ipv4: o.ipv4 } : {}), ...(o.ipv6 ? { ipv6: o.ipv6 } : {}) };
});

/** Neighbour states. */
const N_NONE = 0, N_INCOMPLETE = 1, N_REACHABLE = 2;
const MAX_NEIGH = 4096;
const GROUP_BIT = 0x40000000; // nf/lpm.ts's entry layout, read inline on the fast path
const MAX_NH = 4096;
const BURST = 1024; // a link's capacity: the most a push can bring

interface Route { text: string; v6: boolean; key: Uint8Array | number; depth: number; nh: number }

export class Router extends App {
  static override schema = {
    interfaces: f.list(ifaceField),
    routes: f.list(f.string({ example: '198.18.1.0/24 dev if1 via 198.18.1.2' }), { default: [] }),
    /** A file of route lines (same text as `routes`, '#' comments), read at start. */
    routesFile: f.string({ optional: true }),
    /** Static neighbours "ADDRESS MAC dev IFACE" (l3fwd's --eth-dest; no ARP needed). */
    neighbours: f.list(f.string({ example: '198.18.1.2 02:00:00:00:01:02 dev if1' }), { default: [] }),
    /** ICMP errors per second at most (RFC 1812 §4.3.2.8). */
    icmpRate: f.int({ min: 0, max: 1_000_000, default: 1000 }),
    /** Check the IPv4 header checksum (RFC 1812 §5.2.2; off: a NIC checked it, as l3fwd assumes). */
    verifyChecksum: f.bool({ default: true }),
  };
  static override inputs = '*' as const;
  static override outputs = '*' as const;
  static override dropReasons = ['malformed', 'not-ip', 'ttl-exceeded', 'no-route', 'unresolved', 'to-router', 'arp', 'nd', 'bad-checksum', 'no-buffer'];
  declare readonly config: ConfigOf<typeof Router.schema>;

  readonly lpm4 = new Lpm4();
  readonly lpm6 = new Lpm6();
  // Interfaces, by index (inputs and outputs are mapped to these).
  private readonly ifNames: string[];
  private readonly ifMac: Uint8Array; // 6 per interface
  private readonly ifIp4: Uint32Array; // 0: none
  private readonly ifIp4s: Int32Array; // the same, signed (fast-path compares), 0 never matches a dst we route
  private readonly ifIp6: Uint8Array; // 16 per interface, all zero: none
  private readonly ifHas6: Uint8Array;
  private readonly inIf: Int32Array; // input index -> interface
  private readonly outOf: Int32Array; // interface -> output index (-1: not linked)
  // Next hops: interface, and the neighbour slot of the gateway (-1: connected, by destination).
  private readonly nhIf = new Int32Array(MAX_NH);
  private readonly nhNeigh = new Int32Array(MAX_NH);
  private readonly nhKey = new Map<string, number>();
  private readonly nhRefs = new Int32Array(MAX_NH);
  private readonly nhFree: number[] = [];
  private nNh = 0;
  // Neighbours: MAC, state, interface, address, when last solicited.
  private readonly nMac = new Uint8Array(6 * MAX_NEIGH);
  private readonly nState = new Uint8Array(MAX_NEIGH);
  private readonly nIf = new Int32Array(MAX_NEIGH);
  private readonly nV6 = new Uint8Array(MAX_NEIGH);
  private readonly nAddr = new Uint8Array(16 * MAX_NEIGH);
  private readonly nAsked = new Float64Array(MAX_NEIGH);
  private readonly n4 = new Map<number, number>();
  private readonly n6 = new Map<number, number>(); // by hash of the address; the slot's address is compared
  private nNeigh = 0;
  private readonly routes = new Map<string, Route>();
  // Per-output batches.
  private readonly batch: Uint32Array[];
  private readonly batchN: Int32Array;
  private readonly one = new Uint32Array(1);
  private icmpTokens: number;
  private now = 0;

  constructor(ctx: AppContext, config: ConfigOf<typeof Router.schema>) {
    super(ctx, config);
    const ifs = config.interfaces;
    if (ifs.length === 0) throw new ConfigError(`app '${ctx.name}' (Router): give at least one interface`);
    this.ifNames = ifs.map((i) => i.name);
    if (new Set(this.ifNames).size !== ifs.length) throw new ConfigError(`app '${ctx.name}' (Router): two interfaces share a name`);
    this.ifMac = new Uint8Array(6 * ifs.length);
    this.ifIp4 = new Uint32Array(ifs.length);
    this.ifIp4s = new Int32Array(this.ifIp4.buffer);
    this.ifIp6 = new Uint8Array(16 * ifs.length);
    this.ifHas6 = new Uint8Array(ifs.length);
    ifs.forEach((i, k) => {
      this.ifMac.set(parseMac(i.mac), 6 * k);
      if (i.ipv4) this.ifIp4[k] = parseIPv4(i.ipv4.split('/')[0]!);
      if (i.ipv6) { this.ifIp6.set(parseIPv6(i.ipv6.split('/')[0]!), 16 * k); this.ifHas6[k] = 1; }
    });
    const where = (io: string, n: string) => new ConfigError(`app '${ctx.name}' (Router): ${io} '${n}' names no interface; interfaces are ${this.ifNames.join(', ')}`);
    this.inIf = Int32Array.from(ctx.inputs, (n) => { const k = this.ifNames.indexOf(n); if (k < 0) throw where('input', n); return k; });
    this.outOf = new Int32Array(ifs.length).fill(-1);
    ctx.outputs.forEach((n, o) => { const k = this.ifNames.indexOf(n); if (k < 0) throw where('output', n); this.outOf[k] = o; });
    this.batch = ctx.outputs.map(() => new Uint32Array(BURST));
    this.batchN = new Int32Array(ctx.outputs.length);
    this.icmpTokens = config.icmpRate;
    // Connected routes of the interfaces, then the configured ones.
    ifs.forEach((i) => {
      if (i.ipv4) this.addRoute(`${netOf(i.ipv4)} dev ${i.name}`);
      if (i.ipv6) this.addRoute(`${netOf(i.ipv6)} dev ${i.name}`);
    });
    for (const r of this.routeLines(config)) this.addRoute(r);
    for (const n of config.neighbours) this.addNeighbour(n);
  }

  private routeLines(c: ConfigOf<typeof Router.schema>): string[] {
    const lines = [...c.routes];
    if (c.routesFile !== undefined) {
      let text: string;
      try {
        text = readFileSync(c.routesFile, 'utf8');
      } catch (e) {
        throw new ConfigError(`app '${this.name}' (Router): routesFile ${c.routesFile}: ${(e as Error).message}`);
      }
      for (const l of text.split('\n')) if (l.trim() !== '' && !l.trim().startsWith('#')) lines.push(l.trim());
    }
    return lines;
  }

  // ---- control path: routes, neighbours ----

  /** Adds (or replaces) a route "PREFIX dev IFACE [via GATEWAY]". Throws ConfigError on bad text. */
  addRoute(text: string): void {
    const r = this.parseRoute(text);
    const key = routeKey(r);
    const old = this.routes.get(key);
    if (r.v6) this.lpm6.add(r.key as Uint8Array, r.depth, r.nh);
    else this.lpm4.add(r.key as number, r.depth, r.nh);
    this.routes.set(key, r);
    if (old) this.releaseNh(old.nh);
  }

  /** Removes the route for PREFIX; returns false if there was none. */
  deleteRoute(prefix: string): boolean {
    const text = prefix.trim().split(/\s+/)[0]!;
    this.prefix(text); // a ConfigError naming the text if it is no prefix
    const key = netOf(text);
    const r = this.routes.get(key);
    if (!r) return false;
    if (r.v6) this.lpm6.delete(r.key as Uint8Array, r.depth);
    else this.lpm4.delete(r.key as number, r.depth);
    this.routes.delete(key);
    this.releaseNh(r.nh);
    return true;
  }

  /** Routes as text, sorted. */
  routeTable(): string[] {
    return [...this.routes.values()].map((r) => r.text).sort();
  }

  /** Adds a static neighbour "ADDRESS MAC dev IFACE". */
  addNeighbour(text: string): void {
    const m = /^\s*(\S+)\s+(\S+)\s+dev\s+(\S+)\s*$/.exec(text);
    if (!m) throw new ConfigError(`app '${this.name}' (Router): neighbour ${JSON.stringify(text)}: write "ADDRESS MAC dev IFACE"`);
    const k = this.iface(m[3]!, text);
    let mac: Uint8Array;
    try { mac = parseMac(m[2]!); } catch (e) { throw new ConfigError(`app '${this.name}' (Router): neighbour ${JSON.stringify(text)}: ${(e as Error).message}`); }
    const s = m[1]!.includes(':') ? this.neigh6(this.addr6(m[1]!, text), 0, k, true) : this.neigh4(this.addr4(m[1]!, text), k, true);
    this.nMac.set(mac, 6 * s);
    this.nState[s] = N_REACHABLE;
  }

  /** Neighbour table: "ADDRESS MAC|incomplete dev IFACE". */
  neighbourTable(): string[] {
    const out: string[] = [];
    for (let s = 0; s < this.nNeigh; s++) {
      if (this.nState[s] === N_NONE) continue;
      const a = this.nV6[s] ? formatIPv6(this.nAddr, 16 * s) : formatIPv4(rd32(this.nAddr, 16 * s));
      const mac = this.nState[s] === N_REACHABLE ? Array.from(this.nMac.subarray(6 * s, 6 * s + 6), (b) => b.toString(16).padStart(2, '0')).join(':') : 'incomplete';
      out.push(`${a} ${mac} dev ${this.ifNames[this.nIf[s]!]}`);
    }
    return out.sort();
  }

  override reconfigure(config: unknown): boolean {
    const c = config as ConfigOf<typeof Router.schema>;
    if (JSON.stringify(c.interfaces) !== JSON.stringify(this.config.interfaces) || c.icmpRate !== this.config.icmpRate || c.verifyChecksum !== this.config.verifyChecksum) return false;
    // Routes as a diff: new and changed ones first (a changed route is replaced in one write),
    // then the removed ones; connected routes of the interfaces stay.
    const want = new Map<string, string>();
    for (const l of this.routeLines(c)) want.set(routeKey(this.parseRoute(l, false)), l);
    for (const [k, l] of want) if (this.routes.get(k)?.text !== normRoute(l)) this.addRoute(l);
    const connected = new Set(this.config.interfaces.flatMap((i) => [i.ipv4, i.ipv6].filter((x): x is string => !!x).map(netOf)));
    for (const k of [...this.routes.keys()]) if (!want.has(k) && !connected.has(k)) this.deleteRoute(k);
    for (const n of c.neighbours) if (!this.config.neighbours.includes(n)) this.addNeighbour(n);
    (this as { config: unknown }).config = c;
    return true;
  }

  private prefix(s: string): ReturnType<typeof parsePrefix> {
    try {
      return parsePrefix(s);
    } catch (e) {
      throw new ConfigError(`app '${this.name}' (Router): ${(e as Error).message}`);
    }
  }

  private iface(n: string, text: string): number {
    const k = this.ifNames.indexOf(n);
    if (k < 0) throw new ConfigError(`app '${this.name}' (Router): ${JSON.stringify(text)}: no interface '${n}'; interfaces are ${this.ifNames.join(', ')}`);
    return k;
  }

  private addr4(s: string, text: string): number {
    try { return parseIPv4(s); } catch (e) { throw new ConfigError(`app '${this.name}' (Router): ${JSON.stringify(text)}: ${(e as Error).message}`); }
  }

  private addr6(s: string, text: string): Uint8Array {
    try { return parseIPv6(s); } catch (e) { throw new ConfigError(`app '${this.name}' (Router): ${JSON.stringify(text)}: ${(e as Error).message}`); }
  }

  /** Parses a route; with take = true it also takes a next-hop slot (released on replace/delete). */
  private parseRoute(text: string, take = true): Route {
    const m = /^\s*(\S+)\s+dev\s+(\S+)(?:\s+via\s+(\S+))?\s*$/.exec(text);
    if (!m) throw new ConfigError(`app '${this.name}' (Router): route ${JSON.stringify(text)}: write "PREFIX dev IFACE [via GATEWAY]", e.g. "198.18.1.0/24 dev if1 via 198.18.1.2"`);
    const p = this.prefix(m[1]!);
    const k = this.iface(m[2]!, text);
    const via = m[3];
    if (via !== undefined && via.includes(':') !== p.v6) throw new ConfigError(`app '${this.name}' (Router): route ${JSON.stringify(text)}: the gateway is not of the prefix's family`);
    const nh = take ? this.takeNh(k, via, p.v6, text) : -1;
    return { text: normRoute(text), v6: p.v6, key: p.v6 ? p.addr : p.ip, depth: p.depth, nh };
  }

  private takeNh(k: number, via: string | undefined, v6: boolean, text: string): number {
    const key = `${k}|${via ?? (v6 ? 'direct6' : 'direct4')}`;
    let nh = this.nhKey.get(key);
    if (nh === undefined) {
      nh = this.nhFree.pop() ?? this.nNh++;
      if (nh >= MAX_NH) throw new ConfigError(`app '${this.name}' (Router): more than ${MAX_NH} distinct next hops`);
      this.nhIf[nh] = k;
      this.nhNeigh[nh] = via === undefined ? -1 : v6 ? this.neigh6(this.addr6(via, text), 0, k, true) : this.neigh4(this.addr4(via, text), k, true);
      this.nhKey.set(key, nh);
    }
    this.nhRefs[nh]!++;
    return nh;
  }

  private releaseNh(nh: number): void {
    if (--this.nhRefs[nh]! > 0) return;
    for (const [k, v] of this.nhKey) if (v === nh) this.nhKey.delete(k);
    this.nhFree.push(nh);
  }

  /** Neighbour slot of an IPv4 address (created, incomplete, when `create`; else -1 if none). */
  private neigh4(ip: number, k: number, create: boolean): number {
    const s = this.n4.get(ip);
    if (s !== undefined || !create) return s ?? -1;
    const n = this.newNeigh(k, false);
    if (n < 0) return -1;
    wr32(this.nAddr, 16 * n, ip);
    this.n4.set(ip, n);
    return n;
  }

  private neigh6(u8: Uint8Array, off: number, k: number, create: boolean): number {
    const h = hash6(u8, off);
    const s = this.n6.get(h);
    if (s !== undefined) {
      for (let i = 0; i < 16; i++) if (this.nAddr[16 * s + i] !== u8[off + i]) return -1; // hash collision: treated as unknown
      return s;
    }
    if (!create) return -1;
    const n = this.newNeigh(k, true);
    if (n < 0) return -1;
    this.nAddr.set(u8.subarray(off, off + 16), 16 * n);
    this.n6.set(h, n);
    return n;
  }

  private newNeigh(k: number, v6: boolean): number {
    if (this.nNeigh >= MAX_NEIGH) return -1;
    const n = this.nNeigh++;
    this.nState[n] = N_INCOMPLETE;
    this.nIf[n] = k;
    this.nV6[n] = v6 ? 1 : 0;
    this.nAsked[n] = -Infinity;
    return n;
  }

  override tick(nowMs: number): void {
    this.now = nowMs;
    // ICMP rate limit: refill a millisecond's worth, capped at one second's.
    const rate = this.config.icmpRate;
    this.icmpTokens = Math.min(rate, this.icmpTokens + rate / 1000);
  }

  /** The Internet checksum of pool bytes [off, off+len) plus an unfolded partial sum (a
   *  pseudo-header): src/packet's sum (32-bit loads) over the pool's DataView. */
  private csum(off: number, len: number, init = 0): number {
    return finish(rawSum(this.pool.dv, off, len, init));
  }

  // ---- fast path ----

  override push(input: number, hs: Uint32Array, n: number): void {
    const p = this.pool, u8 = p.u8, dv = p.dv, u16 = p.u16, base = p.bufBase, stride = p.stride;
    const inIf = this.inIf[input]!;
    const batch = this.batch, bn = this.batchN;
    const verify = this.config.verifyChecksum;
    const lt = this.lpm4.trie.table, nState = this.nState, outOf = this.outOf, nm = this.nMac, im = this.ifMac;
    for (let i = 0; i < n; i++) {
      const h = hs[i]!;
      const m = base + h * stride;
      const o = m + u16[(m + META_DATA_OFF) >> 1]!;
      const len = u16[(m + META_DATA_LEN) >> 1]!;
      if (len < 14) { this.drop1(h, 0); continue; }
      const et = (u8[o + 12]! << 8) | u8[o + 13]!;
      let out: number;
      if (et === ETH_IPV4 && len >= 34 && u8[o + 14] === 0x45) {
        // The common case inline (no options, TTL > 1, a route via a resolved gateway, not for
        // us); anything else takes fwd4, which handles every case.
        const ip = o + 14;
        const tot = (u8[ip + 2]! << 8) | u8[ip + 3]!, ttl = u8[ip + 8]!;
        const dst = (u8[ip + 16]! << 24) | (u8[ip + 17]! << 16) | (u8[ip + 18]! << 8) | u8[ip + 19]!;
        let e = lt[dst >>> 8]!;
        if ((e & GROUP_BIT) !== 0) e = lt[((e & 0x3fffff) << 8) | (dst & 0xff)]!;
        const nh = e & 0x3fffff;
        const s = this.nhNeigh[nh]!;
        if (tot >= 20 && tot <= len - 14 && ttl > 1 && e < 0 && s >= 0 && nState[s] === N_REACHABLE && !this.mineI32(dst) && (!verify || finish(rawSum(dv, ip, 20)) === 0)) {
          const k = this.nhIf[nh]!;
          out = outOf[k]!;
          if (out >= 0) {
            const ns = 6 * s, is = 6 * k;
            u8[o] = nm[ns]!; u8[o + 1] = nm[ns + 1]!; u8[o + 2] = nm[ns + 2]!; u8[o + 3] = nm[ns + 3]!; u8[o + 4] = nm[ns + 4]!; u8[o + 5] = nm[ns + 5]!;
            u8[o + 6] = im[is]!; u8[o + 7] = im[is + 1]!; u8[o + 8] = im[is + 2]!; u8[o + 9] = im[is + 3]!; u8[o + 10] = im[is + 4]!; u8[o + 11] = im[is + 5]!;
            // TTL - 1, RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') with m' = m - 0x100.
            const w = (ttl << 8) | u8[ip + 9]!;
            let c = (~((u8[ip + 10]! << 8) | u8[ip + 11]!) & 0xffff) + (~w & 0xffff) + (w - 0x100);
            c = (c & 0xffff) + (c >>> 16);
            c = ~((c & 0xffff) + (c >>> 16)) & 0xffff;
            u8[ip + 8] = ttl - 1;
            u8[ip + 10] = c >>> 8;
            u8[ip + 11] = c;
            batch[out]![bn[out]!++] = h;
            continue;
          }
        }
        out = this.fwd4(h, o, len, inIf, verify);
      } else if (et === ETH_IPV4) out = this.fwd4(h, o, len, inIf, verify);
      else if (et === ETH_IPV6) out = this.fwd6(h, o, len, inIf);
      else if (et === ETH_ARP) out = this.arp(h, o, len, inIf);
      else { this.drop1(h, 1); continue; }
      if (out >= 0) batch[out]![bn[out]!++] = h;
    }
    const outs = this.out;
    for (let k = 0; k < bn.length; k++) {
      if (bn[k] !== 0) {
        outs[k]!.send(batch[k]!, bn[k]!);
        bn[k] = 0;
      }
    }
  }

  /** IPv4: returns the output index to batch h on, or -1 (h dropped or sent already). */
  private fwd4(h: number, o: number, len: number, inIf: number, verify: boolean): number {
    const u8 = this.pool.u8;
    const ip = o + 14;
    const ihl = ipv4HeaderLen(u8, ip, len - 14);
    if (ihl === 0) { this.drop1(h, 0); return -1; }
    if (verify && this.csum(ip, ihl) !== 0) { this.drop1(h, 8); return -1; }
    const dst = ((u8[ip + 16]! << 24) | (u8[ip + 17]! << 16) | (u8[ip + 18]! << 8) | u8[ip + 19]!) >>> 0;
    if (this.ifIp4[inIf] === dst || this.isMine4(dst)) return this.local4(h, o, ip, ihl, inIf);
    const ttl = u8[ip + 8]!;
    if (ttl <= 1) { this.icmp4Error(h, o, ip, inIf, 11, 0); this.drop1(h, 2); return -1; }
    const nh = this.lpm4.lookup(dst);
    if (nh === NO_ROUTE) { this.icmp4Error(h, o, ip, inIf, 3, 0); this.drop1(h, 3); return -1; }
    const k = this.nhIf[nh]!;
    let s = this.nhNeigh[nh]!;
    if (s < 0) { const x = this.n4.get(dst); s = x === undefined ? -1 : x; }
    if (s < 0 || this.nState[s] !== N_REACHABLE) { this.resolve4(s, dst, k); this.drop1(h, 4); return -1; }
    const out = this.outOf[k]!;
    if (out < 0) { this.drop1(h, 4); return -1; }
    // MACs: destination = the neighbour's, source = the interface's.
    const nm = this.nMac, im = this.ifMac, ns = 6 * s, is = 6 * k;
    u8[o] = nm[ns]!; u8[o + 1] = nm[ns + 1]!; u8[o + 2] = nm[ns + 2]!; u8[o + 3] = nm[ns + 3]!; u8[o + 4] = nm[ns + 4]!; u8[o + 5] = nm[ns + 5]!;
    u8[o + 6] = im[is]!; u8[o + 7] = im[is + 1]!; u8[o + 8] = im[is + 2]!; u8[o + 9] = im[is + 3]!; u8[o + 10] = im[is + 4]!; u8[o + 11] = im[is + 5]!;
    // TTL - 1: the 16-bit word TTL|protocol drops by 0x0100; RFC 1624 eqn. 3 on the checksum.
    const w = (ttl << 8) | u8[ip + 9]!;
    const c = incremental16((u8[ip + 10]! << 8) | u8[ip + 11]!, w, w - 0x100);
    u8[ip + 8] = ttl - 1;
    u8[ip + 10] = c >>> 8;
    u8[ip + 11] = c;
    return out;
  }

  /** Is dst (as a signed 32-bit value) one of our IPv4 addresses? */
  private mineI32(dst: number): boolean {
    const a = this.ifIp4s;
    for (let k = 0; k < a.length; k++) if (a[k] === dst) return true;
    return false;
  }

  private isMine4(dst: number): boolean {
    const a = this.ifIp4;
    for (let k = 0; k < a.length; k++) if (a[k] === dst && dst !== 0) return true;
    return false;
  }

  private fwd6(h: number, o: number, len: number, inIf: number): number {
    const u8 = this.pool.u8;
    const ip = o + 14;
    if (len < 54 || u8[ip]! >> 4 !== 6 || 40 + rd16(u8, ip + 4) > len - 14) { this.drop1(h, 0); return -1; }
    const d = ip + 24;
    if (u8[d] === 0xff) return this.multicast6(h, o, ip, inIf);
    if (this.mine6(u8, d) >= 0) return this.local6(h, o, ip, inIf);
    const hl = u8[ip + 7]!;
    if (hl <= 1) { this.icmp6Error(h, o, ip, inIf, 3, 0); this.drop1(h, 2); return -1; }
    const nh = this.lpm6.lookup(u8, d);
    if (nh === NO_ROUTE) { this.icmp6Error(h, o, ip, inIf, 1, 0); this.drop1(h, 3); return -1; }
    const k = this.nhIf[nh]!;
    let s = this.nhNeigh[nh]!;
    if (s < 0) s = this.neigh6(u8, d, k, false);
    if (s < 0 || this.nState[s] !== N_REACHABLE) { this.resolve6(s, u8, d, k); this.drop1(h, 4); return -1; }
    const out = this.outOf[k]!;
    if (out < 0) { this.drop1(h, 4); return -1; }
    const nm = this.nMac, im = this.ifMac;
    for (let b = 0; b < 6; b++) { u8[o + b] = nm[6 * s + b]!; u8[o + 6 + b] = im[6 * k + b]!; }
    u8[ip + 7] = hl - 1; // IPv6 has no header checksum (RFC 8200 §3)
    return out;
  }

  private mine6(u8: Uint8Array, a: number): number {
    const my = this.ifIp6;
    for (let k = 0; k < this.ifHas6.length; k++) {
      if (this.ifHas6[k] === 0) continue;
      let eq = true;
      for (let i = 0; i < 16 && eq; i++) eq = my[16 * k + i] === u8[a + i];
      if (eq) return k;
    }
    return -1;
  }

  // ---- slow path ----

  private drop1(h: number, reason: number): void {
    this.one[0] = h;
    this.drop(this.one, 1, reason);
  }

  private alloc(): number {
    if (this.pool.allocBurst(this.one, 1) !== 1) return -1;
    const h = this.one[0]!;
    this.pool.reset(h);
    return h;
  }

  /** Sends h (built by the slow path) on interface k's output now. */
  private emit(h: number, k: number): void {
    const out = this.outOf[k]!;
    if (out < 0) { this.drop1(h, 0); return; }
    this.out[out]!.sendOne(h);
  }

  /** RFC 826 ARP: answer requests for our addresses in place, learn from requests and replies. */
  private arp(h: number, o: number, len: number, inIf: number): number {
    const u8 = this.pool.u8;
    const a = o + 14;
    if (len < 42 || rd16(u8, a) !== 1 || rd16(u8, a + 2) !== ETH_IPV4 || u8[a + 4] !== 6 || u8[a + 5] !== 4) { this.drop1(h, 6); return -1; }
    const op = rd16(u8, a + 6);
    const spa = rd32(u8, a + 14), tpa = rd32(u8, a + 24);
    const mine = this.ifIp4[inIf]!;
    // Learn the sender (RFC 826 "merge"): always update a known entry, create one only when the
    // request is for us.
    let s = this.neigh4(spa, inIf, op === 1 && tpa === mine && mine !== 0);
    if (s >= 0) {
      this.nMac.set(u8.subarray(a + 8, a + 14), 6 * s);
      this.nState[s] = N_REACHABLE;
      this.nIf[s] = inIf;
    }
    if (op === 1 && tpa === mine && mine !== 0) {
      // Reply in place: target <- sender, sender <- us; Ethernet to the asker.
      u8.copyWithin(a + 18, a + 8, a + 18); // THA|TPA <- SHA|SPA
      u8.set(this.ifMac.subarray(6 * inIf, 6 * inIf + 6), a + 8);
      wr32(u8, a + 14, mine);
      wr16(u8, a + 6, 2);
      u8.copyWithin(o, a + 18, a + 24);
      u8.set(this.ifMac.subarray(6 * inIf, 6 * inIf + 6), o + 6);
      const out = this.outOf[inIf]!;
      if (out < 0) { this.drop1(h, 6); return -1; }
      return out;
    }
    s = -1;
    this.drop1(h, 6);
    return s;
  }

  /** Sends an ARP request for ip on interface k (at most once a second per neighbour). */
  private resolve4(s: number, ip: number, k: number): void {
    if (this.ifIp4[k] === 0) return;
    if (s < 0) s = this.neigh4(ip, k, true);
    if (s < 0 || this.now - this.nAsked[s]! < 1000) return;
    this.nAsked[s] = this.now;
    const h = this.alloc();
    if (h < 0) return;
    const u8 = this.pool.u8, o = this.pool.dataOffset(h);
    u8.fill(0xff, o, o + 6);
    u8.set(this.ifMac.subarray(6 * k, 6 * k + 6), o + 6);
    wr16(u8, o + 12, ETH_ARP);
    const a = o + 14;
    wr16(u8, a, 1); wr16(u8, a + 2, ETH_IPV4); u8[a + 4] = 6; u8[a + 5] = 4; wr16(u8, a + 6, 1);
    u8.set(this.ifMac.subarray(6 * k, 6 * k + 6), a + 8);
    wr32(u8, a + 14, this.ifIp4[k]!);
    u8.fill(0, a + 18, a + 24);
    wr32(u8, a + 24, ip);
    u8.fill(0, a + 28, o + 60); // pad to the 60-byte minimum frame
    this.pool.setDataLen(h, 60);
    this.emit(h, k);
  }

  /** A packet for one of our IPv4 addresses: echo requests are answered in place. */
  private local4(h: number, o: number, ip: number, ihl: number, inIf: number): number {
    const u8 = this.pool.u8;
    const tot = rd16(u8, ip + 2);
    if (u8[ip + 9] === IP_ICMP && tot >= ihl + 8 && u8[ip + ihl] === 8) {
      // RFC 792 echo reply: swap addresses, type 0, checksums updated incrementally.
      const src = rd32(u8, ip + 12), dst = rd32(u8, ip + 16);
      wr32(u8, ip + 12, dst);
      wr32(u8, ip + 16, src);
      const ic = ip + ihl;
      u8[ic] = 0;
      wr16(u8, ic + 2, incremental16(rd16(u8, ic + 2), 0x0800, 0x0000));
      wr16(u8, ip + 10, 0);
      u8[ip + 8] = 64;
      wr16(u8, ip + 10, this.csum(ip, ihl));
      u8.copyWithin(o, o + 6, o + 12);
      u8.set(this.ifMac.subarray(6 * inIf, 6 * inIf + 6), o + 6);
      const out = this.outOf[inIf]!;
      if (out >= 0) return out;
    }
    this.drop1(h, 5);
    return -1;
  }

  /**
   * ICMP error about the packet at ip (RFC 792 / RFC 1812 §4.3.2.3: our address as source, the
   * offending header and as much of its data as keeps the error within 576 bytes), sent back
   * out of the interface it came in on, to the MAC it came from. The offending packet itself is
   * dropped by the caller.
   */
  private icmp4Error(h: number, o: number, ip: number, inIf: number, type: number, code: number): void {
    const u8 = this.pool.u8;
    const src = rd32(u8, ip + 12);
    // RFC 1812 §4.3.2.7: not about ICMP errors, fragments other than the first, or to
    // broadcast / multicast / unspecified sources.
    if (this.icmpTokens < 1 || this.ifIp4[inIf] === 0) return;
    if (src === 0 || src >>> 28 === 0xe || src === 0xffffffff || (u8[o]! & 1) !== 0) return;
    if ((rd16(u8, ip + 6) & 0x1fff) !== 0) return;
    const ihl = (u8[ip]! & 15) * 4;
    if (u8[ip + 9] === IP_ICMP) { const t = u8[ip + ihl]!; if (t !== 0 && t !== 8 && t !== 13 && t !== 14 && t !== 15 && t !== 16) return; }
    const e = this.alloc();
    if (e < 0) { this.countDrop(0, 9); return; }
    this.icmpTokens--;
    const tot0 = rd16(u8, ip + 2);
    const quote = Math.min(tot0, 576 - 28);
    const eo = this.pool.dataOffset(e);
    u8.copyWithin(eo, o + 6, o + 12); // to the previous hop's MAC
    u8.set(this.ifMac.subarray(6 * inIf, 6 * inIf + 6), eo + 6);
    wr16(u8, eo + 12, ETH_IPV4);
    const eip = eo + 14, ic = eip + 20;
    u8.copyWithin(ic + 8, ip, ip + quote);
    u8[eip] = 0x45; u8[eip + 1] = 0xc0; // precedence: internetwork control (RFC 1812 §4.3.2.5)
    wr16(u8, eip + 2, 28 + quote);
    wr16(u8, eip + 4, 0); wr16(u8, eip + 6, 0);
    u8[eip + 8] = 64; u8[eip + 9] = IP_ICMP;
    wr16(u8, eip + 10, 0);
    wr32(u8, eip + 12, this.ifIp4[inIf]!);
    wr32(u8, eip + 16, src);
    wr16(u8, eip + 10, this.csum(eip, 20));
    u8[ic] = type; u8[ic + 1] = code;
    wr16(u8, ic + 2, 0); wr32(u8, ic + 4, 0);
    wr16(u8, ic + 2, this.csum(ic, 8 + quote));
    this.pool.setDataLen(e, Math.max(60, 14 + 28 + quote));
    if (14 + 28 + quote < 60) u8.fill(0, eo + 14 + 28 + quote, eo + 60);
    this.emit(e, inIf);
  }

  /** ICMPv6 error (RFC 4443 §2.4: as much of the packet as fits in 1280 bytes). */
  private icmp6Error(h: number, o: number, ip: number, inIf: number, type: number, code: number): void {
    const u8 = this.pool.u8;
    if (this.icmpTokens < 1 || this.ifHas6[inIf] === 0) return;
    // §2.4 (e): not about ICMPv6 errors, nor packets to multicast or from unspecified/multicast.
    if (u8[ip + 8] === 0xff || allZero(u8, ip + 8) || (u8[o]! & 1) !== 0) return;
    if (u8[ip + 6] === IP_ICMPV6 && u8[ip + 40]! < 128) return;
    const e = this.alloc();
    if (e < 0) { this.countDrop(0, 9); return; }
    this.icmpTokens--;
    const quote = Math.min(40 + rd16(u8, ip + 4), 1280 - 48);
    const eo = this.pool.dataOffset(e);
    u8.copyWithin(eo, o + 6, o + 12);
    u8.set(this.ifMac.subarray(6 * inIf, 6 * inIf + 6), eo + 6);
    wr16(u8, eo + 12, ETH_IPV6);
    const eip = eo + 14, ic = eip + 40;
    u8.copyWithin(ic + 8, ip, ip + quote);
    u8.copyWithin(eip + 24, ip + 8, ip + 24); // destination = the offender's source
    this.ip6Header(eip, 8 + quote, IP_ICMPV6, 64, inIf);
    u8[ic] = type; u8[ic + 1] = code; wr16(u8, ic + 2, 0); wr32(u8, ic + 4, 0);
    wr16(u8, ic + 2, this.csum(ic, 8 + quote, pseudo6(u8, eip, IP_ICMPV6, 8 + quote)));
    this.pool.setDataLen(e, 14 + 48 + quote);
    this.emit(e, inIf);
  }

  /** Writes an IPv6 header at eip (destination already at eip+24) from interface k's address. */
  private ip6Header(eip: number, plen: number, next: number, hops: number, k: number): void {
    const u8 = this.pool.u8;
    wr32(u8, eip, 0x60000000);
    wr16(u8, eip + 4, plen);
    u8[eip + 6] = next;
    u8[eip + 7] = hops;
    u8.set(this.ifIp6.subarray(16 * k, 16 * k + 16), eip + 8);
  }

  /** Multicast IPv6 to the router: neighbour solicitations (RFC 4861 §7.2.3); the rest dropped. */
  private multicast6(h: number, o: number, ip: number, inIf: number): number {
    const u8 = this.pool.u8;
    if (u8[ip + 6] === IP_ICMPV6 && u8[ip + 7] === 255) return this.nd(h, o, ip, inIf);
    this.drop1(h, 5);
    return -1;
  }

  private local6(h: number, o: number, ip: number, inIf: number): number {
    const u8 = this.pool.u8;
    if (u8[ip + 6] !== IP_ICMPV6) { this.drop1(h, 5); return -1; }
    const t = u8[ip + 40]!;
    if ((t === 135 || t === 136) && u8[ip + 7] === 255) return this.nd(h, o, ip, inIf);
    if (t === 128) {
      // Echo reply (RFC 4443 §4.2): swap addresses, type 129, checksum recomputed.
      const plen = rd16(u8, ip + 4);
      const tmp = this.tmp16;
      tmp.set(u8.subarray(ip + 8, ip + 24));
      u8.copyWithin(ip + 8, ip + 24, ip + 40);
      u8.set(tmp, ip + 24);
      u8[ip + 7] = 64;
      u8[ip + 40] = 129;
      wr16(u8, ip + 42, 0);
      wr16(u8, ip + 42, this.csum(ip + 40, plen, pseudo6(u8, ip, IP_ICMPV6, plen)));
      u8.copyWithin(o, o + 6, o + 12);
      u8.set(this.ifMac.subarray(6 * inIf, 6 * inIf + 6), o + 6);
      const out = this.outOf[inIf]!;
      if (out >= 0) return out;
    }
    this.drop1(h, 5);
    return -1;
  }

  private readonly tmp16 = new Uint8Array(16);

  /** Neighbour discovery: answer solicitations for our address, learn from both NS and NA. */
  private nd(h: number, o: number, ip: number, inIf: number): number {
    const u8 = this.pool.u8;
    const plen = rd16(u8, ip + 4);
    const ic = ip + 40;
    const t = u8[ic]!;
    if (plen < 24 || u8[ic + 1] !== 0 || this.csum(ic, plen, pseudo6(u8, ip, IP_ICMPV6, plen)) !== 0) { this.drop1(h, 7); return -1; }
    const target = ic + 8;
    // Link-layer address option: source (1) in NS, target (2) in NA (RFC 4861 §4.6.1).
    let lla = -1;
    for (let op = ic + 24; op + 8 <= ic + plen;) {
      const ol = u8[op + 1]! * 8;
      if (ol === 0) break;
      if (u8[op] === (t === 135 ? 1 : 2) && ol >= 8) lla = op + 2;
      op += ol;
    }
    if (t === 136) {
      const s = this.neigh6(u8, target, inIf, false);
      if (s >= 0 && lla >= 0) { this.nMac.set(u8.subarray(lla, lla + 6), 6 * s); this.nState[s] = N_REACHABLE; this.nIf[s] = inIf; }
      this.drop1(h, 7);
      return -1;
    }
    if (t !== 135 || this.mine6(u8, target) !== inIf) { this.drop1(h, 7); return -1; }
    if (lla >= 0 && !allZero(u8, ip + 8)) {
      const s = this.neigh6(u8, ip + 8, inIf, true);
      if (s >= 0) { this.nMac.set(u8.subarray(lla, lla + 6), 6 * s); this.nState[s] = N_REACHABLE; this.nIf[s] = inIf; }
    }
    const out = this.outOf[inIf]!;
    if (out < 0 || lla < 0) { this.drop1(h, 7); return -1; }
    // Neighbour advertisement in place (RFC 4861 §7.2.4): to the soliciter, flags S|O, our MAC
    // as the target link-layer address option.
    const mac = this.ifMac.subarray(6 * inIf, 6 * inIf + 6);
    u8.copyWithin(o, lla, lla + 6);
    u8.set(mac, o + 6);
    u8.copyWithin(ip + 24, ip + 8, ip + 24);
    this.ip6Header(ip, 32, IP_ICMPV6, 255, inIf);
    u8[ic] = 136; u8[ic + 1] = 0; wr16(u8, ic + 2, 0);
    wr32(u8, ic + 4, 0x60000000); // S and O
    u8[ic + 24] = 2; u8[ic + 25] = 1; u8.set(mac, ic + 26);
    wr16(u8, ic + 2, this.csum(ic, 32, pseudo6(u8, ip, IP_ICMPV6, 32)));
    this.pool.setDataLen(h, 14 + 40 + 32);
    return out;
  }

  /** Sends a neighbour solicitation for the address at u8[a..] on interface k (RFC 4861 §7.2.2). */
  private resolve6(s: number, src: Uint8Array, a: number, k: number): void {
    if (this.ifHas6[k] === 0) return;
    if (s < 0) s = this.neigh6(src, a, k, true);
    if (s < 0 || this.now - this.nAsked[s]! < 1000) return;
    this.nAsked[s] = this.now;
    const h = this.alloc();
    if (h < 0) return;
    const u8 = this.pool.u8, o = this.pool.dataOffset(h);
    const t = this.nAddr.subarray(16 * s, 16 * s + 16);
    // Solicited-node multicast ff02::1:ffXX:XXXX (RFC 4291 §2.7.1), MAC 33:33:ff:XX:XX:XX (RFC 2464 §7).
    u8[o] = 0x33; u8[o + 1] = 0x33; u8[o + 2] = 0xff; u8[o + 3] = t[13]!; u8[o + 4] = t[14]!; u8[o + 5] = t[15]!;
    u8.set(this.ifMac.subarray(6 * k, 6 * k + 6), o + 6);
    wr16(u8, o + 12, ETH_IPV6);
    const ip = o + 14, ic = ip + 40;
    u8.fill(0, ip + 24, ip + 40);
    u8[ip + 24] = 0xff; u8[ip + 25] = 0x02; u8[ip + 35] = 1; u8[ip + 36] = 0xff; u8[ip + 37] = t[13]!; u8[ip + 38] = t[14]!; u8[ip + 39] = t[15]!;
    this.ip6Header(ip, 32, IP_ICMPV6, 255, k);
    u8[ic] = 135; u8[ic + 1] = 0; wr16(u8, ic + 2, 0); wr32(u8, ic + 4, 0);
    u8.set(t, ic + 8);
    u8[ic + 24] = 1; u8[ic + 25] = 1; u8.set(this.ifMac.subarray(6 * k, 6 * k + 6), ic + 26);
    wr16(u8, ic + 2, this.csum(ic, 32, pseudo6(u8, ip, IP_ICMPV6, 32)));
    this.pool.setDataLen(h, 14 + 40 + 32);
    this.emit(h, k);
  }
}

function allZero(u8: Uint8Array, a: number): boolean {
  for (let i = 0; i < 16; i++) if (u8[a + i] !== 0) return false;
  return true;
}

function hash6(u8: Uint8Array, a: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < 16; i++) h = Math.imul(h ^ u8[a + i]!, 0x01000193);
  return h | 0;
}

/** "198.18.0.1/24" -> "198.18.0.0/24" (the canonical key of its connected route). */
function netOf(cidr: string): string {
  const p = parsePrefix(cidr);
  if (p.v6) {
    const a = p.addr.slice();
    for (let b = p.depth; b < 128; b++) a[b >> 3]! &= ~(0x80 >> (b & 7));
    return `${formatIPv6(a)}/${p.depth}`;
  }
  const m = p.depth === 0 ? 0 : (0xffffffff << (32 - p.depth)) >>> 0;
  return `${formatIPv4((p.ip & m) >>> 0)}/${p.depth}`;
}

function routeKey(r: Route): string {
  return r.v6 ? netOf(`${formatIPv6(r.key as Uint8Array)}/${r.depth}`) : netOf(`${formatIPv4(r.key as number)}/${r.depth}`);
}

function normRoute(t: string): string {
  return t.trim().split(/\s+/).join(' ');
}
