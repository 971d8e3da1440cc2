// null port (DPDK net_null): RX hands out freshly allocated buffers of a set size, as fast as
// asked; TX frees what it is given. Packet bytes are not touched (as net_null without copy=1).
import type { Backend } from './backend.js';
import type { Port } from './port.js';
import * as L from './layout.js';
import { CHECKS } from '../checks.js';
import { META_DATA_LEN, META_DATA_OFF, META_FLAGS, META_HASH, META_PORT, META_QUEUE, META_SIZE } from '../memory/layout.js';

// The paired fields the RX loop writes as one word each (checked here, so a layout change fails loudly).
if (META_DATA_OFF % 4 !== 0 || META_DATA_LEN !== META_DATA_OFF + 2 || META_PORT % 4 !== 0 || META_QUEUE !== META_PORT + 2) {
  throw new Error('null port: metadata layout changed; update NullBackend.rx');
}

// Word indices as module numbers copied into locals in the loops: an imported binding is checked
// on every use inside a loop, a local is a register (docs/benchmarks.md, "what the loops cost").
const W_OFF = META_DATA_OFF >> 2, W_PORT = META_PORT >> 2, W_FLAGS = META_FLAGS >> 2, W_HASH = META_HASH >> 2;
const H_LEN = META_DATA_LEN >> 1;

const IPACKETS = L.PORT_Q_IPACKETS >> 3, IBYTES = L.PORT_Q_IBYTES >> 3, NOMBUF = L.PORT_Q_RX_NOMBUF >> 3;
const OPACKETS = L.PORT_Q_OPACKETS >> 3, OBYTES = L.PORT_Q_OBYTES >> 3;

export class NullBackend implements Backend {
  private readonly dataOff: number;
  constructor(private readonly p: Port, private readonly size: number) {
    this.dataOff = META_SIZE + p.pool.headroom;
  }

  rx(q: number, hs: Uint32Array, n: number): number {
    if (q >= this.p.queues) return 0;
    const pool = this.p.pool;
    const got = pool.allocBurst(hs, n);
    const u32 = pool.b32, sw = (pool.stride >> 2) | 0, size = this.size;
    const wOff = W_OFF, wPort = W_PORT, wFlags = W_FLAGS, wHash = W_HASH;
    // metadata as a NIC would leave it: data offset and length, input port (low 16 bits of the
    // port id) and queue, packet type and hash 0 (none). The layout puts each pair of u16 fields
    // in one aligned 32-bit word (META_DATA_OFF|LEN, META_PORT|QUEUE; little-endian: the first
    // field is the low half), so that is four stores a packet, not six.
    const w0 = (this.dataOff | (size << 16)) >>> 0, w1 = ((this.p.id & 0xffff) | (q << 16)) >>> 0;
    // b32 starts at the first buffer and the loop counts down to 0: two registers fewer than
    // u32 + base and a reloaded n (PoolView.b32; docs/benchmarks.md "what the loops cost").
    for (let k = got - 1; k >= 0; k--) {
      const w = Math.imul(hs[k]!, sw);
      u32[w + wOff] = w0;
      u32[w + wPort] = w1;
      u32[w + wFlags] = 0;
      u32[w + wHash] = 0;
    }
    const f = this.p.f64, c = this.p.counterBase(q);
    f[c + IPACKETS] = f[c + IPACKETS]! + got;
    f[c + IBYTES] = f[c + IBYTES]! + got * size;
    if (got < n) f[c + NOMBUF] = f[c + NOMBUF]! + n - got;
    return got;
  }

  tx(q: number, hs: Uint32Array, n: number): number {
    if (q >= this.p.queues) return 0;
    const pool = this.p.pool;
    const u16 = pool.b16, sh = (pool.stride >> 1) | 0, ok = pool.ok, hLen = H_LEN;
    let bytes = 0, refused = 0;
    // The handle check (ok[h] is 1 for a buffer, 0 or undefined otherwise: PoolView.ok) rides in
    // the loop that reads the lengths, branch-free (an AND per handle); the pool need not check
    // again. A foreign handle makes `good` 0 and the slow path redo the sums.
    let good = 1;
    if (CHECKS) {
      for (let k = n - 1; k >= 0; k--) {
        const h = hs[k]!;
        good &= ok[h]!;
        bytes += u16[(Math.imul(h, sh) + hLen) | 0]!;
      }
    } else {
      for (let k = n - 1; k >= 0; k--) bytes += u16[(Math.imul(hs[k]!, sh) + hLen) | 0]!;
    }
    if (good === 1) pool.freeChecked(hs, n);
    else refused = this.txForeign(hs, n);
    const f = this.p.f64, c = this.p.counterBase(q);
    if (refused !== 0) {
      this.p.countBad(q, refused);
      bytes = this.lastBytes;
    }
    f[c + OPACKETS] = f[c + OPACKETS]! + n - refused;
    f[c + OBYTES] = f[c + OBYTES]! + bytes;
    return n;
  }

  private lastBytes = 0;

  /** Slow path: a foreign handle among hs[0..n): sum the valid ones' lengths, free them, refuse the rest. */
  private txForeign(hs: Uint32Array, n: number): number {
    const pool = this.p.pool;
    let bytes = 0;
    for (let k = 0; k < n; k++) if (pool.valid(hs[k]!)) bytes += pool.dataLen(hs[k]!);
    this.lastBytes = bytes;
    return pool.freeBurst(hs, n);
  }

  waitRx(): void {
    // a null port always has packets (unless the pool is empty; then let the caller retry)
  }

  waitTx(): void {
    // TX always accepts everything
  }

  close(): void {}
}
