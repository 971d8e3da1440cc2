// ring port (DPDK net_ring): one end of a named pair. Per queue q, ring 2q carries end 0 -> 1 and
// ring 2q+1 carries end 1 -> 0 (crates/core/src/port/ringpair.rs). Handles move; bytes do not.
import { native, type MemoryView } from '../native.js';
import { Ring } from '../ring/ring.js';
import type { Backend } from './backend.js';
import type { Port } from './port.js';
import * as L from './layout.js';
import { META_DATA_LEN } from '../memory/layout.js';
import { RING_OFF_SLOTS } from '../ring/layout.js';

const IPACKETS = L.PORT_Q_IPACKETS >> 3, IBYTES = L.PORT_Q_IBYTES >> 3;
const OPACKETS = L.PORT_Q_OPACKETS >> 3, OBYTES = L.PORT_Q_OBYTES >> 3;
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

  private bytes(hs: Uint32Array, n: number): number {
    const pool = this.p.pool, u16 = pool.u16, base = pool.bufBase, stride = pool.stride;
    let b = 0;
    for (let k = 0; k < n; k++) b += u16[((base + hs[k]! * stride) >> 1) + (META_DATA_LEN >> 1)]!;
    return b;
  }

  rx(q: number, hs: Uint32Array, n: number): number {
    const r = this.rxr[q];
    if (r === undefined) return 0;
    const got = r.dequeueSc(hs, n);
    if (got > 0) {
      const f = this.p.f64, c = this.p.counterBase(q);
      f[c + IPACKETS] = f[c + IPACKETS]! + got;
      f[c + IBYTES] = f[c + IBYTES]! + this.bytes(hs, got);
    }
    return got;
  }

  tx(q: number, hs: Uint32Array, n: number): number {
    const r = this.txr[q];
    if (r === undefined) return 0;
    const sent = r.enqueueSp(hs, n);
    if (sent > 0) {
      const f = this.p.f64, c = this.p.counterBase(q);
      f[c + OPACKETS] = f[c + OPACKETS]! + sent;
      f[c + OBYTES] = f[c + OBYTES]! + this.bytes(hs, sent);
    }
    return sent;
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
