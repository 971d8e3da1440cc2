// A ring of u32 descriptors in shared memory: the algorithm of crates/core/src/ring/ring.rs over
// the same bytes (layout.ts). One Ring object is one side's handle: a producer OR a consumer,
// single (sp/sc) or multi (mp/mc) — as in rte_ring, the caller picks the variant per call site.
// One difference from ring.rs: an SP/SC handle keeps its own index privately (prodHead/consHead
// below), so a handle that takes the role back from another handle calls resync() first.
//
// Indices are free-running 32-bit values kept as int32 in JS (`| 0`), masked on use. Atomics.*
// are sequentially consistent in JS, which is at least the Release/Acquire that each pairing
// below needs (x86 compiles Atomics.load to a plain load and Atomics.store to xchg).
//
// Node 20's V8 does not inline Atomics.*: each is a builtin call (~7.5 ns, against ~1 ns for a
// typed-array access), and a seq-cst store on x86 is an xchg that stalls until the other core
// gives up the index's cache line. Two of them per burst were most of the cost at small bursts
// (docs/benchmarks.md). So the single-producer/consumer fast paths use plain accesses where the
// hardware and the core's asymmetric doorbell barrier (crates/core/src/ring/barrier.rs) make
// them correct:
//  - the doorbell check (load `waiters` after publishing) is plain whenever the core registered
//    membarrier: the sleeper's barrier::heavy() supplies the StoreLoad ordering for both sides;
//  - the publishing store of prod_tail/cons_tail is plain only on x86-64 with that barrier. TSO
//    keeps stores in program order and never moves a store above an earlier load, which is the
//    Release this store needs; V8 emits typed-array accesses in program order (they are effects
//    in its graph) and does not merge stores to different indices. On other architectures (and
//    with RINGWAY_RING_BARRIER=seqcst) the store stays Atomics.store.
// Acquire loads (polling the other side's index) stay Atomics.load everywhere: the JS memory model
// lets a compiler hoist a plain read out of a polling loop.
//
// The hot path allocates nothing and never throws: functions return counts.
import { native, type MemoryView } from '../native.js';
import * as L from './layout.js';
import { CHECKS } from '../checks.js';

const PROD_HEAD = L.RING_OFF_PROD_HEAD >> 2;
const PROD_TAIL = L.RING_OFF_PROD_TAIL >> 2;
const CONS_HEAD = L.RING_OFF_CONS_HEAD >> 2;
const CONS_TAIL = L.RING_OFF_CONS_TAIL >> 2;
const WAITERS = L.RING_OFF_WAITERS >> 2;
const PROD_WAITERS = L.RING_OFF_PROD_WAITERS >> 2;

// Fixed for the process by the core before any ring exists (barrier.rs): read once here.
const ASYMMETRIC = native.ringBarrierMode() === 'asymmetric';
const PLAIN_PUBLISH = ASYMMETRIC && process.arch === 'x64';
const { ringWake } = native; // unwrapped (native.ts HOT): never throws

/** How this process publishes and rings doorbells (see the header comment). */
export const ringBarrier = { mode: ASYMMETRIC ? 'asymmetric' : 'seqcst', plainPublish: PLAIN_PUBLISH } as const;

// Release store of a tail index: pairs with the other side's Acquire (Atomics.load) of it.
function publish(i32: Int32Array, idx: number, v: number): void {
  if (PLAIN_PUBLISH) i32[idx] = v;
  else Atomics.store(i32, idx, v);
}

// The doorbell check after publish(): store-then-load, paired with the sleeper's announce,
// barrier::heavy(), re-check (ring.rs wait_for). Either it sees our entries or we see it waiting.
function sleeping(i32: Int32Array, idx: number): boolean {
  return (ASYMMETRIC ? i32[idx]! : Atomics.load(i32, idx)) !== 0;
}

// A count that is not a whole number within the array's room: cut to what fits (the ring carries
// arbitrary u32s, so counts are all it can check; handle checks are the ports' and the pool's).
function fit(n: number, room: number): number {
  if (!(room > 0)) return 0;
  return n > room ? room : n >= 0 ? Math.floor(n) : 0;
}

/** fit for a burst at array index `at`: an `at` that is no whole index in the array moves nothing
 *  (a negative or fractional one would read undefined, stored as handle 0). */
function fitAt(n: number, at: number, len: number): number {
  if ((at >>> 0) !== at || at > len) return 0;
  return fit(n, len - at);
}

// For yielding while another multi-producer/consumer finishes publishing (a 50 µs nap).
const napCell = new Int32Array(new SharedArrayBuffer(4));
function nap(): void {
  Atomics.wait(napCell, 0, 0, 0.05);
}

// MP/MC: how long a call waits for an earlier reservation to publish before it takes over
// (ring.rs wait_tail, the same 2 s). A peer that died between reserving and publishing (a worker
// terminated mid-call) would otherwise hang every later producer or consumer of a shared ring,
// the pool's free ring among them (rte_ring spins forever there). A correct peer publishes within
// nanoseconds; only one descheduled for longer than this between the two would be overtaken.
let stallMs = 2000;
let stalls = 0;

/** Tests: shorten the take-over wait (ms) for this thread; returns the previous value. */
export function setRingStallTimeout(ms: number): number {
  const old = stallMs;
  stallMs = ms;
  return old;
}

/** Reservations this thread took over from a peer that never published (or a scribbled tail). */
export function ringStalls(): number {
  return stalls;
}

/**
 * Waits until the tail at i32[idx] reaches `head` (earlier reservations publish in order).
 * False when it gave up: the tail stood still for stallMs, or is impossibly far (> capacity)
 * from our reservation. Spins, then naps; never throws.
 */
function waitTail(i32: Int32Array, idx: number, head: number, capacity: number): boolean {
  let last = Atomics.load(i32, idx), since = 0;
  for (let spins = 0; last !== head; spins++) {
    if (((head - last) >>> 0) > capacity) break; // scribbled: no peer will bring it to us
    if (spins > 256) {
      const now = performance.now();
      if (since === 0) since = now;
      else if (now - since > stallMs) break;
      nap();
    }
    const t = Atomics.load(i32, idx);
    if (t !== last) {
      last = t;
      since = 0; // it moves: an earlier peer is publishing, keep waiting
    }
  }
  if (last === head) return true;
  stalls++;
  return false;
}

export interface RingWaitOptions {
  /** Polls before sleeping (bounded spin). */
  spin?: number;
  /** Longest sleep, ms. */
  timeoutMs?: number;
}

export class Ring {
  readonly capacity: number;
  readonly mask: number;
  /** The view and this ring's byte offset in it (the same bytes other threads/Rust see). */
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly byteOffset: number;
  /** Native object id and offset, for the futex slow path. */
  readonly objectId: number;
  private readonly h: number; // header index in i32
  private readonly s: number; // slot 0 index in u32
  // Cached copy of the other side's index (AF_XDP's cached_cons/cached_prod): re-read only when
  // the cached value says "full" or "empty", so the other side's cache line is touched rarely.
  private consTailSeen = 0;
  private prodTailSeen = 0;
  // Private copy of this handle's OWN index while it is the single producer / single consumer
  // (AF_XDP keeps cached_prod in the user's xsk_ring_prod the same way). The shared prod_head /
  // cons_head are still written on every call, for count(), the wait paths and the Rust side, but
  // never read on the SP/SC path. Reading them there cost a quarter to a half of burst-1
  // throughput on this VM, the producer's read being the one that matters (docs/rings.md): its
  // index line is the one a caught-up consumer polls.
  // `held` says the copy is valid: it is taken from shared memory at the first SP/SC call, and
  // dropped by any MP/MC call on this handle and by resync().
  private prodHead = 0;
  private prodHeld = false;
  private consHead = 0;
  private consHeld = false;

  constructor(view: MemoryView, byteOffset: number, objectId: number) {
    if (byteOffset % 128 !== 0) throw new RangeError(`ring offset ${byteOffset} must be 128-aligned`);
    this.i32 = new Int32Array(view);
    this.u32 = new Uint32Array(view);
    this.byteOffset = byteOffset;
    this.objectId = objectId;
    this.h = byteOffset >> 2;
    // Acquire (Atomics.load): pairs with the creator's Release store of magic (Ring::init).
    if (Atomics.load(this.i32, this.h + (L.RING_OFF_MAGIC >> 2)) >>> 0 !== L.RING_MAGIC) {
      throw new RangeError(`no ring at offset ${byteOffset} of object ${objectId} (bad magic)`);
    }
    this.capacity = this.i32[this.h + (L.RING_OFF_CAPACITY >> 2)]!;
    this.mask = this.capacity - 1;
    this.s = (byteOffset + L.RING_OFF_SLOTS) >> 2;
    this.consTailSeen = Atomics.load(this.i32, this.h + CONS_TAIL);
    this.prodTailSeen = Atomics.load(this.i32, this.h + PROD_TAIL);
  }

  /** Entries published and not yet released (snapshot). */
  count(): number {
    return (Atomics.load(this.i32, this.h + PROD_TAIL) - Atomics.load(this.i32, this.h + CONS_TAIL)) | 0;
  }

  // Single-side copies of `fastN` slots (the burst size this handle uses: the first of 8..1024
  // it is given) go through TypedArray.set on a subarray made once per position: a memcpy instead
  // of a masked element loop. Positions are bounded by the capacity, so after warm-up the hot path
  // allocates nothing; rings over 16384 slots keep the loop (the view table would be too large).
  private fastN = 0;
  private readonly subs: Array<Uint32Array | undefined> = [];

  private slotSub(pos: number): Uint32Array {
    let v = this.subs[pos];
    if (v === undefined) {
      v = this.u32.subarray(this.s + pos, this.s + pos + this.fastN);
      this.subs[pos] = v;
    }
    return v;
  }

  private pickFast(n: number): void {
    if (n <= 1024 && this.capacity <= 16384) this.fastN = n;
  }

  // ---------------------------------------------------------------- single producer
  /** Burst enqueue (as many as fit) of src[0..n); single producer. Returns how many. */
  enqueueSp(src: Uint32Array, n: number, bulk = false): number {
    return this.enqueueSpAt(src, 0, n, bulk);
  }

  enqueueSpAt(src: Uint32Array, at: number, n: number, bulk = false): number {
    if (CHECKS && ((n >>> 0) !== n || (at >>> 0) !== at || n > src.length - at)) n = fitAt(n, at, src.length);
    if (this.fastN === 0 && n >= 8) this.pickFast(n);
    if (!this.prodHeld) this.holdProducer();
    const head = this.prodHead;
    let free = (this.capacity + this.consTailSeen - head) | 0;
    if (free < n) {
      free = (this.capacity + this.seeConsTail() - head) | 0;
      if (free < n) {
        if (bulk) return 0;
        n = free;
      }
    }
    if (n <= 0) return 0;
    const pos = head & this.mask;
    if (n === this.fastN && at === 0 && src.length === n && pos + n <= this.capacity) this.slotSub(pos).set(src);
    else {
      const u32 = this.u32, s = this.s, mask = this.mask;
      for (let k = 0; k < n; k++) u32[s + ((head + k) & mask)] = src[at + k]!;
    }
    const next = (head + n) | 0;
    this.prodHead = next;
    const i32 = this.i32, h = this.h;
    i32[h + PROD_HEAD] = next; // read only by count(), waitWritable() and multi-producers
    // Release: pairs with the consumer's Acquire load of prod_tail.
    publish(i32, h + PROD_TAIL, next);
    if (sleeping(i32, h + WAITERS)) this.wake();
    return n;
  }

  /**
   * Drops this handle's cached indices. Call it before using enqueueSp/dequeueSc on a handle
   * after ANOTHER handle (thread, or the Rust core) produced or consumed on the same ring: an
   * SP/SC handle trusts its private copy of its own index (see prodHead above). Handing the role
   * over needs no call on the old holder, and MP/MC calls on this handle resync by themselves.
   */
  resync(): void {
    this.prodHeld = false;
    this.consHeld = false;
  }

  // Cold paths, kept out of the SP/SC bodies so those stay small enough for V8 to inline.
  private holdProducer(): void {
    // Acquire: pairs with the previous producer's Release of prod_tail (prod_head == prod_tail
    // whenever no producer is mid-call, which SP use requires).
    this.prodHead = Atomics.load(this.i32, this.h + PROD_TAIL);
    this.prodHeld = true;
  }

  private holdConsumer(): void {
    // Acquire: pairs with the previous consumer's Release of cons_tail.
    this.consHead = Atomics.load(this.i32, this.h + CONS_TAIL);
    this.consHeld = true;
  }

  private seeConsTail(): number {
    // Acquire: pairs with the consumer's Release (publish) of cons_tail.
    return (this.consTailSeen = Atomics.load(this.i32, this.h + CONS_TAIL));
  }

  private seeProdTail(): number {
    // Acquire: pairs with the producer's Release (publish) of prod_tail.
    return (this.prodTailSeen = Atomics.load(this.i32, this.h + PROD_TAIL));
  }

  // Through this thread's own view: no registry, no lock, never throws (a detached view wakes
  // nobody). crates/node/src/rings.rs raw_ring_wake.
  private wake(): void {
    ringWake(this.i32, this.byteOffset);
  }

  // ---------------------------------------------------------------- single consumer
  /** Burst dequeue of up to n into dst[0..); single consumer. Returns how many. */
  dequeueSc(dst: Uint32Array, n: number, bulk = false): number {
    return this.dequeueScAt(dst, 0, n, bulk);
  }

  dequeueScAt(dst: Uint32Array, at: number, n: number, bulk = false): number {
    if (CHECKS && ((n >>> 0) !== n || (at >>> 0) !== at || n > dst.length - at)) n = fitAt(n, at, dst.length);
    if (this.fastN === 0 && n >= 8) this.pickFast(n);
    if (!this.consHeld) this.holdConsumer();
    const head = this.consHead;
    let avail = (this.prodTailSeen - head) | 0;
    if (avail < n) {
      avail = (this.seeProdTail() - head) | 0;
      if (avail < n) {
        if (bulk) return 0;
        n = avail;
      }
    }
    if (n <= 0) return 0;
    const pos = head & this.mask;
    if (n === this.fastN && at === 0 && dst.length >= n && pos + n <= this.capacity) dst.set(this.slotSub(pos));
    else {
      const u32 = this.u32, s = this.s, mask = this.mask;
      for (let k = 0; k < n; k++) dst[at + k] = u32[s + ((head + k) & mask)]!;
    }
    const next = (head + n) | 0;
    this.consHead = next;
    const i32 = this.i32, h = this.h;
    i32[h + CONS_HEAD] = next; // read only by count(), waitReadable() and multi-consumers
    // Release: pairs with the producer's Acquire load of cons_tail (our reads are done).
    publish(i32, h + CONS_TAIL, next);
    if (sleeping(i32, h + PROD_WAITERS)) this.wake();
    return n;
  }

  // ---------------------------------------------------------------- multi producer / consumer
  /** Enqueue src[at..at+n) when other producers (JS or Rust) may enqueue concurrently. */
  enqueueMp(src: Uint32Array, at: number, n: number, bulk = false): number {
    if (CHECKS && ((n >>> 0) !== n || (at >>> 0) !== at || n > src.length - at)) n = fitAt(n, at, src.length);
    this.prodHeld = false;
    const i32 = this.i32, h = this.h;
    let head: number;
    for (;;) {
      head = Atomics.load(i32, h + PROD_HEAD);
      // Acquire: pairs with consumers' Release of cons_tail.
      const free = (this.capacity + Atomics.load(i32, h + CONS_TAIL) - head) | 0;
      let m = n;
      if (free < m) {
        if (bulk) return 0;
        m = free;
      }
      if (m <= 0) return 0;
      // CAS reserves [head, head+m): pairs with other producers' CAS on prod_head.
      if (Atomics.compareExchange(i32, h + PROD_HEAD, head, (head + m) | 0) === head) {
        n = m;
        break;
      }
    }
    const u32 = this.u32, s = this.s, mask = this.mask;
    for (let k = 0; k < n; k++) u32[s + ((head + k) & mask)] = src[at + k]!;
    // Publish in reservation order: wait for earlier producers' Release of prod_tail.
    if (Atomics.load(i32, h + PROD_TAIL) !== head && !waitTail(i32, h + PROD_TAIL, head, this.capacity)) {
      // The earlier reservation [tail, head) will never be written: fill it with 0xffffffff (no
      // pool has that handle; the pool's alloc refuses it) so consumers never see a stale value
      // that would be a handle twice (ring.rs enqueue does the same).
      const t = Atomics.load(i32, h + PROD_TAIL);
      if (((head - t) >>> 0) <= this.capacity) for (let i = t; i !== head; i = (i + 1) | 0) u32[s + (i & mask)] = 0xffffffff;
    }
    // Release (seq-cst: several producers hand prod_tail on in turn): pairs with the consumers'
    // Acquire of prod_tail and the next producer's wait above.
    Atomics.store(i32, h + PROD_TAIL, (head + n) | 0);
    if (sleeping(i32, h + WAITERS)) this.wake();
    return n;
  }

  /** Dequeue up to n into dst[at..) when other consumers may dequeue concurrently. */
  dequeueMc(dst: Uint32Array, at: number, n: number, bulk = false): number {
    if (CHECKS && ((n >>> 0) !== n || (at >>> 0) !== at || n > dst.length - at)) n = fitAt(n, at, dst.length);
    this.consHeld = false;
    const i32 = this.i32, h = this.h;
    let head: number;
    for (;;) {
      head = Atomics.load(i32, h + CONS_HEAD);
      // Acquire: pairs with producers' Release of prod_tail.
      const avail = (Atomics.load(i32, h + PROD_TAIL) - head) | 0;
      let m = n;
      if (avail < m) {
        if (bulk) return 0;
        m = avail;
      }
      if (m <= 0) return 0;
      // CAS reserves [head, head+m): pairs with other consumers' CAS on cons_head.
      if (Atomics.compareExchange(i32, h + CONS_HEAD, head, (head + m) | 0) === head) {
        n = m;
        break;
      }
    }
    const u32 = this.u32, s = this.s, mask = this.mask;
    for (let k = 0; k < n; k++) dst[at + k] = u32[s + ((head + k) & mask)]!;
    // Release in reservation order; an earlier consumer that died holding [tail, head) is taken
    // over (what it was taking is lost to its hands: the pool's sweep, memory/reclaim.ts, finds it).
    if (Atomics.load(i32, h + CONS_TAIL) !== head) waitTail(i32, h + CONS_TAIL, head, this.capacity);
    Atomics.store(i32, h + CONS_TAIL, (head + n) | 0);
    if (sleeping(i32, h + PROD_WAITERS)) this.wake();
    return n;
  }

  // ---------------------------------------------------------------- idle behaviour
  /**
   * Consumer idle path: poll `spin` times, then sleep on the ring's futex (in the core) until a
   * producer publishes or timeoutMs passes. Returns entries available (0 on timeout).
   * Blocks the thread while asleep: use from workers.
   */
  waitReadable(opts: RingWaitOptions = {}): number {
    const spin = opts.spin ?? 2000;
    const i32 = this.i32, h = this.h;
    for (let k = 0; k < spin; k++) {
      const n = (Atomics.load(i32, h + PROD_TAIL) - i32[h + CONS_HEAD]!) | 0;
      if (n > 0) return n;
    }
    return native.ringWait(this.i32, this.byteOffset, false, 0, opts.timeoutMs ?? 100);
  }

  /** Producer back-pressure path: as waitReadable, for free slots. */
  waitWritable(opts: RingWaitOptions = {}): number {
    const spin = opts.spin ?? 2000;
    const i32 = this.i32, h = this.h;
    for (let k = 0; k < spin; k++) {
      const n = (this.capacity + Atomics.load(i32, h + CONS_TAIL) - i32[h + PROD_HEAD]!) | 0;
      if (n > 0) return n;
    }
    return native.ringWait(this.i32, this.byteOffset, true, 0, opts.timeoutMs ?? 100);
  }
}

/** A ring in its own shared region; create in one thread, `attach` by id in others. */
export class RingRegion {
  private constructor(readonly id: number, readonly view: MemoryView, readonly ring: Ring, private owner: boolean) {}

  static create(capacity: number, name = 'ring'): RingRegion {
    const id = native.ringCreate(capacity, name);
    return RingRegion.attach(id, true);
  }

  static attach(id: number, owner = false): RingRegion {
    const view = native.mapView(id);
    return new RingRegion(id, view, new Ring(view, 0, id), owner);
  }

  /** Releases this thread's view; the owner also drops the core's reference. */
  close(): void {
    native.unmapView(this.view);
    if (this.owner) native.objectClose(this.id);
    this.owner = false;
  }
}
