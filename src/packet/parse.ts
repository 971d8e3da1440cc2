// The parser: one pass over Ethernet, up to two VLAN tags, ARP / IPv4 / IPv6 (with its extension
// headers), UDP / TCP / ICMP and VXLAN, filling a reusable Parsed with numbers only. A malformed
// packet is a result code, never a throw, and nothing is read outside [start, end): every header
// is bounds-checked once, then read with plain DataView loads.
// TRUNCATED vs BAD_LENGTH: the fixed part of a header (Ethernet 14, tag 4, IPv4 20, IPv6 40, an
// extension header's first 8, UDP 8, TCP 20, ICMP 8/4, ARP 8) not in the frame is TRUNCATED; a
// length field (IPv4 IHL and total length, IPv6 payload and extension lengths, UDP length, TCP
// data offset, ARP hlen/plen) pointing past the data, or a fixed part running past the length its
// enclosing header gives, is BAD_LENGTH. A snaplen-cut capture therefore usually shows as
// BAD_LENGTH, as tshark reports it ("IPv4 total length exceeds packet length").
import { Frame } from './frame.js';
import type { PoolView } from '../memory/pool.js';
import {
  ETH_ARP, ETH_IPV4, ETH_IPV6, ETH_QINQ, ETH_QINQ_9100, ETH_VLAN, IP_DSTOPTS, IP_FRAGMENT, IP_HOPOPTS,
  IP_ICMP, IP_ICMPV6, IP_ROUTING, IP_TCP, IP_UDP, L3, MAX_EXT, PType, Result, VXLAN_PORT,
} from './constants.js';

/** Bits of Parsed.extMask: which IPv6 extension headers were seen. */
export const EXT_HOPOPTS = 1, EXT_ROUTING = 2, EXT_FRAGMENT = 4, EXT_DSTOPTS = 8;

/**
 * Parse state, reused for every packet (one per worker). Offsets are absolute in `u8`/`dv` (for a
 * pool buffer: offsets in the pool mapping); -1 means "not present / not reached". After a result
 * other than OK, the fields of the layers before the failing one are valid, the rest are -1.
 */
export class Parsed extends Frame {
  result = 0;
  /** PType bits (constants.ts): what setPacketType() stores in the buffer metadata. */
  ptype = 0;
  // L2
  l2 = -1;
  /** The EtherType after the VLAN tags (the L3 protocol), -1 if the Ethernet header is cut. */
  ethertype = -1;
  vlans = 0;
  /** Outer tag: TPID and TCI (-1 if absent). */
  tpid0 = -1;
  tci0 = -1;
  /** Inner tag (QinQ). */
  tpid1 = -1;
  tci1 = -1;
  // L3
  l3 = -1;
  /** L3.NONE / IPV4 / IPV6 / ARP */
  l3Kind = 0;
  /** End of the L3 datagram by its length field (IPv4 total length, IPv6 40 + payload length). */
  l3End = -1;
  /** IPv4: IHL * 4; IPv6: 40 + extension headers walked. */
  l3HeaderLength = -1;
  /** Upper-layer protocol (after IPv6 extension headers), -1 if none. */
  ipProto = -1;
  /** IPv6: number of extension headers and which (EXT_* bits); offset of the fragment header. */
  extCount = 0;
  extMask = 0;
  fragHeader = -1;
  /** IPv6 routing header offset (-1: none); ipv6.finalDestination() needs it for L4 checksums. */
  routingHeader = -1;
  /** 1 if an IP fragment (MF set or offset > 0): then no L4 header is parsed (l4 = -1). */
  fragment = 0;
  /** Fragment offset in bytes, more-fragments bit, identification (IPv4 id / IPv6 frag id). */
  fragOffset = -1;
  moreFragments = 0;
  fragId = -1;
  // L4
  l4 = -1;
  /** L4 length: UDP length field, TCP/ICMP/other: to l3End. */
  l4Length = -1;
  srcPort = -1;
  dstPort = -1;
  tcpFlags = -1;
  icmpType = -1;
  icmpCode = -1;
  /** The L4 payload (after UDP/TCP/ICMP headers; for non-IP, after the EtherType). */
  payload = -1;
  payloadLength = -1;
  // tunnel
  /** VXLAN header offset, its VNI and the inner Ethernet header (parse it with parseInner). */
  vxlan = -1;
  vni = -1;
  inner = -1;
  innerEnd = -1;

  private clear(): void {
    this.result = 0;
    this.ptype = 0;
    this.l2 = this.ethertype = this.tpid0 = this.tci0 = this.tpid1 = this.tci1 = -1;
    this.vlans = 0;
    this.l3 = this.l3End = this.l3HeaderLength = this.ipProto = -1;
    this.l3Kind = 0;
    this.extCount = this.extMask = 0;
    this.fragHeader = this.routingHeader = this.fragOffset = this.fragId = -1;
    this.fragment = this.moreFragments = 0;
    this.l4 = this.l4Length = this.srcPort = this.dstPort = this.tcpFlags = this.icmpType = this.icmpCode = -1;
    this.payload = this.payloadLength = -1;
    this.vxlan = this.vni = this.inner = this.innerEnd = -1;
  }

  /** parse() of pool buffer h into this. */
  parse(pool: PoolView, h: number): number {
    this.attach(pool, h);
    return parse(this);
  }

  /** parse() of bytes[off, off+len) into this. */
  parseBytes(bytes: Uint8Array, off = 0, len = bytes.length - off): number {
    this.wrap(bytes, off, len);
    return parse(this);
  }

  /** @internal */
  reset(): void {
    this.clear();
  }
}

/** Parses pool buffer h into p; returns the result code (also in p.result). */
export function parseBuffer(pool: PoolView, h: number, p: Parsed): number {
  p.attach(pool, h);
  return parse(p);
}

/** Parses bytes[off, off+len) into p. */
export function parseBytes(bytes: Uint8Array, off: number, len: number, p: Parsed): number {
  p.wrap(bytes, off, len);
  return parse(p);
}

/** Parses the VXLAN inner frame of `outer` into `inner` (same bytes, window [outer.inner, outer.innerEnd)). */
export function parseInner(outer: Parsed, inner: Parsed): number {
  if (outer.inner < 0) {
    inner.u8 = outer.u8;
    inner.dv = outer.dv;
    inner.start = inner.end = outer.end;
    return parse(inner);
  }
  inner.u8 = outer.u8;
  inner.dv = outer.dv;
  inner.start = outer.inner;
  inner.end = outer.innerEnd;
  return parse(inner);
}

function fail(p: Parsed, r: number): number {
  p.result = r;
  p.ptype |= PType.ERROR;
  return r;
}

/** Parses p's window (set by attach/wrap). Returns Result.* and stores it in p.result. */
export function parse(p: Parsed): number {
  p.reset();
  const dv = p.dv, start = p.start, end = p.end;
  if (start + 14 > end) return fail(p, Result.TRUNCATED);
  p.l2 = start;
  p.ptype = PType.L2_ETHER;
  let o = start + 12;
  let et = dv.getUint16(o);
  while (et === ETH_VLAN || et === ETH_QINQ || et === ETH_QINQ_9100) {
    if (p.vlans === 2) {
      p.ethertype = et;
      return fail(p, Result.TOO_DEEP);
    }
    if (o + 6 > end) return fail(p, Result.TRUNCATED);
    if (p.vlans === 0) {
      p.tpid0 = et;
      p.tci0 = dv.getUint16(o + 2);
    } else {
      p.tpid1 = et;
      p.tci1 = dv.getUint16(o + 2);
    }
    p.vlans++;
    o += 4;
    et = dv.getUint16(o);
  }
  if (p.vlans === 1) p.ptype |= PType.L2_VLAN;
  else if (p.vlans === 2) p.ptype |= PType.L2_QINQ;
  p.ethertype = et;
  const l3 = o + 2;
  p.l3 = l3;
  if (et === ETH_IPV4) return ipv4(p, dv, l3, end);
  if (et === ETH_IPV6) return ipv6(p, dv, l3, end);
  if (et === ETH_ARP) {
    p.l3Kind = L3.ARP;
    p.ptype |= PType.L2_ARP;
    if (l3 + 8 > end) return fail(p, Result.TRUNCATED);
    const need = 8 + 2 * (dv.getUint8(l3 + 4) + dv.getUint8(l3 + 5));
    if (l3 + need > end) return fail(p, Result.BAD_LENGTH); // hlen/plen claim more than is there
    p.l3End = l3 + need;
    p.l3HeaderLength = need;
    p.payload = l3 + need;
    p.payloadLength = end - p.payload;
    return (p.result = Result.OK);
  }
  p.payload = l3;
  p.payloadLength = end - l3;
  return (p.result = Result.OK);
}

function ipv4(p: Parsed, dv: DataView, l3: number, end: number): number {
  p.l3Kind = L3.IPV4;
  p.ptype |= PType.L3_IPV4;
  if (l3 + 20 > end) return fail(p, Result.TRUNCATED);
  const b0 = dv.getUint8(l3);
  if (b0 >>> 4 !== 4) return fail(p, Result.BAD_VERSION);
  const hl = (b0 & 0x0f) << 2;
  if (hl < 20) return fail(p, Result.BAD_IHL);
  if (hl > 20) p.ptype |= PType.L3_IPV4_OPT;
  if (l3 + hl > end) return fail(p, Result.BAD_LENGTH); // IHL claims options that are not there
  p.l3HeaderLength = hl;
  p.ipProto = dv.getUint8(l3 + 9);
  p.fragId = dv.getUint16(l3 + 4);
  const fw = dv.getUint16(l3 + 6);
  p.fragOffset = (fw & 0x1fff) << 3;
  p.moreFragments = (fw >>> 13) & 1;
  const tl = dv.getUint16(l3 + 2);
  if (tl < hl || l3 + tl > end) return fail(p, Result.BAD_LENGTH);
  const l3End = l3 + tl;
  p.l3End = l3End;
  const l4 = l3 + hl;
  if ((fw & 0x3fff) !== 0) {
    p.fragment = 1;
    p.ptype |= PType.L4_FRAG;
    p.payload = l4;
    p.payloadLength = l3End - l4;
    return (p.result = Result.OK);
  }
  return transport(p, dv, p.ipProto, l4, l3End, end, IP_ICMP);
}

function ipv6(p: Parsed, dv: DataView, l3: number, end: number): number {
  p.l3Kind = L3.IPV6;
  p.ptype |= PType.L3_IPV6;
  if (l3 + 40 > end) return fail(p, Result.TRUNCATED);
  if (dv.getUint8(l3) >>> 4 !== 6) return fail(p, Result.BAD_VERSION);
  const l3End = l3 + 40 + dv.getUint16(l3 + 4);
  if (l3End > end) return fail(p, Result.BAD_LENGTH);
  p.l3End = l3End;
  let nh = dv.getUint8(l3 + 6);
  let o = l3 + 40;
  while (nh === IP_HOPOPTS || nh === IP_ROUTING || nh === IP_FRAGMENT || nh === IP_DSTOPTS) {
    if (p.extCount === MAX_EXT) {
      p.ipProto = nh;
      return fail(p, Result.TOO_DEEP);
    }
    p.ptype |= PType.L3_IPV6_EXT;
    if (o + 8 > l3End) return fail(p, o + 8 > end ? Result.TRUNCATED : Result.BAD_LENGTH);
    const next = dv.getUint8(o);
    p.extCount++;
    if (nh === IP_FRAGMENT) {
      p.extMask |= EXT_FRAGMENT;
      p.fragHeader = o;
      const w = dv.getUint16(o + 2);
      p.fragOffset = w & 0xfff8;
      p.moreFragments = w & 1;
      p.fragId = dv.getUint32(o + 4);
      o += 8;
      nh = next;
      if (p.fragOffset !== 0 || p.moreFragments !== 0) {
        p.fragment = 1;
        p.ptype |= PType.L4_FRAG;
        p.ipProto = nh;
        p.l3HeaderLength = o - l3;
        p.payload = o;
        p.payloadLength = l3End - o;
        return (p.result = Result.OK);
      }
      continue;
    }
    p.extMask |= nh === IP_HOPOPTS ? EXT_HOPOPTS : nh === IP_ROUTING ? EXT_ROUTING : EXT_DSTOPTS;
    if (nh === IP_ROUTING && p.routingHeader < 0) p.routingHeader = o;
    const len = (dv.getUint8(o + 1) + 1) << 3;
    if (o + len > l3End) return fail(p, Result.BAD_LENGTH);
    o += len;
    nh = next;
  }
  p.ipProto = nh;
  p.l3HeaderLength = o - l3;
  return transport(p, dv, nh, o, l3End, end, IP_ICMPV6);
}

/** L4 at l4 inside the datagram ending at l3End (frame end `end`). */
function transport(p: Parsed, dv: DataView, proto: number, l4: number, l3End: number, end: number, icmp: number): number {
  p.l4 = l4;
  if (proto === IP_UDP) {
    p.ptype |= PType.L4_UDP;
    if (l4 + 8 > l3End) return fail(p, l4 + 8 > end ? Result.TRUNCATED : Result.BAD_LENGTH);
    p.srcPort = dv.getUint16(l4);
    const dport = dv.getUint16(l4 + 2);
    p.dstPort = dport;
    const ul = dv.getUint16(l4 + 4);
    if (ul < 8 || l4 + ul > l3End) return fail(p, Result.BAD_LENGTH);
    p.l4Length = ul;
    p.payload = l4 + 8;
    p.payloadLength = ul - 8;
    if (dport === VXLAN_PORT && ul >= 16 && (dv.getUint8(l4 + 8) & 0x08) !== 0) {
      p.ptype |= PType.TUNNEL_VXLAN;
      p.vxlan = l4 + 8;
      p.vni = dv.getUint32(l4 + 12) >>> 8;
      p.inner = l4 + 16;
      p.innerEnd = l4 + ul;
    }
    return (p.result = Result.OK);
  }
  if (proto === IP_TCP) {
    p.ptype |= PType.L4_TCP;
    if (l4 + 20 > l3End) return fail(p, l4 + 20 > end ? Result.TRUNCATED : Result.BAD_LENGTH);
    p.srcPort = dv.getUint16(l4);
    p.dstPort = dv.getUint16(l4 + 2);
    p.tcpFlags = dv.getUint8(l4 + 13);
    const hl = (dv.getUint8(l4 + 12) >>> 4) << 2;
    if (hl < 20 || l4 + hl > l3End) return fail(p, Result.BAD_LENGTH);
    p.l4Length = l3End - l4;
    p.payload = l4 + hl;
    p.payloadLength = l3End - l4 - hl;
    return (p.result = Result.OK);
  }
  if (proto === icmp) {
    p.ptype |= PType.L4_ICMP;
    const hl = icmp === IP_ICMP ? 8 : 4;
    if (l4 + hl > l3End) return fail(p, l4 + hl > end ? Result.TRUNCATED : Result.BAD_LENGTH);
    p.icmpType = dv.getUint8(l4);
    p.icmpCode = dv.getUint8(l4 + 1);
    p.l4Length = l3End - l4;
    p.payload = l4 + hl;
    p.payloadLength = l3End - l4 - hl;
    return (p.result = Result.OK);
  }
  p.l4Length = l3End - l4;
  p.payload = l4;
  p.payloadLength = l3End - l4;
  return (p.result = Result.OK);
}
