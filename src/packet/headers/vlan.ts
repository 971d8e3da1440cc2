// IEEE 802.1Q tag (TPID 0x8100) and the 802.1ad service tag (TPID 0x88a8, QinQ): 4 bytes, TPID
// then TCI = PCP(3) DEI(1) VID(12). `off` is the TPID's offset (12 for the outer tag of a frame).
import { type Frame, get16, set16 } from '../frame.js';

export const TAG_LEN = 4;
export const tpid = (f: Frame, off: number): number => get16(f, off);
export const tci = (f: Frame, off: number): number => get16(f, off + 2);
export const vid = (f: Frame, off: number): number => { const t = get16(f, off + 2); return t < 0 ? -1 : t & 0x0fff; };
export const pcp = (f: Frame, off: number): number => { const t = get16(f, off + 2); return t < 0 ? -1 : t >>> 13; };
export const dei = (f: Frame, off: number): number => { const t = get16(f, off + 2); return t < 0 ? -1 : (t >>> 12) & 1; };
/** The EtherType after this tag (the next TPID or the payload's type). */
export const innerType = (f: Frame, off: number): number => get16(f, off + 4);
export const setTci = (f: Frame, off: number, v: number): boolean => set16(f, off + 2, v);
export function setVid(f: Frame, off: number, v: number): boolean {
  const t = get16(f, off + 2);
  return t >= 0 && set16(f, off + 2, (t & 0xf000) | (v & 0x0fff));
}
/** TCI from its parts. */
export const makeTci = (vid: number, pcp = 0, dei = 0): number => ((pcp & 7) << 13) | ((dei & 1) << 12) | (vid & 0x0fff);
