// MacSwap (testpmd's macswap engine): swaps destination and source MAC of every packet in place
// and forwards the burst. A pass-through app: the engine hands the burst on without copying it.
import { App } from '../pipeline/app.js';
import { META_DATA_OFF } from '../memory/layout.js';

export class MacSwap extends App {
  override push(_input: number, hs: Uint32Array, n: number): void {
    const p = this.pool, u16 = p.u16, u32 = p.u32, dv = p.dv, base = p.bufBase, stride = p.stride;
    for (let k = 0; k < n; k++) {
      const m = base + hs[k]! * stride;
      const o = m + u16[(m + META_DATA_OFF) >> 1]!;
      if ((o & 3) === 0) {
        // 4-aligned (the usual case: data starts at 64 + headroom): the 12 address bytes are three
        // little-endian words d0 d1 | d2 s0 | s1 s2 (two bytes each); swapping dst and src is
        // three loads, shifts and three stores, with no DataView bounds checks.
        const w = o >> 2, w0 = u32[w]!, w1 = u32[w + 1]!, w2 = u32[w + 2]!;
        u32[w] = (w1 >>> 16) | (w2 << 16);
        u32[w + 1] = (w2 >>> 16) | (w0 << 16);
        u32[w + 2] = (w0 >>> 16) | (w1 << 16);
      } else {
        const d0 = dv.getUint32(o, true), d1 = dv.getUint16(o + 4, true);
        dv.setUint32(o, dv.getUint32(o + 6, true), true);
        dv.setUint16(o + 4, dv.getUint16(o + 10, true), true);
        dv.setUint32(o + 6, d0, true);
        dv.setUint16(o + 10, d1, true);
      }
    }
    this.out[0]!.send(hs, n);
  }
}
