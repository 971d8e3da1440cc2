// Header offsets and checksum arithmetic the network-function apps share. A stand-in, in one
// file, until the packet library (src/packet/) is merged: then these helpers are swapped for it.
// Every reader here takes the packet's bytes (u8/dv of the pool view), the frame's offset and its
// length, and checks bounds before it reads, so a short or malformed frame is a drop with a
// reason, never an out-of-bounds read.

export const ETH_HLEN = 14;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_IPV6 = 0x86dd;
export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;

/** One's-complement sum of 16-bit big-endian words of u8[off .. off+len), plus `init`, unfolded. */
export function sum16(u8: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  const end = off + (len & ~1);
  for (let i = off; i < end; i += 2) s += (u8[i]! << 8) | u8[i + 1]!;
  if (len & 1) s += u8[off + len - 1]! << 8;
  return s;
}

/** Folds a sum to 16 bits and complements it: the Internet checksum (RFC 1071). */
export function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return ~s & 0xffff;
}

/**
 * RFC 1624 eqn. 3 incremental update: the checksum hc of data in which the 16-bit word m became
 * m2 is ~(~hc + ~m + m2). Unlike RFC 1141's form it never yields 0xffff... for a zero result
 * wrongly (the -0 case RFC 1624 §3 discusses).
 */
export function csumUpdate16(hc: number, m: number, m2: number): number {
  let s = (~hc & 0xffff) + (~m & 0xffff) + (m2 & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** RFC 1624 update for a 32-bit field (an IPv4 address) that changed from a to b. */
export function csumUpdate32(hc: number, a: number, b: number): number {
  return csumUpdate16(csumUpdate16(hc, a >>> 16, b >>> 16), a & 0xffff, b & 0xffff);
}

export function rd16(u8: Uint8Array, o: number): number {
  return (u8[o]! << 8) | u8[o + 1]!;
}

export function wr16(u8: Uint8Array, o: number, v: number): void {
  u8[o] = v >>> 8;
  u8[o + 1] = v;
}

export function rd32(u8: Uint8Array, o: number): number {
  return ((u8[o]! << 24) | (u8[o + 1]! << 16) | (u8[o + 2]! << 8) | u8[o + 3]!) >>> 0;
}

export function wr32(u8: Uint8Array, o: number, v: number): void {
  u8[o] = v >>> 24;
  u8[o + 1] = v >>> 16;
  u8[o + 2] = v >>> 8;
  u8[o + 3] = v;
}

/** MAC "02:00:00:00:00:01" -> 6 bytes. */
export function parseMac(s: string): Uint8Array {
  const p = s.split(':');
  if (p.length !== 6 || p.some((x) => !/^[0-9a-f]{2}$/i.test(x))) throw new RangeError(`${JSON.stringify(s)} is not a MAC address such as 02:00:00:00:00:01`);
  return Uint8Array.from(p.map((x) => parseInt(x, 16)));
}

export function formatMac(u8: Uint8Array, o = 0): string {
  return Array.from(u8.subarray(o, o + 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * Where the L3 header of a frame starts, past up to two VLAN tags: returns the ethertype in the
 * low 16 bits and the L3 offset (from the frame start) above them, or -1 if the frame is too short.
 */
export function l3Of(u8: Uint8Array, o: number, len: number): number {
  let off = 12;
  if (len < ETH_HLEN) return -1;
  let et = rd16(u8, o + off);
  for (let k = 0; k < 2 && (et === ETHERTYPE_VLAN || et === ETHERTYPE_QINQ); k++) {
    off += 4;
    if (len < off + 2) return -1;
    et = rd16(u8, o + off);
  }
  return ((off + 2) << 16) | et;
}

/** IPv4 header length in bytes if the header at u8[ip..] (len bytes available) is valid
 *  (version 4, IHL >= 5, total length within len and >= IHL) per RFC 1812 §5.2.2, else 0. */
export function ipv4HeaderLen(u8: Uint8Array, ip: number, avail: number): number {
  if (avail < 20) return 0;
  const vi = u8[ip]!;
  if (vi >> 4 !== 4) return 0;
  const ihl = (vi & 15) * 4;
  if (ihl < 20 || ihl > avail) return 0;
  const tot = rd16(u8, ip + 2);
  if (tot < ihl || tot > avail) return 0;
  return ihl;
}

/** Pseudo-header sum for TCP/UDP over IPv4 (RFC 768, RFC 9293 §3.1), unfolded. */
export function pseudo4(u8: Uint8Array, ip: number, proto: number, l4len: number): number {
  return sum16(u8, ip + 12, 8) + proto + l4len;
}

/** Pseudo-header sum for IPv6 upper layers (RFC 8200 §8.1), unfolded. */
export function pseudo6(u8: Uint8Array, ip6: number, next: number, l4len: number): number {
  return sum16(u8, ip6 + 8, 32) + Math.floor(l4len / 65536) + (l4len & 0xffff) + next;
}
