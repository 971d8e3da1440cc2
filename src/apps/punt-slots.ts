// The shared memory between the Punt app (the engine's thread) and its piscina workers: a fixed
// set of slots, each with a request area (the punted frame) and a reply area, and a completion
// ring the workers publish finished slots on. The app polls the ring in pull(): completions reach
// the fast path without the engine's thread running its event loop (piscina's own promise would
// resolve only there).
//
// Layout (one SharedArrayBuffer; Int32 indices):
//   ctl[0..16)         TAIL (completion ring reservation counter), READY (workers that loaded the task)
//   ring[0..R)         slot + 1 of each completion in publication order (0 = not yet published);
//                      R = the next power of two >= slots (at most `slots` completions are pending)
//   reqLen[slots]      frame length, written by the app before it submits the slot
//   repLen[slots]      reply length written by the worker: > 0 a reply, 0 none, -1 the task threw
//   bytes              slots x slotSize request bytes, then slots x slotSize reply bytes
//
// Ring protocol (multi-producer, single consumer): a worker writes repLen[slot], reserves a ring
// position with Atomics.add(TAIL), then Atomics.store(ring[pos], slot + 1). The app reads
// ring[head]; 0 means that completion is not published yet (a later one may be: it waits its
// turn), otherwise it zeroes the entry and advances head. Positions wrap modulo R; a slot is
// reused only after its completion was consumed, so a producer never laps the consumer.
export const CTL_TAIL = 0, CTL_READY = 1, CTL_INTS = 16;

export interface SlotsInit {
  sab: SharedArrayBuffer;
  slots: number;
  slotSize: number;
}

export class PuntSlots {
  readonly ctl: Int32Array;
  readonly ring: Int32Array;
  readonly ringMask: number;
  readonly reqLen: Int32Array;
  readonly repLen: Int32Array;
  readonly bytes: Uint8Array;
  readonly slots: number;
  readonly slotSize: number;
  /** Byte offsets in `bytes` of the reply area. */
  readonly repBase: number;

  constructor(readonly init: SlotsInit) {
    const { sab, slots, slotSize } = init;
    this.slots = slots;
    this.slotSize = slotSize;
    const r = ringSize(slots);
    this.ringMask = r - 1;
    let at = 0;
    this.ctl = new Int32Array(sab, at, CTL_INTS);
    at += 4 * CTL_INTS;
    this.ring = new Int32Array(sab, at, r);
    at += 4 * r;
    this.reqLen = new Int32Array(sab, at, slots);
    at += 4 * slots;
    this.repLen = new Int32Array(sab, at, slots);
    at += 4 * slots;
    this.bytes = new Uint8Array(sab, at, 2 * slots * slotSize);
    this.repBase = slots * slotSize;
  }

  static create(slots: number, slotSize: number): PuntSlots {
    const bytes = 4 * (CTL_INTS + ringSize(slots) + 2 * slots) + 2 * slots * slotSize;
    return new PuntSlots({ sab: new SharedArrayBuffer(bytes), slots, slotSize });
  }

  /** Worker side: publishes `slot` as done with reply length `len` (see the file comment). */
  complete(slot: number, len: number): void {
    Atomics.store(this.repLen, slot, len);
    const pos = Atomics.add(this.ctl, CTL_TAIL, 1) & this.ringMask;
    Atomics.store(this.ring, pos, slot + 1);
  }
}

function ringSize(slots: number): number {
  let r = 1;
  while (r < slots) r *= 2;
  return r;
}
