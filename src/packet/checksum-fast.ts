// The common case of "recompute the IPv4 and UDP/TCP checksums of this packet" without the
// parser: Ethernet with at most one 802.1Q tag, IPv4 without options, not a fragment, UDP or TCP
// whose lengths agree. That is what nearly every frame on a forwarding path is, and testpmd's
// csum engine reads exactly these fixed offsets too. Anything else is declined and the caller
// takes the general path (Parsed + checksum.ts), so there is one definition of what is valid.
//
// Why it is faster than parse + l4Checksum: no Parsed fields to reset and fill, no DataView
// (whose every call checks bounds and detachment), and one typed array for all header reads.
//
// Byte order: the pool's Uint16Array reads little-endian words, packets are big-endian. The
// ones'-complement sum does not care (RFC 1071 §2(B): byte-swapping every word swaps the sum),
// so everything is summed as it is read and a checksum computed that way is stored back through
// the same view, which puts its bytes in network order. Only fields compared or used as lengths
// (EtherType, total length, UDP length) are swapped.
//
// Safety: every read is inside the packet's [data_off, data_off + data_len) once the lengths are
// checked, and nothing is written before every check has passed, so a frame the general path
// would call malformed is left as it was (declined: the general path then counts it). A handle
// that is no buffer of the pool is declined too (one load in the pool's ok table).
import type { PoolView } from '../memory/pool.js';
import { META_DATA_LEN, META_DATA_OFF } from '../memory/layout.js';

// u16 word indices of the metadata fields (the layout keeps them 2-aligned: checked below).
const OFF_W = META_DATA_OFF >> 1, LEN_W = META_DATA_LEN >> 1;
if (META_DATA_OFF % 2 !== 0 || META_DATA_LEN % 2 !== 0) throw new Error('checksum-fast: metadata layout changed');

/** Swaps the bytes of a 16-bit value. */
function swap16(x: number): number {
  return ((x & 0xff) << 8) | (x >>> 8);
}

/**
 * Recomputes, in place, the IPv4 header checksum and the UDP or TCP checksum of every buffer of
 * hs[0..n) that has the plain shape described above. The others are left as they were (nothing
 * written) and their handles are listed in rest[0..m), in order; returns m (the caller parses
 * those). A whole burst per call, so the pool's arrays are loaded once, not per packet. Only
 * hs[0..min(n, hs.length, rest.length)) is looked at: give rest room for n (the caller's burst).
 * Never throws, allocates nothing.
 */
export function recomputeIpv4Checksums(pool: PoolView, hs: Uint32Array, n: number, rest: Uint32Array): number {
  const u16 = pool.u16, u8 = pool.u8, ok = pool.ok, base = pool.bufBase | 0, stride = pool.stride | 0;
  if (n > hs.length) n = hs.length;
  if (n > rest.length) n = rest.length;
  let m = 0;
  for (let k = 0; k < n; k++) {
    const h = hs[k]!;
    if (ok[h] !== 1 || plain(u16, u8, (base + Math.imul(h, stride)) >> 1) === 0) rest[m++] = h;
  }
  return m;
}

/** One buffer whose metadata starts at u16 word mw: 1 = recomputed, 0 = not plain (untouched). */
function plain(u16: Uint16Array, u8: Uint8Array, mw: number): number {
  const off = u16[mw + OFF_W]!, len = u16[mw + LEN_W]!;
  if ((off & 1) !== 0 || len < 14 + 20 + 8) return 0;
  const w = mw + (off >> 1); // the frame's first word
  let et = u16[w + 6]!, l2 = 14;
  if (et === 0x0081) {
    // one 802.1Q tag (0x8100 read little-endian); a second tag or 802.1ad goes the general way
    et = u16[w + 8]!;
    l2 = 18;
  }
  if (et !== 0x0008) return 0; // IPv4 (0x0800)
  const ip = w + (l2 >> 1);
  const v0 = u16[ip]!;
  if ((v0 & 0xff) !== 0x45) return 0; // version 4, IHL 5: options go the general way
  const tl = swap16(u16[ip + 1]!);
  if (tl < 20 + 8 || l2 + tl > len) return 0;
  const w3 = u16[ip + 3]!, w4 = u16[ip + 4]!;
  if ((w3 & 0xff3f) !== 0) return 0; // MF or a fragment offset (0x3fff, byte-swapped)
  const proto = w4 >>> 8; // word 4 is TTL | protocol: protocol is its second byte
  const l4 = ip + 10, seg = tl - 20;
  let n: number, at: number;
  if (proto === 17) {
    n = swap16(u16[l4 + 2]!); // the UDP length, what the checksum covers
    if (n < 8 || n > seg) return 0;
    at = l4 + 3;
  } else if (proto === 6) {
    if (seg < 20) return 0;
    const doff = (u16[l4 + 6]! & 0xf0) >>> 2; // data offset: the high nibble of byte 12, in bytes
    if (doff < 20 || doff > seg) return 0;
    n = seg;
    at = l4 + 8;
  } else {
    return 0;
  }
  const src0 = u16[ip + 6]!, src1 = u16[ip + 7]!, dst0 = u16[ip + 8]!, dst1 = u16[ip + 9]!;
  // RFC 791: the header's ten words, the checksum field (word 5) taken as zero.
  let s = v0 + u16[ip + 1]! + u16[ip + 2]! + w3 + w4 + src0 + src1 + dst0 + dst1;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  const ipSum = ~s & 0xffff;
  // RFC 768 / 793: pseudo-header (addresses, protocol, length), then the segment with its own
  // checksum field taken as zero (summed, then cancelled by adding its complement).
  let a = src0 + src1 + dst0 + dst1 + (proto << 8) + swap16(n) + (~u16[at]! & 0xffff);
  const end = l4 + (n >> 1);
  for (let i = l4; i < end; i++) a += u16[i]!;
  if ((n & 1) !== 0) a += u8[end << 1]!; // the odd last byte, zero-padded: the word's low byte
  // a < 2^32 (at most 32767 words of 0xffff and the pseudo-header), so >>> is exact.
  a = (a & 0xffff) + (a >>> 16);
  a = (a & 0xffff) + (a >>> 16);
  const c = ~a & 0xffff;
  u16[ip + 5] = ipSum;
  u16[at] = c === 0 && proto === 17 ? 0xffff : c; // UDP sends a computed 0 as all ones (RFC 768)
  return 1;
}
