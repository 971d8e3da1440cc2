// Packet copies inside one pool. Buffer metadata has no reference count (DPDK's mbuf refcnt), so
// a packet that must be in two places at once (Tee, a flooding switch, a tap) is two buffers: the
// original and a copy. The copy takes the whole metadata block (data_off, data_len, port, queue,
// flags, hash) and the packet bytes at the same data offset, with Uint8Array.copyWithin: a
// memmove inside the pool's one mapping, so no view is made and nothing is allocated.
import type { PoolView } from '../memory/pool.js';
import { META_DATA_LEN, META_DATA_OFF, META_SIZE } from '../memory/layout.js';

/** Data offsets up to this are copied with the metadata in one call (headroom included). */
const COPY_GAP = 512;

/** Copies packet `src` into buffer `dst` (metadata and bytes). */
export function copyPacket(p: PoolView, src: number, dst: number): void {
  const s = p.bufBase + src * p.stride, d = p.bufBase + dst * p.stride, u16 = p.u16;
  const off = u16[(s + META_DATA_OFF) >> 1]!, len = u16[(s + META_DATA_LEN) >> 1]!;
  // A lying data_len must not copy into the next buffer: clamp to this buffer's stride.
  const end = off + len > p.stride ? p.stride : off + len;
  // One memmove of metadata, headroom and data: for the usual offset (64 + 128) the headroom bytes
  // cost less than a second builtin call (measured: bench/apps-cost tee).
  if (off <= COPY_GAP) p.u8.copyWithin(d, s, s + (end > META_SIZE ? end : META_SIZE));
  else {
    p.u8.copyWithin(d, s, s + META_SIZE);
    if (end > off) p.u8.copyWithin(d + off, s + off, s + end);
  }
}

/**
 * Allocates copies of hs[0..n) into out[at .. at+got) and returns got (fewer than n when the pool
 * runs short: copies of the first got packets were made). Never throws.
 */
export function copyBurst(p: PoolView, hs: Uint32Array, n: number, out: Uint32Array, at = 0, src = 0): number {
  if (n <= 0) return 0;
  const got = at === 0 ? p.allocBurst(out, n) : allocAt(p, out, at, n);
  for (let k = 0; k < got; k++) copyPacket(p, hs[src + k]!, out[at + k]!);
  return got;
}

const one = new Uint32Array(1024);

/** allocBurst into out[at..): through a module scratch array (allocBurst writes from index 0). */
function allocAt(p: PoolView, out: Uint32Array, at: number, n: number): number {
  let got = 0;
  while (got < n) {
    const want = n - got > one.length ? one.length : n - got;
    const g = p.allocBurst(one, want);
    for (let k = 0; k < g; k++) out[at + got + k] = one[k]!;
    got += g;
    if (g < want) break;
  }
  return got;
}
