// What the network-function apps still read and write through their own helpers rather than
// src/packet's. Constants, the Internet checksum and the RFC 1624 updates come from src/packet
// (constants.ts, checksum.ts) already. The rest could move: src/packet's accessors go through a
// Frame window and check every field against it (a load outside returns -1) where these read the
// pool's bytes after one length check per frame, but a scratch A/B of the router's fast-path
// reads and writes measured the Frame accessors no slower (docs/apps.md, "hdr.ts"); converting
// the router's and the NAT's call sites, with router-l3fwd measured before and after, is the
// remaining step. Every reader here takes the packet's bytes (the pool view's u8), an offset and,
// where it must check, the bytes available, so a short or malformed frame is a drop with a
// reason, never an out-of-bounds read.

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

/** MAC "02:00:00:00:00:01" -> 6 bytes (the router keeps MACs as bytes to copy them into frames;
 *  src/packet's parseMac gives a 48-bit number, for its builders). */
export function parseMac(s: string): Uint8Array {
  const p = s.split(':');
  if (p.length !== 6 || p.some((x) => !/^[0-9a-f]{2}$/i.test(x))) throw new RangeError(`${JSON.stringify(s)} is not a MAC address such as 02:00:00:00:00:01`);
  return Uint8Array.from(p.map((x) => parseInt(x, 16)));
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

/** Pseudo-header sum for IPv6 upper layers (RFC 8200 §8.1), unfolded: the `initial` of
 *  src/packet's rawSum (its ipv6PseudoSum takes a Frame). */
export function pseudo6(u8: Uint8Array, ip6: number, next: number, l4len: number): number {
  let s = 0;
  for (let i = ip6 + 8; i < ip6 + 40; i += 2) s += (u8[i]! << 8) | u8[i + 1]!;
  return s + Math.floor(l4len / 65536) + (l4len & 0xffff) + next;
}
