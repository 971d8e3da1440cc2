// MacSwap (testpmd's macswap engine): swaps destination and source MAC of every packet in place
// and forwards the burst. A pass-through app: the engine hands the burst on without copying it.
import { App } from '../pipeline/app.js';
import { META_DATA_OFF } from '../memory/layout.js';

// The data offset's word in the metadata (the layout keeps it in the low half of an aligned word).
const OFF_W = META_DATA_OFF >> 2;
if (META_DATA_OFF % 4 !== 0) throw new Error('MacSwap: metadata layout changed');

export class MacSwap extends App {
  override push(_input: number, hs: Uint32Array, n: number): void {
    const p = this.pool, u32 = p.b32, sw = (p.stride >> 2) | 0, offW = OFF_W;
    let odd = 0;
    // Why the loop reads like this (measured, docs/benchmarks.md): module constants copied into
    // locals (an imported binding is re-checked on every use), Math.imul and |0 keep the offsets
    // int32 (no overflow checks), one typed array for metadata and data that starts at the first
    // buffer (no base register), a loop that counts down to 0 (no reload of n), and the rare
    // unaligned packet is left to a second pass, so the loop has no DataView call in it.
    // Handles on a link are buffers (the engine's contract, docs/pipelines.md): apps inside a
    // worker trust each other as DPDK's lcore code does; what leaves the worker is checked
    // (txBurst and freeBurst refuse a handle that is no buffer, docs/reliability.md).
    for (let k = n - 1; k >= 0; k--) {
      const m = Math.imul(hs[k]!, sw); // buffer h's first word in b32
      const d = u32[m + offW]! & 0xffff; // its data offset, bytes from the buffer's start
      if ((d & 3) !== 0) {
        odd = 1;
        continue;
      }
      // The 12 address bytes are three little-endian words d0 d1 | d2 s0 | s1 s2 (two bytes
      // each): swapping dst and src is three loads, shifts and three stores.
      const w = (m + (d >> 2)) | 0, w0 = u32[w]!, w1 = u32[w + 1]!, w2 = u32[w + 2]!;
      u32[w] = (w1 >>> 16) | (w2 << 16);
      u32[w + 1] = (w2 >>> 16) | (w0 << 16);
      u32[w + 2] = (w0 >>> 16) | (w1 << 16);
    }
    if (odd !== 0) this.unaligned(hs, n);
    this.out[0]!.send(hs, n);
  }

  /** The packets of hs[0..n) whose data does not start 4-aligned (a prepend, an odd headroom). */
  private unaligned(hs: Uint32Array, n: number): void {
    const p = this.pool, dv = p.dv;
    for (let k = 0; k < n; k++) {
      const o = p.dataOffset(hs[k]!);
      if ((o & 3) === 0) continue;
      const d0 = dv.getUint32(o, true), d1 = dv.getUint16(o + 4, true);
      dv.setUint32(o, dv.getUint32(o + 6, true), true);
      dv.setUint16(o + 4, dv.getUint16(o + 10, true), true);
      dv.setUint32(o + 6, d0, true);
      dv.setUint16(o + 10, d1, true);
    }
  }
}
