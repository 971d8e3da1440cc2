// Ethernet II header (IEEE 802.3 §3.1.1 as used by DIX framing): dst(6) src(6) type(2).
// Every getter returns -1 when the field is not inside the frame; setters return false.
import { type Frame, get16, get48, set16, set48, fits } from '../frame.js';

export const HLEN = 14;
/** Destination MAC as a 48-bit number (0x0200_0000_0001 = 02:00:00:00:00:01). */
export const dst = (f: Frame, off: number): number => get48(f, off);
export const src = (f: Frame, off: number): number => get48(f, off + 6);
export const type = (f: Frame, off: number): number => get16(f, off + 12);
export const setDst = (f: Frame, off: number, mac: number): boolean => set48(f, off, mac);
export const setSrc = (f: Frame, off: number, mac: number): boolean => set48(f, off + 6, mac);
export const setType = (f: Frame, off: number, t: number): boolean => set16(f, off + 12, t);

/** Swaps destination and source MAC in place (macswap); false if the header is not all there. */
export function swapMacs(f: Frame, off: number): boolean {
  if (!fits(f, off, 12)) return false;
  const dv = f.dv;
  const d0 = dv.getUint32(off), d1 = dv.getUint16(off + 4);
  dv.setUint32(off, dv.getUint32(off + 6));
  dv.setUint16(off + 4, dv.getUint16(off + 10));
  dv.setUint32(off + 6, d0);
  dv.setUint16(off + 10, d1);
  return true;
}

/** True for a group (multicast/broadcast) destination: the I/G bit. */
export const isMulticast = (f: Frame, off: number): boolean => off >= f.start && off < f.end && (f.u8[off]! & 1) === 1;
