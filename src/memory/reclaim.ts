// Crash recovery for a pool: return the buffers a dead thread held in its hands (its burst array,
// a half-done ring operation) once every user of the pool has stopped.
//
// Design (docs/reliability.md, "Crash and restart"): a worker killed by worker.terminate() stops
// at any JavaScript statement, so no bookkeeping it does itself can be trusted to be complete
// (journalling the burst array in shared memory still leaves a one-statement window between a
// ring's commit and the journal's, on every port kind). The pool, however, knows every buffer:
// each one is in the shared free ring, in some user's cache, or in someone's hands. When nobody
// is left (the dead thread's cache reclaimed, every other worker stopped and its cache flushed,
// every port closed, so rings and devices have given their buffers back), "in someone's hands"
// can only mean "lost by the dead thread": those are exactly the buffers pool.audit() reports
// missing, and this sweep returns them. Exact by construction, at the price of quiescence: the
// forwarder stops every queue when one dies anyway (a half-forwarding datapath is not a state
// to keep running in), then restarts on the same pool.
//
// The sweep also repairs the free ring's indices: a thread killed inside a multi-producer or
// multi-consumer call leaves prod_head != prod_tail (a reservation never published: its entries
// are still in its hands, so they are swept) or cons_head != cons_tail (entries copied out but
// never released: they are still in the ring, and its copies died with it). With every user
// gone, any such gap is a dead call's residue; closing it keeps the next MP/MC caller from
// waiting for a tail that will never move.
import { PoolView, type Pool } from './pool.js';
import * as L from './layout.js';
import * as R from '../ring/layout.js';
import { invalid } from '../errors.js';

const HUGE = 2 << 20;

export interface Reclaimed {
  /** Buffers that were in nobody's cache and no ring, now back in the pool. */
  returned: number;
  /** Dead-call residue closed in the free ring's indices (0, 1 or 2). */
  repaired: number;
}

/**
 * Returns every buffer of `pool` that is in no cache and not in the free ring. Every other user
 * of the pool must have stopped (dead ones reclaimed with pool.reclaimUser, live ones closed):
 * refused otherwise, since a live user's burst array would look exactly like a lost one.
 */
export function reclaimLost(pool: Pool): Reclaimed {
  const v = PoolView.attach(pool.id);
  try {
    const u32 = v.u32;
    const i32 = new Int32Array(v.buffer);
    const hdr = (o: number) => u32[o >> 2]!;
    const others: number[] = [];
    for (let s = 0; s < L.POOL_MAX_USERS; s++) {
      if (s !== v.slot && Atomics.load(i32, (L.POOL_USERS_OFF + s * L.POOL_USER_SIZE + L.POOL_U_STATE) >> 2) !== 0) others.push(s);
    }
    if (others.length) {
      throw invalid(`pool ${pool.id}: user slot(s) ${others.join(', ')} still claimed; reclaimLost needs every other user ` +
        `of the pool stopped (close its ports, or pool.reclaimUser(slot) for a dead thread) first`);
    }
    const ring = hdr(L.POOL_HDR_RING_OFF);
    const w = (o: number) => (ring + o) >> 2;
    let repaired = 0;
    const ct = Atomics.load(i32, w(R.RING_OFF_CONS_TAIL)), pt = Atomics.load(i32, w(R.RING_OFF_PROD_TAIL));
    if (Atomics.load(i32, w(R.RING_OFF_CONS_HEAD)) !== ct) { Atomics.store(i32, w(R.RING_OFF_CONS_HEAD), ct); repaired++; }
    if (Atomics.load(i32, w(R.RING_OFF_PROD_HEAD)) !== pt) { Atomics.store(i32, w(R.RING_OFF_PROD_HEAD), pt); repaired++; }
    const nSlots = hdr(L.POOL_HDR_N_SLOTS), bufBase = hdr(L.POOL_HDR_BUF_BASE), stride = hdr(L.POOL_HDR_STRIDE);
    const seen = new Uint8Array(nSlots);
    const mask = hdr(ring + R.RING_OFF_MASK);
    const slots = (ring + R.RING_OFF_SLOTS) >> 2;
    for (let i = ct; i !== pt; i = (i + 1) | 0) {
      const h = u32[slots + (i & mask)]!;
      if (h < nSlots) seen[h] = 1;
    }
    for (let s = 0; s < L.POOL_MAX_USERS; s++) {
      const u = L.POOL_USERS_OFF + s * L.POOL_USER_SIZE;
      const len = Math.min(u32[(u + L.POOL_U_CACHE_LEN) >> 2]!, L.POOL_CACHE_MAX);
      for (let k = 0; k < len; k++) {
        const h = u32[((u + L.POOL_U_CACHE) >> 2) + k]!;
        if (h < nSlots) seen[h] = 1;
      }
    }
    const lost: number[] = [];
    for (let h = 0; h < nSlots; h++) {
      const start = bufBase + h * stride;
      const usable = Math.floor(start / HUGE) === Math.floor((start + stride - 1) / HUGE); // mempool/pool.rs slot_usable
      if (usable && !seen[h]) lost.push(h);
    }
    const buf = new Uint32Array(256);
    for (let i = 0; i < lost.length; i += buf.length) {
      const n = Math.min(buf.length, lost.length - i);
      for (let k = 0; k < n; k++) buf[k] = lost[i + k]!;
      for (let k = 0; k < n; k++) v.reset(buf[k]!);
      v.freeBurst(buf, n);
    }
    return { returned: lost.length, repaired };
  } finally {
    v.close(); // flushes what was just freed into the shared ring, releases the slot
  }
}
