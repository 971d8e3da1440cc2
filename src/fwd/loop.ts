// The forwarding loop one worker runs for one queue (testpmd's io and macswap engines; ixy-fwd):
// both directions between two ports, rx burst -> (macswap) -> tx burst. Counters go to a shared
// Float64Array the main thread reads once a second: [forwarded, dropped, bursts] per queue.
import type { Port } from '../port/port.js';
import type { PoolView } from '../memory/pool.js';
import { META_DATA_OFF } from '../memory/layout.js';

export type FwdMode = 'io' | 'macswap';

export const CTR_FORWARDED = 0, CTR_DROPPED = 1, CTR_IDLE = 2, CTR_STRIDE = 4;

/** Swaps destination and source MAC of each packet, in place (6-byte fields at data offset 0 and 6). */
export function macswap(pool: PoolView, hs: Uint32Array, n: number): void {
  const dv = pool.dv, u16 = pool.u16, base = pool.bufBase, stride = pool.stride;
  for (let k = 0; k < n; k++) {
    const m = base + hs[k]! * stride;
    const o = m + u16[(m + META_DATA_OFF) >> 1]!;
    // 4+2 byte halves of each 6-byte address; byte order is irrelevant to a swap
    const d0 = dv.getUint32(o, true), d1 = dv.getUint16(o + 4, true);
    dv.setUint32(o, dv.getUint32(o + 6, true), true);
    dv.setUint16(o + 4, dv.getUint16(o + 10, true), true);
    dv.setUint32(o + 6, d0, true);
    dv.setUint16(o + 10, d1, true);
  }
}

export interface LoopArgs {
  a: Port;
  b: Port;
  q: number;
  mode: FwdMode;
  burst: number;
  /** Keep retrying a partial TX instead of dropping (lossless; testpmd drops by default). */
  retry: boolean;
  /** stop[0] != 0 ends the loop. */
  stop: Int32Array;
  /** Counters of this queue start at ctr[q * CTR_STRIDE]. */
  ctr: Float64Array;
  /** testpmd --tx-first: send this many 64-byte frames on each port before forwarding, so two
   *  ports wired to each other have traffic to forward (default 0). */
  txFirst?: number;
}

/** A 64-byte broadcast frame (ethertype 0x88b5, local experimental) into buffer h. */
function fillFrame(pool: PoolView, h: number, seq: number): void {
  pool.reset(h);
  const o = pool.dataOffset(h);
  const u8 = pool.u8;
  u8.fill(0xff, o, o + 6);
  u8.set([0x02, 0x52, 0x57, 0x00, 0x00, 0x01, 0x88, 0xb5], o + 6);
  for (let i = 14; i < 64; i++) u8[o + i] = (seq + i) & 0xff;
  pool.setDataLen(h, 64);
}

/** Sends n generated frames on queue q of `to`; returns how many were accepted. */
export function txFirst(to: Port, q: number, n: number): number {
  const hs = new Uint32Array(n);
  const got = to.pool.allocBurst(hs, n);
  for (let k = 0; k < got; k++) fillFrame(to.pool, hs[k]!, k);
  let sent = 0;
  for (let tries = 0; sent < got && tries < 1000; tries++) {
    const m = to.txBurst(q, hs.subarray(sent), got - sent);
    if (m === 0) to.waitTx(q, 1);
    sent += m;
  }
  if (sent < got) to.pool.freeBurst(hs, got - sent, sent);
  return sent;
}

export function forwardLoop(x: LoopArgs): void {
  const { a, b, q, burst, retry, stop, ctr } = x;
  const swap = x.mode === 'macswap';
  const hs = new Uint32Array(burst);
  const c = q * CTR_STRIDE;
  let empty = 0;
  if (x.txFirst) {
    txFirst(a, q, x.txFirst);
    txFirst(b, q, x.txFirst);
  }
  // one direction: rx on `from`, tx on `to`; returns packets received
  const step = (from: Port, to: Port): number => {
    const n = from.rxBurst(q, hs, burst);
    if (n === 0) return 0;
    if (swap) macswap(from.pool, hs, n);
    let sent = to.txBurst(q, hs, n);
    if (sent < n && retry) {
      // TX full: move the unsent rest to the front (no allocation) and retry until it goes
      hs.copyWithin(0, sent, n);
      let left = n - sent;
      while (left > 0 && Atomics.load(stop, 0) === 0) {
        const more = to.txBurst(q, hs, left);
        if (more === 0) to.waitTx(q, 1);
        else hs.copyWithin(0, more, left);
        left -= more;
      }
      sent = n - left;
      if (left > 0) {
        from.pool.freeBurst(hs, left);
        ctr[c + CTR_DROPPED] = ctr[c + CTR_DROPPED]! + left;
      }
    } else if (sent < n) {
      from.pool.freeBurst(hs, n - sent, sent);
      ctr[c + CTR_DROPPED] = ctr[c + CTR_DROPPED]! + (n - sent);
    }
    ctr[c + CTR_FORWARDED] = ctr[c + CTR_FORWARDED]! + sent;
    return n;
  };
  while (Atomics.load(stop, 0) === 0) {
    const moved = step(a, b) + step(b, a);
    if (moved === 0) {
      // bounded spin, then let the port sleep (ring ports: futex until traffic)
      if (++empty > 256) {
        a.waitRx(q, 2);
        empty = 0;
        ctr[c + CTR_IDLE] = ctr[c + CTR_IDLE]! + 1;
      }
    } else empty = 0;
  }
}
