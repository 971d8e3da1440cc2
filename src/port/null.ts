// null port (DPDK net_null): RX hands out freshly allocated buffers of a set size, as fast as
// asked; TX frees what it is given. Packet bytes are not touched (as net_null without copy=1).
import type { Backend } from './backend.js';
import type { Port } from './port.js';
import * as L from './layout.js';
import { CHECKS } from '../checks.js';
import { META_DATA_LEN, META_DATA_OFF, META_FLAGS, META_HASH, META_PORT, META_QUEUE, META_SIZE } from '../memory/layout.js';

// The fields the RX loop writes as two 8-byte words (checked here, so a layout change fails
// loudly): data offset, length, port and queue in the first, flags and hash in the second.
if (META_DATA_OFF % 8 !== 0 || META_DATA_LEN !== META_DATA_OFF + 2 || META_PORT !== META_DATA_OFF + 4 || META_QUEUE !== META_PORT + 2 ||
    META_FLAGS !== META_DATA_OFF + 8 || META_HASH !== META_FLAGS + 4) {
  throw new Error('null port: metadata layout changed; update NullBackend.rx');
}
// The first word travels as a double (below): it must never be a NaN, whose bits V8 may change.
// Its top 16 bits are the queue, < PORT_MAX_QUEUES, so the exponent bits are never all ones.
if (L.PORT_MAX_QUEUES > 0x7ff0) throw new Error('null port: queue numbers could make the RX word a NaN');

// Word indices as module numbers copied into locals in the loops: an imported binding is checked
// on every use inside a loop, a local is a register (docs/benchmarks.md, "what the loops cost").
const Q_OFF = META_DATA_OFF >> 3;
const H_LEN = META_DATA_LEN >> 1;

const IPACKETS = L.PORT_Q_IPACKETS >> 3, IBYTES = L.PORT_Q_IBYTES >> 3, NOMBUF = L.PORT_Q_RX_NOMBUF >> 3;
const OPACKETS = L.PORT_Q_OPACKETS >> 3, OBYTES = L.PORT_Q_OBYTES >> 3;

export class NullBackend implements Backend {
  private readonly dataOff: number;
  private readonly bits64 = new Float64Array(1);
  private readonly bits32 = new Uint32Array(this.bits64.buffer);
  constructor(private readonly p: Port, private readonly size: number) {
    this.dataOff = META_SIZE + p.pool.headroom;
  }

  rx(q: number, hs: Uint32Array, n: number): number {
    if (q >= this.p.queues) return 0;
    const pool = this.p.pool;
    const got = pool.allocBurst(hs, n);
    const f8 = pool.b64, s8 = (pool.stride >> 3) | 0, size = this.size, qOff = Q_OFF;
    // Metadata as a NIC would leave it: data offset and length, input port (low 16 bits of the
    // port id) and queue, packet type and hash 0 (none). The layout puts these in two aligned
    // 8-byte words (little-endian: the first field is the lowest), so that is two stores a
    // packet, not six (or four as 32-bit words; measured +15% on fwd-null-io, docs/benchmarks.md).
    // The first word is the same for the whole burst: its bits are made once, as a double
    // through a scratch pair of views (a double copied from one Float64Array to another keeps
    // its bits; it is no NaN, checked at load).
    const bits = this.bits32;
    bits[0] = (this.dataOff | (size << 16)) >>> 0;
    bits[1] = ((this.p.id & 0xffff) | (q << 16)) >>> 0;
    const w0 = this.bits64[0]!;
    // b64 starts at the first buffer and the loop counts down to 0: no base register, no reload
    // of n (PoolView.b32; docs/benchmarks.md "what the loops cost").
    for (let k = got - 1; k >= 0; k--) {
      const w = Math.imul(hs[k]!, s8) + qOff;
      f8[w] = w0;
      f8[w + 1] = 0;
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
    const u16 = pool.b16;
    let bytes = 0, refused = 0;
    if (CHECKS) {
      // The handle check is the length's index itself (PoolView.lenIx): -1 for a slot that is
      // no buffer, and past the table `?? -1` makes it -1 too, so a foreign handle's length
      // reads as undefined and the sum becomes NaN. One load per handle in place of the
      // multiply, measured free (fwd-null-io-checks); the pool need not check again. A NaN sends
      // the burst to the slow path, which redoes the sums.
      // The `?? -1` costs nothing until a handle past the table was seen (V8 knows a typed
      // array element is never nullish). It is there for after: without it V8 reoptimizes
      // `u16[undefined]` as a generic keyed load and TX stays 2.4x slower for the rest of the
      // process; with it, 1.6x, as the `ok` AND did (docs/benchmarks.md, "What the loops cost").
      const ix = pool.lenIx;
      for (let k = n - 1; k >= 0; k--) bytes += u16[ix[hs[k]!] ?? -1]!;
    } else {
      const sh = (pool.stride >> 1) | 0, hLen = H_LEN;
      for (let k = n - 1; k >= 0; k--) bytes += u16[(Math.imul(hs[k]!, sh) + hLen) | 0]!;
    }
    if (bytes === bytes) pool.freeChecked(hs, n);
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
