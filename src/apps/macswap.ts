// MacSwap (testpmd's macswap engine): swaps destination and source MAC of every packet in place
// and forwards the burst. A pass-through app: the engine hands the burst on without copying it.
import { App } from '../pipeline/app.js';
import { META_DATA_OFF } from '../memory/layout.js';

export class MacSwap extends App {
  override push(_input: number, hs: Uint32Array, n: number): void {
    const p = this.pool, u16 = p.u16, dv = p.dv, base = p.bufBase, stride = p.stride;
    for (let k = 0; k < n; k++) {
      const m = base + hs[k]! * stride;
      const o = m + u16[(m + META_DATA_OFF) >> 1]!;
      if ((o & 1) === 0) {
        // Even offset (the usual case): six 16-bit words, no DataView bounds checks.
        const w = o >> 1;
        const d0 = u16[w]!, d1 = u16[w + 1]!, d2 = u16[w + 2]!;
        u16[w] = u16[w + 3]!;
        u16[w + 1] = u16[w + 4]!;
        u16[w + 2] = u16[w + 5]!;
        u16[w + 3] = d0;
        u16[w + 4] = d1;
        u16[w + 5] = d2;
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
