// IPv4 header (RFC 791 §3.1): ver/IHL, TOS (DSCP/ECN, RFC 2474/3168), total length, id,
// flags/fragment offset, TTL, protocol, header checksum, src, dst, options (IHL > 5).
// Getters return -1 outside the frame; setters return false and write nothing.
import { type Frame, get8, get16, get32, set8, set16, set32 } from '../frame.js';
import { incremental16, incremental32 } from '../checksum.js';

export const MIN_HLEN = 20;
export const FLAG_DF = 0x4000, FLAG_MF = 0x2000;
export const OPT_EOL = 0, OPT_NOP = 1, OPT_RR = 7, OPT_TS = 68, OPT_RA = 148;

export const version = (f: Frame, off: number): number => { const b = get8(f, off); return b < 0 ? -1 : b >>> 4; };
/** Header length in bytes (IHL * 4). */
export const headerLength = (f: Frame, off: number): number => { const b = get8(f, off); return b < 0 ? -1 : (b & 0x0f) << 2; };
export const tos = (f: Frame, off: number): number => get8(f, off + 1);
export const dscp = (f: Frame, off: number): number => { const b = get8(f, off + 1); return b < 0 ? -1 : b >>> 2; };
export const ecn = (f: Frame, off: number): number => { const b = get8(f, off + 1); return b < 0 ? -1 : b & 3; };
export const totalLength = (f: Frame, off: number): number => get16(f, off + 2);
export const id = (f: Frame, off: number): number => get16(f, off + 4);
/** The 16-bit flags + fragment offset word. */
export const fragWord = (f: Frame, off: number): number => get16(f, off + 6);
export const df = (f: Frame, off: number): number => { const w = get16(f, off + 6); return w < 0 ? -1 : (w >>> 14) & 1; };
export const mf = (f: Frame, off: number): number => { const w = get16(f, off + 6); return w < 0 ? -1 : (w >>> 13) & 1; };
/** Fragment offset in bytes (the field is in 8-byte units). */
export const fragOffset = (f: Frame, off: number): number => { const w = get16(f, off + 6); return w < 0 ? -1 : (w & 0x1fff) << 3; };
export const ttl = (f: Frame, off: number): number => get8(f, off + 8);
export const protocol = (f: Frame, off: number): number => get8(f, off + 9);
export const checksum = (f: Frame, off: number): number => get16(f, off + 10);
export const src = (f: Frame, off: number): number => get32(f, off + 12);
export const dst = (f: Frame, off: number): number => get32(f, off + 16);

export const setTos = (f: Frame, off: number, v: number): boolean => set8(f, off + 1, v);
export const setTotalLength = (f: Frame, off: number, v: number): boolean => set16(f, off + 2, v);
export const setId = (f: Frame, off: number, v: number): boolean => set16(f, off + 4, v);
export const setFragWord = (f: Frame, off: number, v: number): boolean => set16(f, off + 6, v);
export const setTtl = (f: Frame, off: number, v: number): boolean => set8(f, off + 8, v);
export const setProtocol = (f: Frame, off: number, v: number): boolean => set8(f, off + 9, v);
export const setChecksum = (f: Frame, off: number, v: number): boolean => set16(f, off + 10, v);
export const setSrc = (f: Frame, off: number, v: number): boolean => set32(f, off + 12, v);
export const setDst = (f: Frame, off: number, v: number): boolean => set32(f, off + 16, v);

/**
 * Decrements the TTL and patches the header checksum incrementally (RFC 1624 eqn. 3 on the
 * TTL/protocol word). Returns the new TTL, or -1 if the header is not inside the frame or the TTL
 * is already 0 (nothing written: the caller drops the packet and may send ICMP time exceeded).
 */
export function decrementTtl(f: Frame, off: number): number {
  if (off < f.start || off + MIN_HLEN > f.end) return -1;
  const dv = f.dv;
  const old = dv.getUint16(off + 8);
  if (old < 0x100) return -1;
  const nw = old - 0x100;
  dv.setUint16(off + 8, nw);
  dv.setUint16(off + 10, incremental16(dv.getUint16(off + 10), old, nw));
  return nw >>> 8;
}

/** Sets the source address and patches the header checksum (RFC 1624); L4 checksums are the caller's. */
export function updateSrc(f: Frame, off: number, v: number): boolean {
  const old = get32(f, off + 12);
  if (old < 0 || off + MIN_HLEN > f.end) return false;
  f.dv.setUint32(off + 12, v >>> 0);
  f.dv.setUint16(off + 10, incremental32(f.dv.getUint16(off + 10), old, v >>> 0));
  return true;
}
/** Sets the destination address and patches the header checksum (RFC 1624). */
export function updateDst(f: Frame, off: number, v: number): boolean {
  const old = get32(f, off + 16);
  if (old < 0) return false;
  f.dv.setUint32(off + 16, v >>> 0);
  f.dv.setUint16(off + 10, incremental32(f.dv.getUint16(off + 10), old, v >>> 0));
  return true;
}

/**
 * Options walk (RFC 791 §3.1 "Options"): returns the offset of the option after the one at `at`
 * (pass at = -1 for the first), or -1 at the end of the options, at End of Option List, or when
 * an option's length is malformed (< 2 or past the header). The option's type is get8(f, o) and
 * its length optionLength(f, o).
 */
export function nextOption(f: Frame, off: number, at: number): number {
  const hl = headerLength(f, off);
  if (hl <= MIN_HLEN || off + hl > f.end) return -1;
  const end = off + hl;
  let o: number;
  if (at < 0) o = off + MIN_HLEN;
  else {
    const l = optionLength(f, at);
    if (l <= 0) return -1;
    o = at + l;
  }
  if (o >= end) return -1;
  const t = f.u8[o]!;
  if (t === OPT_EOL) return -1;
  if (t === OPT_NOP) return o;
  if (o + 2 > end) return -1;
  const l = f.u8[o + 1]!;
  return l >= 2 && o + l <= end ? o : -1;
}

/** Length of the option at o (1 for NOP/EOL), or -1 outside the frame. */
export function optionLength(f: Frame, o: number): number {
  const t = get8(f, o);
  if (t < 0) return -1;
  if (t === OPT_EOL || t === OPT_NOP) return 1;
  return get8(f, o + 1);
}

/** Offset of the first option of type `kind`, or -1. */
export function findOption(f: Frame, off: number, kind: number): number {
  for (let o = nextOption(f, off, -1); o >= 0; o = nextOption(f, off, o)) if (f.u8[o] === kind) return o;
  return -1;
}

/** An address as a dotted quad (formatting: allocates, not for the hot path). */
export const format = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
/** Parses a dotted quad into a u32. */
export function parseAddr(s: string): number {
  const p = s.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new TypeError(`not an IPv4 address: '${s}' (use a dotted quad such as 192.0.2.1)`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}
