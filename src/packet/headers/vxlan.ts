// VXLAN (RFC 7348 §5): flags(1, I = 0x08: VNI valid) reserved(3) VNI(3) reserved(1); the inner
// Ethernet frame follows at off + 8. Carried in UDP, destination port 4789.
import { type Frame, get8, get32, set8, set32 } from '../frame.js';

export const HLEN = 8;
export const FLAG_I = 0x08;
export const flags = (f: Frame, off: number): number => get8(f, off);
export const vni = (f: Frame, off: number): number => { const w = get32(f, off + 4); return w < 0 ? -1 : w >>> 8; };
export function setVni(f: Frame, off: number, v: number): boolean {
  const w = get32(f, off + 4);
  return w >= 0 && set8(f, off, get8(f, off) | FLAG_I) && set32(f, off + 4, ((v & 0xffffff) << 8) | (w & 0xff));
}
/** Offset of the inner Ethernet header. */
export const inner = (off: number): number => off + 8;
