// Punt: the slow path (deliverable 3). Hands packets to a piscina pool running a user task module
// (for example ARP or ICMP for the host, or whatever a Split sends it) without blocking the fast
// path; replies the task makes come back into the pipeline on the app's output.
//
//   push: copy each frame into a free shared slot (punt-slots.ts), submit the slot with piscina's
//         run(), free the buffer at once. No free slot (the in-flight window is full): the packet
//         is dropped as 'backpressure'. A frame larger than a slot: 'too-big'.
//   pull: drain the completion ring; each reply gets a pool buffer (none: dropped as 'nombuf'),
//         the reply bytes, and goes out. The app is a source as well as a sink.
//
// Why the ring and not piscina's promise: the engine's loop is synchronous and busy-polls, and a
// promise from run() resolves only when this thread's event loop runs. The worker (punt-task.ts)
// therefore writes its result into the slot and publishes the slot with Atomics; pull() sees it
// on the next breath. piscina itself still needs this thread's event loop for two things: to mark
// a new worker ready (until then run() queues tasks inside piscina) and to retire finished tasks
// (its per-task record and promise live until it reads the worker's reply message). So the engine
// must yield now and then (run it in slices: `engine.run({ durationMs: 5 }); await setImmediate()`),
// and `await punt.ready()` before traffic if the first packets matter. docs/pipelines-apps.md has
// the measurements.
//
// Counters: packets punted count as `out` (they left the graph, like a PortOut's), replies as
// `in` (they entered it, like a PortIn's) and then `out` on the link. 'task-error' (the task threw,
// or returned a bad length) counts a punted packet that got no answer; it is not a drop (that
// packet was already punted and freed) and does not add to `dropped`.
//
// Per punted packet the engine's thread allocates only what piscina's run() does (a task record, a
// promise, the message); the copy loops allocate nothing. Packets that are not punted cost nothing.
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Piscina } from 'piscina';
import { App, type AppContext } from '../pipeline/app.js';
import { LINK_CAPACITY } from '../pipeline/link.js';
import { f, type ConfigOf } from '../pipeline/schema.js';
import { META_DATA_LEN, META_DATA_OFF, META_SIZE } from '../memory/layout.js';
import { CTL_READY, PuntSlots } from './punt-slots.js';

const BACKPRESSURE = 0, TOO_BIG = 1, NOMBUF = 2, TASK_ERROR = 3;
const TASK_FILE = fileURLToPath(new URL('./punt-task.js', import.meta.url));

export class Punt extends App {
  static override schema = {
    /** The task module (a path or a file: URL): default export (frame, reply) => replyLength. */
    task: f.string({ example: './arp-responder.js' }),
    /** In-flight window: slots shared with the workers; more punts at once are 'backpressure'. */
    slots: f.int({ min: 1, max: 65536, default: 256 }),
    /** Bytes per slot (request and reply each); larger frames are 'too-big'. */
    slotSize: f.int({ min: 64, max: 65535, default: 2048 }),
    /** piscina worker threads (minThreads = maxThreads). */
    threads: f.int({ min: 1, max: 64, default: 1 }),
    /** Plain data for the task: given to its `init(data)` export once per worker, before traffic. */
    data: f.json<unknown, { optional: true }>('any JSON value', (v) => JSON.parse(JSON.stringify(v)) as unknown, { optional: true }),
  };
  static override inputs = ['in'] as const;
  static override outputs = ['out'] as const;
  static override dropReasons = ['backpressure', 'too-big', 'nombuf', 'task-error'];
  declare readonly config: ConfigOf<typeof Punt.schema>;

  readonly piscina: Piscina;
  readonly slots: PuntSlots;
  private readonly free: Int32Array; // stack of free slot numbers
  private nFree: number;
  private head = 0; // next completion ring position to read
  private readonly failHandlers: Array<() => void>;
  private readonly inFlight: Uint8Array; // 1 while a slot is submitted
  private readonly hs = new Uint32Array(LINK_CAPACITY);
  private readonly done = new Int32Array(LINK_CAPACITY);
  private stopped = false;
  /** Tasks piscina rejected (a worker died, or the pool was destroyed with tasks in flight). */
  rejected = 0;
  /** The last error piscina reported outside a task (e.g. the task module failed to load). */
  lastError: Error | null = null;

  constructor(ctx: AppContext, config: ConfigOf<typeof Punt.schema>) {
    super(ctx, config);
    const { slots, slotSize, threads } = config;
    this.slots = PuntSlots.create(slots, slotSize);
    this.free = new Int32Array(slots);
    for (let i = 0; i < slots; i++) this.free[i] = slots - 1 - i;
    this.nFree = slots;
    this.inFlight = new Uint8Array(slots);
    this.failHandlers = Array.from({ length: slots }, (_, s) => () => this.failed(s));
    this.piscina = new Piscina({
      filename: TASK_FILE,
      workerData: { ...this.slots.init, task: config.task, data: config.data },
      minThreads: threads,
      maxThreads: threads,
      // Post every task to a worker at once, whatever piscina believes is running: until this
      // thread's event loop reads the replies, finished tasks still count as running for it, and
      // with the default (1) it would queue all but the first `threads` tasks (docs/pipelines-apps.md).
      concurrentTasksPerWorker: 1 << 30,
      maxQueue: slots,
      idleTimeout: Infinity,
    });
    // piscina emits 'error' for a worker that fails outside a task, and for replies it no longer
    // expects (after destroy() while the engine had not let it read them): never an uncaught throw.
    this.piscina.on('error', (e: Error) => {
      if (!this.stopped) this.lastError = e;
    });
  }

  /** Resolves when every worker has loaded the task and piscina has taken them as ready. */
  async ready(): Promise<void> {
    while (Atomics.load(this.slots.ctl, CTL_READY) < this.config.threads) {
      if (this.lastError) throw this.lastError;
      await sleep(1);
    }
    await Promise.all(Array.from({ length: this.config.threads }, () => this.piscina.run(-1)));
  }

  /** Slots submitted and not yet drained. */
  pending(): number {
    return this.slots.slots - this.nFree;
  }

  private failed(slot: number): void {
    this.rejected++;
    if (this.stopped || this.inFlight[slot] === 0) return;
    // piscina rejected the task (its worker died): the slot comes back with no answer.
    this.inFlight[slot] = 0;
    this.free[this.nFree++] = slot;
    this.countEvent(1, TASK_ERROR);
  }

  override push(_input: number, hs: Uint32Array, n: number): void {
    const p = this.pool, u8 = p.u8, u16 = p.u16, base = p.bufBase, stride = p.stride;
    const S = this.slots, bytes = S.bytes, size = S.slotSize, reqLen = S.reqLen;
    let punted = 0, full = 0, big = 0;
    for (let k = 0; k < n; k++) {
      const m = base + hs[k]! * stride;
      const len = u16[(m + META_DATA_LEN) >> 1]!;
      if (len > size) {
        big++;
        continue;
      }
      if (this.nFree === 0) {
        full++;
        continue;
      }
      const slot = this.free[--this.nFree]!;
      const src = m + u16[(m + META_DATA_OFF) >> 1]!, dst = slot * size;
      for (let i = 0; i < len; i++) bytes[dst + i] = u8[src + i]!;
      Atomics.store(reqLen, slot, len);
      this.inFlight[slot] = 1;
      this.piscina.run(slot).catch(this.failHandlers[slot]!);
      punted++;
    }
    p.freeBurst(hs, n);
    if (punted > 0) this.countOut(punted);
    if (full > 0) this.countDrop(full, BACKPRESSURE);
    if (big > 0) this.countDrop(big, TOO_BIG);
  }

  override pull(): number {
    const S = this.slots, ring = S.ring, mask = S.ringMask, done = this.done;
    let nd = 0;
    while (nd < done.length) {
      const pos = this.head & mask;
      const v = Atomics.load(ring, pos);
      if (v === 0) break;
      Atomics.store(ring, pos, 0);
      this.head = (this.head + 1) | 0;
      done[nd++] = v - 1;
    }
    if (nd === 0) return 0;
    // Replies first (their bytes are in the slots), then the slots go back.
    const repLen = S.repLen, hs = this.hs;
    let want = 0, errors = 0;
    for (let k = 0; k < nd; k++) {
      const r = Atomics.load(repLen, done[k]!);
      if (r > 0) done[want++] = done[k]!; // slots with a reply, in completion order
      else if (r < 0) errors++;
      this.release(done[k]!);
    }
    if (errors > 0) this.countEvent(errors, TASK_ERROR);
    if (want === 0) return 0;
    const got = this.pool.allocBurst(hs, want);
    if (got < want) this.countDrop(want - got, NOMBUF);
    const p = this.pool, u8 = p.u8, u16 = p.u16, bytes = S.bytes, size = S.slotSize, rep = S.repBase;
    const off = META_SIZE + p.headroom;
    for (let k = 0; k < got; k++) {
      const slot = done[k]!, len = repLen[slot]!, h = hs[k]!;
      const m = p.bufBase + h * p.stride;
      u8.fill(0, m, m + META_SIZE); // a fresh packet: no stale port, flags or hash
      u16[(m + META_DATA_OFF) >> 1] = off;
      u16[(m + META_DATA_LEN) >> 1] = len;
      const src = rep + slot * size, dst = m + off;
      for (let i = 0; i < len; i++) u8[dst + i] = bytes[src + i]!;
    }
    this.countIn(got);
    this.out[0]!.send(hs, got);
    return got;
  }

  private release(slot: number): void {
    if (this.inFlight[slot] === 0) return; // already given back by failed()
    this.inFlight[slot] = 0;
    this.free[this.nFree++] = slot;
  }

  override stop(): void {
    this.stopped = true;
    // Tasks still queued or running are rejected (failHandlers ignore them now); the app holds
    // no pool buffer (frames were copied out), so nothing goes back to the pool here.
    this.piscina.destroy().catch(() => undefined);
  }
}
