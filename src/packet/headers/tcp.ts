// TCP (RFC 9293 §3.1): ports, seq, ack, data offset(4)/flags(12), window, checksum, urgent
// pointer, options (kind 0 EOL, 1 NOP, else kind/length/data: MSS 2, WS 3, SACK-permitted 4,
// SACK 5, timestamps 8).
import { type Frame, get8, get16, get32, set16, set32 } from '../frame.js';

export const MIN_HLEN = 20;
export const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20, ECE = 0x40, CWR = 0x80;
export const OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WSCALE = 3, OPT_SACK_OK = 4, OPT_SACK = 5, OPT_TS = 8;

export const srcPort = (f: Frame, off: number): number => get16(f, off);
export const dstPort = (f: Frame, off: number): number => get16(f, off + 2);
export const seq = (f: Frame, off: number): number => get32(f, off + 4);
export const ack = (f: Frame, off: number): number => get32(f, off + 8);
/** Header length in bytes (data offset * 4). */
export const headerLength = (f: Frame, off: number): number => { const b = get8(f, off + 12); return b < 0 ? -1 : (b >>> 4) << 2; };
/** The 8 classic flag bits (CWR..FIN); the AE/NS bit is bit 0 of byte 12. */
export const flags = (f: Frame, off: number): number => get8(f, off + 13);
export const window = (f: Frame, off: number): number => get16(f, off + 14);
export const checksum = (f: Frame, off: number): number => get16(f, off + 16);
export const urgent = (f: Frame, off: number): number => get16(f, off + 18);
export const setSrcPort = (f: Frame, off: number, v: number): boolean => set16(f, off, v);
export const setDstPort = (f: Frame, off: number, v: number): boolean => set16(f, off + 2, v);
export const setSeq = (f: Frame, off: number, v: number): boolean => set32(f, off + 4, v);
export const setAck = (f: Frame, off: number, v: number): boolean => set32(f, off + 8, v);
export const setWindow = (f: Frame, off: number, v: number): boolean => set16(f, off + 14, v);
export const setChecksum = (f: Frame, off: number, v: number): boolean => set16(f, off + 16, v);

/**
 * Options walk: the offset of the option after `at` (at = -1: the first), or -1 at the end of
 * the header, at EOL, or on a malformed length (< 2 or past the header).
 */
export function nextOption(f: Frame, off: number, at: number): number {
  const hl = headerLength(f, off);
  if (hl <= MIN_HLEN || off + hl > f.end) return -1;
  const end = off + hl;
  const o = at < 0 ? off + MIN_HLEN : f.u8[at]! <= OPT_NOP ? at + 1 : at + f.u8[at + 1]!;
  if (o >= end) return -1;
  const k = f.u8[o]!;
  if (k === OPT_EOL) return -1;
  if (k === OPT_NOP) return o;
  if (o + 2 > end) return -1;
  const l = f.u8[o + 1]!;
  return l >= 2 && o + l <= end ? o : -1;
}
export const optionKind = (f: Frame, o: number): number => get8(f, o);
export const optionLength = (f: Frame, o: number): number => { const k = get8(f, o); return k < 0 ? -1 : k <= OPT_NOP ? 1 : get8(f, o + 1); };
/** Offset of the first option of this kind, or -1. */
export function findOption(f: Frame, off: number, kind: number): number {
  for (let o = nextOption(f, off, -1); o >= 0; o = nextOption(f, off, o)) if (f.u8[o] === kind) return o;
  return -1;
}
/** MSS option value, or -1 if absent. */
export function mss(f: Frame, off: number): number {
  const o = findOption(f, off, OPT_MSS);
  return o >= 0 && f.u8[o + 1] === 4 ? get16(f, o + 2) : -1;
}
/** Window scale shift, or -1 if absent. */
export function windowScale(f: Frame, off: number): number {
  const o = findOption(f, off, OPT_WSCALE);
  return o >= 0 && f.u8[o + 1] === 3 ? get8(f, o + 2) : -1;
}
/** Timestamp value (TSval), or -1 if absent. */
export function tsVal(f: Frame, off: number): number {
  const o = findOption(f, off, OPT_TS);
  return o >= 0 && f.u8[o + 1] === 10 ? get32(f, o + 2) : -1;
}
export function tsEcr(f: Frame, off: number): number {
  const o = findOption(f, off, OPT_TS);
  return o >= 0 && f.u8[o + 1] === 10 ? get32(f, o + 6) : -1;
}
