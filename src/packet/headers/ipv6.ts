// IPv6 header (RFC 8200 §3): ver(4) traffic class(8) flow label(20), payload length, next header,
// hop limit, src(16), dst(16); extension headers (§4): hop-by-hop options (0), routing (43),
// fragment (44), destination options (60). Getters return -1 outside the frame.
import { type Frame, get8, get16, get32, set8, set16, fits } from '../frame.js';
import { IP_DSTOPTS, IP_FRAGMENT, IP_HOPOPTS, IP_ROUTING } from '../constants.js';

export const HLEN = 40;
export const version = (f: Frame, off: number): number => { const b = get8(f, off); return b < 0 ? -1 : b >>> 4; };
export const trafficClass = (f: Frame, off: number): number => { const w = get32(f, off); return w < 0 ? -1 : (w >>> 20) & 0xff; };
export const flowLabel = (f: Frame, off: number): number => { const w = get32(f, off); return w < 0 ? -1 : w & 0xfffff; };
export const payloadLength = (f: Frame, off: number): number => get16(f, off + 4);
export const nextHeader = (f: Frame, off: number): number => get8(f, off + 6);
export const hopLimit = (f: Frame, off: number): number => get8(f, off + 7);
/** 32-bit word i (0..3) of the source address. */
export const srcWord = (f: Frame, off: number, i: number): number => get32(f, off + 8 + 4 * i);
export const dstWord = (f: Frame, off: number, i: number): number => get32(f, off + 24 + 4 * i);
export const setPayloadLength = (f: Frame, off: number, v: number): boolean => set16(f, off + 4, v);
export const setNextHeader = (f: Frame, off: number, v: number): boolean => set8(f, off + 6, v);
export const setHopLimit = (f: Frame, off: number, v: number): boolean => set8(f, off + 7, v);

/** Decrements the hop limit (no header checksum in IPv6). Returns the new value, -1 if 0 or absent. */
export function decrementHopLimit(f: Frame, off: number): number {
  const h = get8(f, off + 7);
  if (h <= 0) return -1;
  f.u8[off + 7] = h - 1;
  return h - 1;
}

/** Copies the 16-byte source address into out[at..]; false if out of bounds. */
export function copySrc(f: Frame, off: number, out: Uint8Array, at = 0): boolean {
  if (!fits(f, off + 8, 16) || at < 0 || at + 16 > out.length) return false;
  for (let k = 0; k < 16; k++) out[at + k] = f.u8[off + 8 + k]!;
  return true;
}
export function copyDst(f: Frame, off: number, out: Uint8Array, at = 0): boolean {
  if (!fits(f, off + 24, 16) || at < 0 || at + 16 > out.length) return false;
  for (let k = 0; k < 16; k++) out[at + k] = f.u8[off + 24 + k]!;
  return true;
}

/** True if `nh` is an extension header parse() walks (hop-by-hop, routing, fragment, dest-options). */
export const isExtension = (nh: number): boolean =>
  nh === IP_HOPOPTS || nh === IP_ROUTING || nh === IP_FRAGMENT || nh === IP_DSTOPTS;

// Extension headers, `off` = the extension header's first byte.
/** Next Header field of an extension header. */
export const extNext = (f: Frame, off: number): number => get8(f, off);
/** Length in bytes of the extension header of type `type` at off (fragment: 8; others: (len+1)*8). */
export function extLength(f: Frame, off: number, type: number): number {
  if (type === IP_FRAGMENT) return fits(f, off, 8) ? 8 : -1;
  const l = get8(f, off + 1);
  return l < 0 ? -1 : (l + 1) << 3;
}
// Fragment header (§4.5): next(1) reserved(1) offset(13)/res(2)/M(1) identification(4).
/** Fragment offset in bytes. */
export const fragOffset = (f: Frame, off: number): number => { const w = get16(f, off + 2); return w < 0 ? -1 : w & 0xfff8; };
export const fragMore = (f: Frame, off: number): number => { const w = get16(f, off + 2); return w < 0 ? -1 : w & 1; };
export const fragId = (f: Frame, off: number): number => get32(f, off + 4);
// Routing header (§4.4): next(1) len(1) routing type(1) segments left(1) data.
export const routingType = (f: Frame, off: number): number => get8(f, off + 2);
export const segmentsLeft = (f: Frame, off: number): number => get8(f, off + 3);

/**
 * Offset of the final destination address for the upper-layer pseudo-header (RFC 8200 §8.1):
 * with a routing header rh (Parsed.routingHeader) whose segments left > 0, the last address of a
 * type 0 header (RFC 2460), the home address of type 2 (RFC 6275 §6.4), segment list[0] of a
 * type 4 SRH (RFC 8754 §2); else the header's destination (ip + 24). -1 if out of bounds.
 */
export function finalDestination(f: Frame, ip: number, rh: number): number {
  if (rh < 0 || segmentsLeft(f, rh) <= 0) return ip + 24;
  const t = routingType(f, rh), len = extLength(f, rh, IP_ROUTING);
  if (len < 0 || !fits(f, rh, len)) return -1;
  if (t === 0 && len >= 24) return rh + 8 + 16 * (((len - 8) >> 4) - 1);
  if ((t === 2 || t === 4) && len >= 24) return rh + 8;
  return ip + 24;
}

/**
 * Options walk inside a hop-by-hop or destination-options header at off (§4.2: TLVs, Pad1 = 0 is
 * one byte). Returns the offset of the option after `at` (at = -1: the first), or -1 at the end
 * or on a malformed length.
 */
export function nextOption(f: Frame, off: number, at: number): number {
  const hl = extLength(f, off, IP_HOPOPTS);
  if (hl < 0 || !fits(f, off, hl)) return -1;
  const end = off + hl;
  let o: number;
  if (at < 0) o = off + 2;
  else o = f.u8[at] === 0 ? at + 1 : at + 2 + f.u8[at + 1]!;
  if (o >= end) return -1;
  if (f.u8[o] === 0) return o;
  return o + 2 <= end && o + 2 + f.u8[o + 1]! <= end ? o : -1;
}

/** An address from 16 bytes at off as RFC 5952 text (allocates: tests and logs only). */
export function format(f: Frame, off: number): string {
  if (!fits(f, off, 16)) return '';
  const w: number[] = [];
  for (let k = 0; k < 8; k++) w.push(f.dv.getUint16(off + 2 * k));
  return formatWords(w);
}
export function formatWords(w: number[]): string {
  // the longest run (>= 2) of zero words becomes "::" (RFC 5952 §4.2)
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = w.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
/** Parses textual IPv6 (with "::") into 16 bytes. */
export function parseAddr(s: string): Uint8Array {
  const out = new Uint8Array(16);
  const [head, tail, extra] = s.split('::');
  if (extra !== undefined) throw new TypeError(`not an IPv6 address: '${s}'`);
  const hs = head ? head.split(':') : [], ts = tail ? tail.split(':') : [];
  if (tail === undefined && hs.length !== 8) throw new TypeError(`not an IPv6 address: '${s}' (8 groups or '::')`);
  if (hs.length + ts.length > 8) throw new TypeError(`not an IPv6 address: '${s}'`);
  const put = (g: string, i: number) => {
    const v = parseInt(g, 16);
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new TypeError(`not an IPv6 address: '${s}' (group '${g}')`);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  };
  hs.forEach((g, i) => put(g, i));
  ts.forEach((g, i) => put(g, 8 - ts.length + i));
  return out;
}
