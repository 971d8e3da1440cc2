// Capture from outside (DPDK's pdump): the port's mirror area (crates/core/src/port/layout.rs).
// The control server arms one queue of a port by storing queue+1 in the port header; that
// queue's thread, which checks the word once per RX burst, then copies each received packet
// (up to snaplen bytes) into the area, a single-producer single-consumer byte ring. The server
// drains it into the capture client's socket. The datapath never waits: when the area is full
// the packet is not copied and `dropped` counts it, so a capture costs the copy and nothing more.
import * as L from '../port/layout.js';
import type { Port } from '../port/port.js';
import type { MemoryView } from '../native.js';

const MASK = L.PORT_MIRROR_BYTES - 1;
const ORIGIN = performance.timeOrigin; // a host getter: read once, not per burst
const WRAP = 0xffffffff;

function areaOff(queues: number): number {
  return L.PORT_Q_OFF + queues * L.PORT_Q_SIZE;
}

/** Producer: called by Port.rxBurst in the armed queue's thread with the burst just received. */
export function mirrorBurst(p: Port, hs: Uint32Array, n: number): void {
  const u32 = p.u32, a = areaOff(p.queues), d = a + L.PORT_MIRROR_DATA;
  const hi = (a + L.PORT_MIRROR_HEAD) >> 2, di = (a + L.PORT_MIRROR_DROPPED) >> 2;
  const tail = Atomics.load(u32, (a + L.PORT_MIRROR_TAIL) >> 2);
  const snap = u32[(a + L.PORT_MIRROR_SNAPLEN) >> 2] || 65535;
  const pool = p.pool, src = pool.u8, dst = mirrorU8(p), f64 = p.f64;
  let head = u32[hi]!;
  if (L.PORT_MIRROR_BYTES - ((head - tail) >>> 0) < L.PORT_MIRROR_REC + 64) {
    u32[di] = u32[di]! + n; // full (the usual state when the consumer is slower): skip the burst at once
    return;
  }
  const time = ORIGIN + performance.now(); // one clock read per copied burst
  for (let k = 0; k < n; k++) {
    const h = hs[k]!;
    const len = pool.dataLen(h), off = pool.dataOffset(h);
    const cap = len < snap ? len : snap;
    const rec = (L.PORT_MIRROR_REC + cap + 7) & ~7;
    let pos = head & MASK;
    const skip = pos + rec > L.PORT_MIRROR_BYTES ? L.PORT_MIRROR_BYTES - pos : 0;
    if (L.PORT_MIRROR_BYTES - ((head - tail) >>> 0) < skip + rec) {
      u32[di] = u32[di]! + 1; // full: not copied (the consumer reads this as the capture's loss)
      continue;
    }
    if (skip) {
      u32[(d + pos) >> 2] = WRAP;
      head = (head + skip) >>> 0;
      pos = 0;
    }
    const r = d + pos;
    u32[r >> 2] = cap;
    u32[(r >> 2) + 1] = len;
    f64[(r + 8) >> 3] = time;
    for (let i = 0; i < cap; i++) dst[r + L.PORT_MIRROR_REC + i] = src[off + i]!;
    head = (head + rec) >>> 0;
  }
  Atomics.store(u32, hi, head); // publishes the records (release)
}

const u8s = new WeakMap<MemoryView, Uint8Array>();
function mirrorU8(p: Port): Uint8Array {
  let v = u8s.get(p.block);
  if (!v) u8s.set(p.block, (v = new Uint8Array(p.block)));
  return v;
}

export interface MirrorRecord {
  /** ms since the epoch, fractional */
  time: number;
  origLen: number;
  data: Uint8Array;
}

/** Consumer side (the thread that owns the Port object, normally the main thread). */
export class Mirror {
  private readonly a: number;
  private baseDropped = 0;

  constructor(readonly port: Port) {
    this.a = areaOff(port.queues);
  }

  /** The queue being captured (-1: none). */
  armed(): number {
    return Atomics.load(this.port.u32, L.PORT_OFF_MIRROR_Q >> 2) - 1;
  }

  /** Starts copying queue q's RX bursts. One capture per port at a time. */
  arm(q: number, snaplen: number): void {
    const u32 = this.port.u32, a = this.a;
    // The area is idle (no queue armed): the consumer may move its tail up to the head.
    Atomics.store(u32, (a + L.PORT_MIRROR_TAIL) >> 2, Atomics.load(u32, (a + L.PORT_MIRROR_HEAD) >> 2));
    Atomics.store(u32, (a + L.PORT_MIRROR_SNAPLEN) >> 2, snaplen);
    this.baseDropped = Atomics.load(u32, (a + L.PORT_MIRROR_DROPPED) >> 2);
    Atomics.store(u32, L.PORT_OFF_MIRROR_Q >> 2, q + 1);
  }

  disarm(): void {
    Atomics.store(this.port.u32, L.PORT_OFF_MIRROR_Q >> 2, 0);
  }

  /** Packets the datapath could not copy since arm() (area full). */
  dropped(): number {
    return (Atomics.load(this.port.u32, (this.a + L.PORT_MIRROR_DROPPED) >> 2) - this.baseDropped) >>> 0;
  }

  /** Total packets not copied over the port's life (for the metrics endpoint). */
  droppedTotal(): number {
    return Atomics.load(this.port.u32, (this.a + L.PORT_MIRROR_DROPPED) >> 2);
  }

  /** Takes every record now in the area as one Buffer of records in the area's own format
   *  (u32 caplen, u32 origlen, f64 time, bytes padded to 8: the capture wire format), or
   *  undefined when there is none. One copy per contiguous run, no per-packet work but a header read. */
  drainRaw(maxBytes = 1 << 20): Buffer | undefined {
    const u32 = this.port.u32, u8 = mirrorU8(this.port), a = this.a, d = a + L.PORT_MIRROR_DATA;
    const ti = (a + L.PORT_MIRROR_TAIL) >> 2;
    const head = Atomics.load(u32, (a + L.PORT_MIRROR_HEAD) >> 2); // acquire
    let tail = u32[ti]!;
    if (tail === head) return undefined;
    const runs: Uint8Array[] = [];
    let runStart = tail & MASK, runLen = 0, total = 0;
    while (tail !== head && total < maxBytes) {
      const pos = tail & MASK;
      if (pos === 0 && runLen) {
        // The last record ended exactly at the area's end (no WRAP marker then): the run
        // stops there too, or it would copy past the area.
        runs.push(u8.subarray(d + runStart, d + runStart + runLen));
        runStart = 0;
        runLen = 0;
      }
      const cap = u32[(d + pos) >> 2]!;
      if (cap === WRAP) {
        if (runLen) runs.push(u8.subarray(d + runStart, d + runStart + runLen));
        tail = (tail + (L.PORT_MIRROR_BYTES - pos)) >>> 0;
        runStart = 0;
        runLen = 0;
        continue;
      }
      const rec = (L.PORT_MIRROR_REC + cap + 7) & ~7;
      runLen += rec;
      total += rec;
      tail = (tail + rec) >>> 0;
    }
    if (runLen) runs.push(u8.subarray(d + runStart, d + runStart + runLen));
    const out = Buffer.concat(runs, total); // the copy: the area is handed back below
    Atomics.store(u32, ti, tail); // release
    return out;
  }

  /** Takes up to max records out of the area (copies; the area is freed for the producer). */
  drain(max: number, out: (r: MirrorRecord) => boolean | void): number {
    const u32 = this.port.u32, f64 = this.port.f64, u8 = mirrorU8(this.port), a = this.a, d = a + L.PORT_MIRROR_DATA;
    const ti = (a + L.PORT_MIRROR_TAIL) >> 2;
    const head = Atomics.load(u32, (a + L.PORT_MIRROR_HEAD) >> 2); // acquire: records up to head are written
    let tail = u32[ti]!, n = 0;
    while (tail !== head && n < max) {
      const pos = tail & MASK, r = d + pos;
      const cap = u32[r >> 2]!;
      if (cap === WRAP) {
        tail = (tail + (L.PORT_MIRROR_BYTES - pos)) >>> 0;
        continue;
      }
      const rec = { time: f64[(r + 8) >> 3]!, origLen: u32[(r >> 2) + 1]!, data: u8.slice(r + L.PORT_MIRROR_REC, r + L.PORT_MIRROR_REC + cap) };
      tail = (tail + ((L.PORT_MIRROR_REC + cap + 7) & ~7)) >>> 0;
      n++;
      if (out(rec) === false) break;
    }
    Atomics.store(u32, ti, tail); // release: the producer may reuse the space
    return n;
  }
}
