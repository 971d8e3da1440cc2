// ring port (DPDK net_ring): one end of a named pair. Per queue q, ring 2q carries end 0 -> 1 and
// ring 2q+1 carries end 1 -> 0 (crates/core/src/port/ringpair.rs). Handles move; bytes do not.
import { native, type MemoryView } from '../native.js';
import { Ring } from '../ring/ring.js';
import type { Backend } from './backend.js';
import type { Port } from './port.js';
import * as L from './layout.js';
import { META_DATA_LEN, META_FLAGS, META_HASH, META_PORT, META_QUEUE } from '../memory/layout.js';
import { RING_OFF_SLOTS } from '../ring/layout.js';
import { CHECKS } from '../checks.js';

const IPACKETS = L.PORT_Q_IPACKETS >> 3, IBYTES = L.PORT_Q_IBYTES >> 3;
const OPACKETS = L.PORT_Q_OPACKETS >> 3, OBYTES = L.PORT_Q_OBYTES >> 3;
// Metadata word indices, copied into locals in the loops (an imported binding is re-checked on
// every use in a loop; docs/benchmarks.md, "what the loops cost").
const H_LEN = META_DATA_LEN >> 1, H_PORT = META_PORT >> 1, H_QUEUE = META_QUEUE >> 1;
const W_FLAGS = META_FLAGS >> 2, W_HASH = META_HASH >> 2;
const RING_CAPACITY = 1024; // RING_PORT_CAPACITY in ringpair.rs
const RING_STRIDE = Math.ceil((RING_OFF_SLOTS + 4 * RING_CAPACITY) / 128) * 128;

export class RingBackend implements Backend {
  private readonly view: MemoryView;
  private readonly rxr: Ring[] = [];
  private readonly txr: Ring[] = [];

  constructor(private readonly p: Port, private readonly regionId: number, end: number) {
    this.view = native.mapView(regionId);
    for (let q = 0; q < p.queues; q++) {
      const toPeer = new Ring(this.view, (2 * q + end) * RING_STRIDE, regionId);
      const fromPeer = new Ring(this.view, (2 * q + 1 - end) * RING_STRIDE, regionId);
      if (toPeer.capacity !== RING_CAPACITY) throw new RangeError('ring port layout drift: capacity');
      this.txr.push(toPeer);
      this.rxr.push(fromPeer);
    }
  }

  /** RX: the bytes received, and each packet's metadata as a NIC leaves it (input port = low 16
   *  bits of this port's id, queue q, packet type and hash 0: what the peer set does not cross). */
  private received(q: number, hs: Uint32Array, n: number): number {
    const pool = this.p.pool, u16 = pool.u16, u32 = pool.u32, base = pool.bufBase, stride = pool.stride;
    const port = this.p.id & 0xffff;
    const hLen = H_LEN, hPort = H_PORT, hQueue = H_QUEUE, wFlags = W_FLAGS, wHash = W_HASH;
    let b = 0;
    for (let k = 0; k < n; k++) {
      const o = base + hs[k]! * stride, m = o >> 1, w = o >> 2;
      b += u16[m + hLen]!;
      u16[m + hPort] = port;
      u16[m + hQueue] = q;
      u32[w + wFlags] = 0;
      u32[w + wHash] = 0;
    }
    return b;
  }

  /** The bytes of hs[0..n), NaN if one of them is no buffer of the pool (PoolView.lenIx). */
  private bytesChecked(hs: Uint32Array, n: number): number {
    const u16 = this.p.pool.b16, ix = this.p.pool.lenIx;
    let b = 0;
    for (let k = n - 1; k >= 0; k--) b += u16[ix[hs[k]!] ?? -1]!; // `?? -1`: see NullBackend.tx
    return b;
  }

  private bytes(hs: Uint32Array, n: number): number {
    const pool = this.p.pool, u16 = pool.b16, sh = (pool.stride >> 1) | 0, hLen = H_LEN;
    let b = 0;
    for (let k = n - 1; k >= 0; k--) b += u16[(Math.imul(hs[k]!, sh) + hLen) | 0]!;
    return b;
  }

  rxCount(q: number): number {
    return this.rxr[q]?.count() ?? 0;
  }

  rx(q: number, hs: Uint32Array, n: number): number {
    const r = this.rxr[q];
    if (r === undefined) return 0;
    const got = r.dequeueSc(hs, n);
    if (got > 0) {
      const f = this.p.f64, c = this.p.counterBase(q);
      f[c + IPACKETS] = f[c + IPACKETS]! + got;
      f[c + IBYTES] = f[c + IBYTES]! + this.received(q, hs, got);
    }
    return got;
  }

  tx(q: number, hs: Uint32Array, n: number): number {
    const r = this.txr[q];
    if (r === undefined) return 0;
    // Every handle must be a buffer of the pool before the peer sees it: the byte sum through
    // PoolView.lenIx is that check (NaN if one is not), as in the null port's TX.
    let b = 0;
    if (CHECKS) {
      b = this.bytesChecked(hs, n);
      if (b !== b) return this.txFiltered(r, q, hs, n);
    }
    const sent = r.enqueueSp(hs, n);
    if (sent > 0) {
      const f = this.p.f64, c = this.p.counterBase(q);
      f[c + OPACKETS] = f[c + OPACKETS]! + sent;
      f[c + OBYTES] = f[c + OBYTES]! + (CHECKS && sent === n ? b : this.bytes(hs, sent));
    }
    return sent;
  }

  /** Slow path: foreign handles are consumed and counted (as pcap and virtio TX do); the valid
   *  ones are compacted to the front of hs and sent, and the unsent ones moved to the tail so that
   *  hs[returned..n) is still exactly what stays the caller's. Rewrites hs in place. */
  private txFiltered(r: Ring, q: number, hs: Uint32Array, n: number): number {
    const pool = this.p.pool;
    let m = 0;
    for (let k = 0; k < n; k++) if (pool.valid(hs[k]!)) hs[m++] = hs[k]!;
    this.p.countBad(q, n - m);
    const sent = m > 0 ? r.enqueueSp(hs, m) : 0;
    if (sent > 0) {
      const f = this.p.f64, c = this.p.counterBase(q);
      f[c + OPACKETS] = f[c + OPACKETS]! + sent;
      f[c + OBYTES] = f[c + OBYTES]! + this.bytes(hs, sent);
    }
    const unsent = m - sent;
    hs.copyWithin(n - unsent, sent, m);
    return n - unsent;
  }

  waitRx(q: number, timeoutMs: number): void {
    this.rxr[q]?.waitReadable({ spin: 200, timeoutMs });
  }

  waitTx(q: number, timeoutMs: number): void {
    this.txr[q]?.waitWritable({ spin: 200, timeoutMs });
  }

  /** Frees what is left in the rings this end must drain, so no buffer is lost. */
  close(lastEnd: boolean): void {
    const hs = new Uint32Array(256);
    const drain = (r: Ring) => {
      for (let n; (n = r.dequeueMc(hs, 0, 256)) > 0; ) this.p.pool.freeBurst(hs, n);
    };
    if (lastEnd) {
      this.rxr.forEach(drain);
      this.txr.forEach(drain);
    }
    native.unmapView(this.view);
  }
}
