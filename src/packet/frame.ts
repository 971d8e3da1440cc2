// A Frame is a window [start, end) on packet bytes: the pool's whole mapping (no subarray per
// packet) or any Uint8Array. Every accessor in src/packet checks its bytes against the window,
// so a malformed packet can never make us read or write outside the packet's data length. One
// Frame (or Parsed, which extends it) per worker, reused for every packet: attaching a pool
// buffer writes three numbers and allocates nothing.
import type { PoolView } from '../memory/pool.js';
import { META_DATA_LEN, META_DATA_OFF } from '../memory/layout.js';

export class Frame {
  /** The bytes (for a pool: the whole mapping; offsets are absolute in it). */
  u8: Uint8Array = EMPTY;
  dv: DataView = EMPTY_DV;
  /** First byte of the packet, and one past its last byte (offsets into u8/dv). */
  start = 0;
  end = 0;

  /** Points the window at pool buffer h (its data_off/data_len). Allocates nothing. */
  attach(pool: PoolView, h: number): this {
    if (this.u8 !== pool.u8) {
      this.u8 = pool.u8;
      this.dv = pool.dv;
    }
    const m = pool.bufBase + h * pool.stride;
    const u16 = pool.u16;
    this.start = m + u16[(m + META_DATA_OFF) >> 1]!;
    this.end = this.start + u16[(m + META_DATA_LEN) >> 1]!;
    return this;
  }

  /**
   * Points the window at bytes[off, off+len) (clamped to the array). A new array costs one
   * DataView, made only when the array changes (reuse one array per thread on a hot path).
   */
  wrap(bytes: Uint8Array, off = 0, len = bytes.length - off): this {
    if (this.u8 !== bytes) {
      this.u8 = bytes;
      this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    if (off < 0) off = 0;
    if (off > bytes.length) off = bytes.length;
    if (len < 0) len = 0;
    if (off + len > bytes.length) len = bytes.length - off;
    this.start = off;
    this.end = off + len;
    return this;
  }

  /** Packet length (end - start). */
  get length(): number {
    return this.end - this.start;
  }
}

const EMPTY = new Uint8Array(0);
const EMPTY_DV = new DataView(EMPTY.buffer);

// Bounds-checked loads and stores: a load outside the window returns -1 (never a valid field
// value, all fields are unsigned), a store outside it returns false and writes nothing.

/** u8 at off, or -1 outside the frame. */
export function get8(f: Frame, off: number): number {
  return off >= f.start && off < f.end ? f.u8[off]! : -1;
}
/** Big-endian u16 at off, or -1. */
export function get16(f: Frame, off: number): number {
  return off >= f.start && off + 2 <= f.end ? f.dv.getUint16(off) : -1;
}
/** Big-endian u32 at off, or -1. */
export function get32(f: Frame, off: number): number {
  return off >= f.start && off + 4 <= f.end ? f.dv.getUint32(off) : -1;
}
/** Big-endian 48-bit value at off (a MAC address as a number), or -1. */
export function get48(f: Frame, off: number): number {
  return off >= f.start && off + 6 <= f.end ? f.dv.getUint16(off) * 0x100000000 + f.dv.getUint32(off + 2) : -1;
}
export function set8(f: Frame, off: number, v: number): boolean {
  if (off < f.start || off >= f.end) return false;
  f.u8[off] = v;
  return true;
}
export function set16(f: Frame, off: number, v: number): boolean {
  if (off < f.start || off + 2 > f.end) return false;
  f.dv.setUint16(off, v);
  return true;
}
export function set32(f: Frame, off: number, v: number): boolean {
  if (off < f.start || off + 4 > f.end) return false;
  f.dv.setUint32(off, v >>> 0);
  return true;
}
export function set48(f: Frame, off: number, v: number): boolean {
  if (off < f.start || off + 6 > f.end) return false;
  f.dv.setUint16(off, Math.floor(v / 0x100000000) & 0xffff);
  f.dv.setUint32(off + 2, v >>> 0);
  return true;
}
/** True if [off, off+n) lies inside the frame. */
export function fits(f: Frame, off: number, n: number): boolean {
  return off >= f.start && n >= 0 && off + n <= f.end;
}
/** Copies n bytes at off into out[outOff..]; false (nothing copied) if either side is too short. */
export function copyOut(f: Frame, off: number, n: number, out: Uint8Array, outOff = 0): boolean {
  if (!fits(f, off, n) || outOff < 0 || outOff + n > out.length) return false;
  for (let k = 0; k < n; k++) out[outOff + k] = f.u8[off + k]!;
  return true;
}
/** Copies n bytes from src[srcOff..] into the frame at off; false if it does not fit. */
export function copyIn(f: Frame, off: number, src: Uint8Array, srcOff = 0, n = src.length - srcOff): boolean {
  if (!fits(f, off, n) || srcOff < 0 || srcOff + n > src.length) return false;
  for (let k = 0; k < n; k++) f.u8[off + k] = src[srcOff + k]!;
  return true;
}
