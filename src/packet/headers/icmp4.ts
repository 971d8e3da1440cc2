// ICMPv4 (RFC 792): type(1) code(1) checksum(2) rest(4); echo request/reply carry id(2) seq(2).
import { type Frame, get8, get16, set8, set16 } from '../frame.js';
import { finish, sum } from '../checksum.js';

export const HLEN = 8;
export const ECHO_REPLY = 0, DEST_UNREACH = 3, ECHO_REQUEST = 8, TIME_EXCEEDED = 11;
export const type = (f: Frame, off: number): number => get8(f, off);
export const code = (f: Frame, off: number): number => get8(f, off + 1);
export const checksum = (f: Frame, off: number): number => get16(f, off + 2);
export const id = (f: Frame, off: number): number => get16(f, off + 4);
export const seq = (f: Frame, off: number): number => get16(f, off + 6);
export const setType = (f: Frame, off: number, v: number): boolean => set8(f, off, v);
export const setCode = (f: Frame, off: number, v: number): boolean => set8(f, off + 1, v);
export const setChecksum = (f: Frame, off: number, v: number): boolean => set16(f, off + 2, v);

/** The checksum over the len-byte ICMP message at off (its checksum field taken as 0), or -1. */
export function computeChecksum(f: Frame, off: number, len: number): number {
  const old = get16(f, off + 2);
  if (old < 0 || len < 4) return -1;
  const s = sum(f, off, len, ~old & 0xffff);
  return s < 0 ? -1 : finish(s);
}
