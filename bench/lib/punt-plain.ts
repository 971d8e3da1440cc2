// The punt benchmark's peer: the same shared slots and completion ring as Punt (punt-slots.ts),
// but requests go to one plain worker_thread over a shared request ring (single producer, single
// consumer) with an Atomics.notify, instead of through piscina's run(). What is left when piscina
// is taken out: the copy in, the worker's wake-up, the task, the copy back.
import { Worker } from 'node:worker_threads';
import { App, type AppContext } from '../../src/pipeline/app.js';
import { LINK_CAPACITY } from '../../src/pipeline/link.js';
import { f, type ConfigOf } from '../../src/pipeline/schema.js';
import { META_DATA_LEN, META_DATA_OFF, META_SIZE } from '../../src/memory/layout.js';
import { PuntSlots } from '../../src/apps/punt-slots.js';

/** ctl index of the request ring's tail (the app writes it; the worker waits on it). */
export const CTL_REQ_TAIL = 2, CTL_STOP = 3;

export class PlainPunt extends App {
  static override schema = { task: f.string(), slots: f.int({ min: 1, default: 256 }), slotSize: f.int({ default: 2048 }) };
  static override dropReasons = ['backpressure', 'too-big', 'nombuf', 'task-error'];
  declare readonly config: ConfigOf<typeof PlainPunt.schema>;
  readonly slots: PuntSlots;
  readonly req: Int32Array;
  readonly worker: Worker;
  private readonly free: Int32Array;
  private nFree: number;
  private head = 0;
  private tail = 0;
  private readonly hs = new Uint32Array(LINK_CAPACITY);
  private readonly done = new Int32Array(LINK_CAPACITY);
  readonly ready: Promise<void>;

  constructor(ctx: AppContext, config: ConfigOf<typeof PlainPunt.schema>) {
    super(ctx, config);
    this.slots = PuntSlots.create(config.slots, config.slotSize);
    this.req = new Int32Array(new SharedArrayBuffer(4 * (this.slots.ringMask + 1)));
    this.free = Int32Array.from({ length: config.slots }, (_, i) => config.slots - 1 - i);
    this.nFree = config.slots;
    this.worker = new Worker(new URL('./punt-plain-worker.js', import.meta.url), { workerData: { ...this.slots.init, req: this.req, task: config.task } });
    this.ready = new Promise((res, rej) => { this.worker.once('message', () => res()); this.worker.once('error', rej); });
  }

  pending(): number {
    return this.slots.slots - this.nFree;
  }

  override push(_input: number, hs: Uint32Array, n: number): void {
    const p = this.pool, u8 = p.u8, u16 = p.u16, S = this.slots, bytes = S.bytes, size = S.slotSize, mask = S.ringMask;
    let punted = 0, full = 0;
    for (let k = 0; k < n; k++) {
      const m = p.bufBase + hs[k]! * p.stride, len = u16[(m + META_DATA_LEN) >> 1]!;
      if (this.nFree === 0 || len > size) { full++; continue; }
      const slot = this.free[--this.nFree]!, src = m + u16[(m + META_DATA_OFF) >> 1]!, dst = slot * size;
      for (let i = 0; i < len; i++) bytes[dst + i] = u8[src + i]!;
      S.reqLen[slot] = len;
      Atomics.store(this.req, this.tail & mask, slot + 1);
      this.tail = (this.tail + 1) | 0;
      punted++;
    }
    if (punted > 0) {
      Atomics.store(S.ctl, CTL_REQ_TAIL, this.tail);
      Atomics.notify(S.ctl, CTL_REQ_TAIL);
      this.countOut(punted);
    }
    p.freeBurst(hs, n);
    if (full > 0) this.countDrop(full, 0);
  }

  override pull(): number {
    const S = this.slots, ring = S.ring, mask = S.ringMask, done = this.done;
    let nd = 0;
    for (;;) {
      const v = Atomics.load(ring, this.head & mask);
      if (v === 0 || nd === done.length) break;
      Atomics.store(ring, this.head & mask, 0);
      this.head = (this.head + 1) | 0;
      done[nd++] = v - 1;
    }
    if (nd === 0) return 0;
    const p = this.pool, hs = this.hs, got = p.allocBurst(hs, nd), off = META_SIZE + p.headroom;
    for (let k = 0; k < got; k++) {
      const slot = done[k]!, len = S.repLen[slot]!, m = p.bufBase + hs[k]! * p.stride, src = S.repBase + slot * S.slotSize;
      p.u16[(m + META_DATA_OFF) >> 1] = off;
      p.u16[(m + META_DATA_LEN) >> 1] = len;
      for (let i = 0; i < len; i++) p.u8[m + off + i] = S.bytes[src + i]!;
    }
    for (let k = 0; k < nd; k++) this.free[this.nFree++] = done[k]!;
    this.countIn(got);
    this.out[0]!.send(hs, got);
    return got;
  }

  override stop(): void {
    Atomics.store(this.slots.ctl, CTL_STOP, 1);
    Atomics.notify(this.slots.ctl, CTL_REQ_TAIL);
    void this.worker.terminate();
  }
}
