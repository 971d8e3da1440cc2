// Builders for test and generator traffic: a frame described as plain data, written into a
// Uint8Array or a pool buffer with every length and checksum right (or, for tests of the parser,
// with a length field overridden to lie). Not for the per-packet hot path: a generator builds a
// template once and then patches fields with the accessors (and the RFC 1624 helpers).
// Bad specs throw a TypeError/RangeError naming the field.
import type { PoolView } from '../memory/pool.js';
import { META_DATA_LEN, META_DATA_OFF, META_SIZE } from '../memory/layout.js';
import { Frame } from './frame.js';
import { CSUM_AT_ICMP, CSUM_AT_TCP, CSUM_AT_UDP, finish, l4Checksum, rawSum } from './checksum.js';
import {
  ETH_ARP, ETH_IPV4, ETH_IPV6, ETH_VLAN, IP_DSTOPTS, IP_FRAGMENT, IP_HOPOPTS, IP_ICMP, IP_ICMPV6, IP_ROUTING,
  IP_TCP, IP_UDP, VXLAN_PORT,
} from './constants.js';
import { parseAddr as parseIpv4 } from './headers/ipv4.js';
import { finalDestination, parseAddr as parseIpv6 } from './headers/ipv6.js';

type Bytes = Uint8Array | number[];
type Mac = number | string;
export interface EthSpec { dst?: Mac; src?: Mac; /** EtherType when no L3 spec says it */ type?: number }
export interface VlanSpec { vid: number; pcp?: number; dei?: number; /** default 0x8100; 0x88a8 for an 802.1ad S-tag */ tpid?: number }
export interface ArpSpec { op?: number; sha?: Mac; spa?: string | number; tha?: Mac; tpa?: string | number }
export interface Ipv4Spec {
  src?: string | number; dst?: string | number; ttl?: number; tos?: number; id?: number;
  df?: boolean; mf?: boolean; /** bytes, a multiple of 8 */ fragOffset?: number;
  /** raw option bytes; padded with EOL to a multiple of 4 */ options?: Bytes;
  /** protocol when no L4 spec says it (default 253, experimental) */ proto?: number;
  /** overrides (to build lying headers): written as given; the checksum is computed after */
  totalLength?: number; ihl?: number; version?: number; checksum?: number;
}
export interface Ipv6ExtSpec {
  type: 'hbh' | 'dst' | 'routing' | 'fragment';
  /** hbh/dst: option TLV bytes (padded with Pad1/PadN); routing: type-specific data after the 4 fixed bytes */
  data?: Bytes;
  routingType?: number; segmentsLeft?: number;
  /** fragment: offset in bytes (multiple of 8), more fragments, identification */
  fragOffset?: number; more?: boolean; id?: number;
}
export interface Ipv6Spec {
  src?: string; dst?: string; hopLimit?: number; tc?: number; flow?: number;
  ext?: Ipv6ExtSpec[]; /** next header when no L4 spec says it (default 59, no next header) */ proto?: number;
  /** override (lying length) */ payloadLength?: number; version?: number;
}
export interface UdpSpec { sport?: number; dport?: number; /** override */ length?: number; /** 'none': 0 over IPv4 */ checksum?: number | 'none' }
export interface TcpSpec {
  sport?: number; dport?: number; seq?: number; ack?: number; /** default ACK */ flags?: number; window?: number;
  urgent?: number; /** raw option bytes, padded with EOL to a multiple of 4 */ options?: Bytes;
  /** override, in bytes */ headerLength?: number; checksum?: number;
}
/** ICMPv4 (over ipv4) or ICMPv6 (over ipv6): type, code and the bytes after the 4-byte header. */
export interface IcmpSpec { type: number; code?: number; /** after type/code/checksum; ICMPv4 echo: id/seq + data */ body?: Bytes; checksum?: number }
export interface VxlanSpec { vni: number; inner: FrameSpec; sport?: number }
export interface FrameSpec {
  eth?: EthSpec;
  vlans?: VlanSpec[];
  arp?: ArpSpec;
  ipv4?: Ipv4Spec;
  ipv6?: Ipv6Spec;
  udp?: UdpSpec;
  tcp?: TcpSpec;
  icmp?: IcmpSpec;
  /** VXLAN in UDP (destination port 4789 unless udp.dport says otherwise) */
  vxlan?: VxlanSpec;
  /** L4 payload: bytes, or a length (filled with a byte pattern) */
  payload?: Bytes | number;
  /** pad with zeros to this frame length (60: the Ethernet minimum without FCS) */
  padTo?: number;
}

export function parseMac(m: Mac): number {
  if (typeof m === 'number') return m;
  const p = m.split(':');
  if (p.length !== 6 || p.some((x) => !/^[0-9a-fA-F]{1,2}$/.test(x))) throw new TypeError(`not a MAC address: '${m}' (use 02:00:00:00:00:01)`);
  return p.reduce((a, x) => a * 256 + parseInt(x, 16), 0);
}
export const formatMac = (m: number): string => {
  const s = m.toString(16).padStart(12, '0');
  return s.match(/../g)!.join(':');
};
const ip4 = (a: string | number | undefined, dflt: number): number => (a === undefined ? dflt : typeof a === 'number' ? a >>> 0 : parseIpv4(a));

class Writer {
  constructor(readonly u8: Uint8Array, readonly dv: DataView, public o: number, readonly limit: number) {}
  need(n: number, what: string): void {
    if (this.o + n > this.limit) throw new RangeError(`build: ${what} does not fit (${this.limit} bytes of room)`);
  }
  u8w(v: number): void { this.need(1, 'frame'); this.u8[this.o++] = v & 0xff; }
  u16(v: number): void { this.need(2, 'frame'); this.dv.setUint16(this.o, v & 0xffff); this.o += 2; }
  u32(v: number): void { this.need(4, 'frame'); this.dv.setUint32(this.o, v >>> 0); this.o += 4; }
  mac(v: number): void { this.u16(Math.floor(v / 0x100000000)); this.u32(v >>> 0); }
  bytes(b: Bytes): void { this.need(b.length, 'frame'); for (let k = 0; k < b.length; k++) this.u8[this.o++] = b[k]! & 0xff; }
  zeros(n: number): void { this.need(n, 'frame'); this.u8.fill(0, this.o, this.o + n); this.o += n; }
}

const scratch = new Frame();

function l4Proto(s: FrameSpec, v6: boolean): number | undefined {
  if (s.udp || s.vxlan) return IP_UDP;
  if (s.tcp) return IP_TCP;
  if (s.icmp) return v6 ? IP_ICMPV6 : IP_ICMP;
  return undefined;
}

function writeFrame(s: FrameSpec, w: Writer): void {
  const start = w.o;
  w.mac(parseMac(s.eth?.dst ?? '02:00:00:00:00:02'));
  w.mac(parseMac(s.eth?.src ?? '02:00:00:00:00:01'));
  for (const t of s.vlans ?? []) {
    w.u16(t.tpid ?? ETH_VLAN);
    w.u16(((t.pcp ?? 0) << 13) | ((t.dei ?? 0) << 12) | (t.vid & 0xfff));
  }
  const et = s.arp ? ETH_ARP : s.ipv4 ? ETH_IPV4 : s.ipv6 ? ETH_IPV6 : (s.eth?.type ?? 0x88b5);
  w.u16(et);
  if (s.arp) {
    const a = s.arp;
    w.u16(1); w.u16(ETH_IPV4); w.u8w(6); w.u8w(4); w.u16(a.op ?? 1);
    w.mac(parseMac(a.sha ?? '02:00:00:00:00:01')); w.u32(ip4(a.spa, 0xc0000201));
    w.mac(parseMac(a.tha ?? 0)); w.u32(ip4(a.tpa, 0xc0000202));
  } else if (s.ipv4) writeIpv4(s, s.ipv4, w);
  else if (s.ipv6) writeIpv6(s, s.ipv6, w);
  else writePayload(s, w);
  if (s.padTo !== undefined && w.o - start < s.padTo) w.zeros(s.padTo - (w.o - start));
}

function writePayload(s: FrameSpec, w: Writer): void {
  const p = s.payload;
  if (p === undefined) return;
  if (typeof p === 'number') {
    w.need(p, `payload of ${p} bytes`);
    for (let k = 0; k < p; k++) w.u8[w.o + k] = (k * 7 + 0x41) & 0xff;
    w.o += p;
  } else w.bytes(p);
}

function writeIpv4(s: FrameSpec, ip: Ipv4Spec, w: Writer): void {
  const l3 = w.o;
  const opts = ip.options ?? [];
  const olen = (opts.length + 3) & ~3;
  const hl = 20 + olen;
  w.u8w(((ip.version ?? 4) << 4) | ((ip.ihl ?? hl >> 2) & 0x0f));
  w.u8w(ip.tos ?? 0);
  w.u16(0); // total length, below
  w.u16(ip.id ?? 1);
  const fo = ip.fragOffset ?? 0;
  if (fo % 8 !== 0) throw new RangeError(`build: ipv4.fragOffset ${fo} is not a multiple of 8`);
  w.u16((ip.df ? 0x4000 : 0) | (ip.mf ? 0x2000 : 0) | ((fo >> 3) & 0x1fff));
  w.u8w(ip.ttl ?? 64);
  const proto = l4Proto(s, false) ?? ip.proto ?? 253;
  w.u8w(proto);
  w.u16(0); // checksum, below
  w.u32(ip4(ip.src, 0xc0000201));
  w.u32(ip4(ip.dst, 0xc0000202));
  w.bytes(opts);
  w.zeros(olen - opts.length);
  const l4 = w.o;
  writeL4(s, w, 4, l3);
  const tl = w.o - l3;
  w.dv.setUint16(l3 + 2, ip.totalLength ?? tl);
  const hs = rawSum(w.dv, l3, hl);
  w.dv.setUint16(l3 + 10, ip.checksum ?? finish(hs));
  finishL4(s, w, 4, l3, l4, w.o);
}

function writeIpv6(s: FrameSpec, ip: Ipv6Spec, w: Writer): void {
  const l3 = w.o;
  const ext = ip.ext ?? [];
  const code = (e: Ipv6ExtSpec) => (e.type === 'hbh' ? IP_HOPOPTS : e.type === 'dst' ? IP_DSTOPTS : e.type === 'routing' ? IP_ROUTING : IP_FRAGMENT);
  const proto = l4Proto(s, true) ?? ip.proto ?? 59;
  w.u32(((ip.version ?? 6) << 28) | ((ip.tc ?? 0) << 20) | ((ip.flow ?? 0) & 0xfffff));
  w.u16(0); // payload length, below
  w.u8w(ext.length ? code(ext[0]!) : proto);
  w.u8w(ip.hopLimit ?? 64);
  w.bytes(parseIpv6(ip.src ?? 'fd00::1'));
  w.bytes(parseIpv6(ip.dst ?? 'fd00::2'));
  let rh = -1;
  ext.forEach((e, i) => {
    const next = i + 1 < ext.length ? code(ext[i + 1]!) : proto;
    const h = w.o;
    if (e.type === 'routing' && rh < 0) rh = h;
    if (e.type === 'fragment') {
      const fo = e.fragOffset ?? 0;
      if (fo % 8 !== 0) throw new RangeError(`build: ipv6 fragment fragOffset ${fo} is not a multiple of 8`);
      w.u8w(next); w.u8w(0); w.u16(fo | (e.more ? 1 : 0)); w.u32(e.id ?? 1);
      return;
    }
    w.u8w(next);
    w.u8w(0); // length, below
    if (e.type === 'routing') {
      w.u8w(e.routingType ?? 0); w.u8w(e.segmentsLeft ?? 0);
      w.bytes(e.data ?? [0, 0, 0, 0]);
      const pad = (8 - ((w.o - h) % 8)) % 8;
      w.zeros(pad);
    } else {
      w.bytes(e.data ?? []);
      const pad = (8 - ((w.o - h) % 8)) % 8; // RFC 8200 §4.2: Pad1 for one byte, else PadN
      if (pad === 1) w.u8w(0);
      else if (pad > 1) { w.u8w(1); w.u8w(pad - 2); w.zeros(pad - 2); }
    }
    w.u8[h + 1] = ((w.o - h) >> 3) - 1;
  });
  const l4 = w.o;
  writeL4(s, w, 6, l3);
  w.dv.setUint16(l3 + 4, ip.payloadLength ?? w.o - l3 - 40);
  // RFC 8200 §8.1: with a routing header the pseudo-header has the final destination
  const f = scratch.wrap(w.u8, 0, w.limit);
  f.start = l3;
  f.end = w.o;
  finishL4(s, w, 6, l3, l4, w.o, finalDestination(f, l3, rh));
}

function writeL4(s: FrameSpec, w: Writer, _v: number, _l3: number): void {
  if (s.udp || s.vxlan) {
    const u = s.udp ?? {};
    w.u16(u.sport ?? s.vxlan?.sport ?? 1024);
    w.u16(u.dport ?? (s.vxlan ? VXLAN_PORT : 9));
    w.u16(0); // length, below
    w.u16(0); // checksum, finishL4
    if (s.vxlan) {
      w.u8w(0x08); w.zeros(3); w.u32(((s.vxlan.vni & 0xffffff) << 8) >>> 0);
      writeFrame(s.vxlan.inner, w);
    } else writePayload(s, w);
  } else if (s.tcp) {
    const t = s.tcp;
    const opts = t.options ?? [];
    const olen = (opts.length + 3) & ~3;
    w.u16(t.sport ?? 1024); w.u16(t.dport ?? 80); w.u32(t.seq ?? 1); w.u32(t.ack ?? 0);
    const hl = t.headerLength ?? 20 + olen;
    w.u8w((hl >> 2) << 4); w.u8w(t.flags ?? 0x10); w.u16(t.window ?? 65535); w.u16(0); w.u16(t.urgent ?? 0);
    w.bytes(opts); w.zeros(olen - opts.length);
    writePayload(s, w);
  } else if (s.icmp) {
    w.u8w(s.icmp.type); w.u8w(s.icmp.code ?? 0); w.u16(0);
    w.bytes(s.icmp.body ?? [0, 0, 0, 0]);
    writePayload(s, w);
  } else writePayload(s, w);
}

function finishL4(s: FrameSpec, w: Writer, v: number, l3: number, l4: number, end: number, dstAt = -1): void {
  const f = scratch.wrap(w.u8, 0, w.limit);
  f.start = l3;
  f.end = end;
  const len = end - l4;
  if (s.udp || s.vxlan) {
    const u = s.udp ?? {};
    w.dv.setUint16(l4 + 4, len);
    const c = u.checksum === 'none' ? 0 : (u.checksum ?? l4Checksum(f, v, l3, IP_UDP, l4, len, CSUM_AT_UDP, dstAt));
    w.dv.setUint16(l4 + 6, c);
    if (u.length !== undefined) w.dv.setUint16(l4 + 4, u.length);
  } else if (s.tcp) {
    w.dv.setUint16(l4 + 16, s.tcp.checksum ?? l4Checksum(f, v, l3, IP_TCP, l4, len, CSUM_AT_TCP, dstAt));
  } else if (s.icmp) {
    let c: number;
    if (v === 6) c = l4Checksum(f, 6, l3, IP_ICMPV6, l4, len, CSUM_AT_ICMP, dstAt);
    else c = finish(rawSum(w.dv, l4, len));
    w.dv.setUint16(l4 + 2, s.icmp.checksum ?? c);
  }
}

/** Writes the frame into out[off..]; returns its length. Throws RangeError if it does not fit. */
export function build(spec: FrameSpec, out: Uint8Array, off = 0): number {
  const w = new Writer(out, new DataView(out.buffer, out.byteOffset, out.byteLength), off, out.length);
  writeFrame(spec, w);
  return w.o - off;
}

/** The frame as a new Uint8Array of exactly its length. */
let scratchBytes: Uint8Array | undefined;
export function buildFrame(spec: FrameSpec): Uint8Array {
  scratchBytes ??= new Uint8Array(65600); // one scratch area, then an exact-size copy
  const n = build(spec, scratchBytes);
  return scratchBytes.slice(0, n);
}

/**
 * Writes the frame into pool buffer h (which the caller owns) at the default data offset and sets
 * its data length. Returns the length; throws RangeError if it exceeds the data room.
 */
export function buildInto(pool: PoolView, h: number, spec: FrameSpec): number {
  const b = pool.bufBase + h * pool.stride;
  const off = META_SIZE + pool.headroom;
  const w = new Writer(pool.u8, pool.dv, b + off, b + off + pool.dataRoom);
  writeFrame(spec, w);
  const len = w.o - b - off;
  pool.u16[(b + META_DATA_OFF) >> 1] = off;
  pool.u16[(b + META_DATA_LEN) >> 1] = len;
  return len;
}

// Neighbor Discovery messages (RFC 4861 §4) as IcmpSpec, for ipv6 frames.
const lla = (type: number, mac: Mac): number[] => {
  const m = parseMac(mac);
  return [type, 1, ...Array.from({ length: 6 }, (_, i) => Math.floor(m / 2 ** (8 * (5 - i))) & 0xff)];
};
export const nd = {
  /** Neighbor Solicitation for target, with a source link-layer address option if given. */
  ns(target: string, slla?: Mac): IcmpSpec {
    return { type: 135, body: [0, 0, 0, 0, ...parseIpv6(target), ...(slla !== undefined ? lla(1, slla) : [])] };
  },
  /** Neighbor Advertisement (flags: R 0x80, S 0x40, O 0x20) with a target link-layer address option. */
  na(target: string, flags: number, tlla?: Mac): IcmpSpec {
    return { type: 136, body: [flags, 0, 0, 0, ...parseIpv6(target), ...(tlla !== undefined ? lla(2, tlla) : [])] };
  },
  rs(slla?: Mac): IcmpSpec {
    return { type: 133, body: [0, 0, 0, 0, ...(slla !== undefined ? lla(1, slla) : [])] };
  },
  /** Router Advertisement with optional SLLA, MTU and one prefix-information option. */
  ra(o: { hopLimit?: number; flags?: number; lifetime?: number; reachable?: number; retrans?: number; slla?: Mac; mtu?: number; prefix?: { prefix: string; length: number; flags?: number; valid?: number; preferred?: number } }): IcmpSpec {
    const b: number[] = [o.hopLimit ?? 64, o.flags ?? 0, (o.lifetime ?? 1800) >> 8, (o.lifetime ?? 1800) & 0xff];
    const u32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
    b.push(...u32(o.reachable ?? 0), ...u32(o.retrans ?? 0));
    if (o.slla !== undefined) b.push(...lla(1, o.slla));
    if (o.mtu !== undefined) b.push(5, 1, 0, 0, ...u32(o.mtu));
    if (o.prefix) {
      const p = o.prefix;
      b.push(3, 4, p.length, p.flags ?? 0xc0, ...u32(p.valid ?? 86400), ...u32(p.preferred ?? 14400), 0, 0, 0, 0, ...parseIpv6(p.prefix));
    }
    return { type: 134, body: b };
  },
};
