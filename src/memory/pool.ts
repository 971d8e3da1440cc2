// Packet buffer pools, TypeScript side.
//
// `Pool` is the owner's handle (create, stats, audit, close). `PoolView` is one thread's way in:
// its own mapping of the pool's memfd (never a pointer shared with another buffer object), its own
// user slot with a cache in front of the shared free ring (DPDK's mempool cache), and typed views
// for reading and writing packet bytes in place. The cache algorithm is the same as
// crates/core/src/mempool/cache.rs; the layout is memory/layout.ts (checked against Rust).
import { native, type MemoryView } from '../native.js';
import { Codes, RingwayError, invalid } from '../errors.js';
import { CHECKS, debugMbuf } from '../checks.js';
import { Ring } from '../ring/ring.js';
import * as L from './layout.js';

export interface PoolOptions {
  name?: string;
  /** Usable buffers (default 8192). */
  buffers?: number;
  /** Data bytes per buffer (default 2048). */
  dataRoom?: number;
  /** Bytes before the data for prepending headers (default 128). */
  headroom?: number;
  /** Per-user cache size (default 256). */
  cacheSize?: number;
  /** 'auto' (default): hugepages when reserved, else locked ordinary pages with one warning. */
  hugepages?: 'auto' | 'require' | 'never';
  /** 'best-effort' (default) or 'required' (memory a device will DMA into). */
  lock?: 'best-effort' | 'required';
  /** Per-buffer ownership checks (DPDK's mempool debug cookies): a double free is refused and
   *  reported by handle and thread, `owners()` names leaks. Default: RINGWAY_DEBUG=mbuf. Slower. */
  debug?: boolean;
}

/** A buffer handed out and not returned (debug mode), with the thread that took it. */
export interface BufferOwner {
  handle: number;
  /** pool user slot (64 = none) */
  slot: number;
  /** kernel thread id of the thread that took it */
  tid: number;
}

export interface PoolStats {
  total: number;
  ringFree: number;
  cached: number;
  inUse: number;
  allocs: number;
  frees: number;
  allocFail: number;
  /** Handles refused on free: not a buffer of this pool (boundary check). */
  badHandles: number;
  /** Frees refused as double frees (debug mode: exact; otherwise surplus over a full free ring, dropped). */
  doubleFrees: number;
  users: number;
}

const warned = new Set<string>();
/** Source arrays whose head view freeBurst keeps (see headOf). */
const HEADS = 16;
const threadViews = new Map<number, { view: PoolView; refs: number }>();

export class Pool {
  private open = true;
  private constructor(
    readonly id: number,
    readonly bytes: number,
    readonly huge: boolean,
    readonly locked: boolean,
  ) {}

  static create(opts: PoolOptions = {}): Pool {
    checkOptions(opts);
    const r = native.poolCreate({
      name: opts.name,
      buffers: opts.buffers ?? 8192,
      dataRoom: opts.dataRoom,
      headroom: opts.headroom,
      cacheSize: opts.cacheSize,
      hugepages: opts.hugepages,
      lock: opts.lock,
      debug: opts.debug ?? debugMbuf(),
    });
    // One warning line per process and kind, not per pool.
    if (r.warning && !warned.has('huge')) {
      warned.add('huge');
      process.emitWarning(r.warning, { code: 'RINGWAY_NO_HUGEPAGES' });
    }
    return new Pool(r.id, r.bytes, r.huge, r.locked);
  }

  /** A view for the calling thread (workers: `PoolView.attach(pool.id)`). */
  view(): PoolView {
    return PoolView.attach(this.id);
  }

  stats(): PoolStats {
    const s = native.poolStats(this.id);
    return {
      total: s.total,
      ringFree: s.ringFree,
      cached: s.cached,
      inUse: s.inUse,
      allocs: s.allocs,
      frees: s.frees,
      allocFail: s.allocFail,
      badHandles: s.badHandles,
      doubleFrees: s.doubleFrees,
      users: s.users,
    };
  }

  /** Debug mode: every buffer handed out and not returned, with the thread that took it (when
   *  the pipeline is quiescent, these are the leaks). Throws for a pool made without debug mode. */
  owners(): BufferOwner[] {
    return native.poolDebugInUse(this.id);
  }

  /** Walks the free ring and every cache: buffers found nowhere (in use or leaked) and duplicates. */
  audit(): { missing: number; duplicates: number } {
    return native.poolAudit(this.id);
  }

  /** Returns the cache of a user slot whose thread died to the shared ring (crash recovery). */
  reclaimUser(slot: number): void {
    native.poolReleaseUser(this.id, slot);
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    native.objectClose(this.id);
  }
}

const POSITIVE_INT: ReadonlyArray<keyof PoolOptions> = ['buffers', 'dataRoom', 'headroom', 'cacheSize'];

/** Option types and ranges checked before they reach N-API (whose conversion would wrap -1 to
 *  4294967295 or reject a string with a message that names no option). */
function checkOptions(opts: PoolOptions): void {
  if (opts === null || typeof opts !== 'object') throw invalid('Pool.create options must be an object such as { buffers: 8192 }');
  for (const k of POSITIVE_INT) {
    const v = opts[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw invalid(`pool option ${k}: ${JSON.stringify(v)} is not a whole number of ${k === 'buffers' ? 'buffers' : k === 'cacheSize' ? 'buffers' : 'bytes'}; e.g. ${k}: ${k === 'buffers' ? 8192 : k === 'dataRoom' ? 2048 : k === 'headroom' ? 128 : 256}`);
    }
  }
  if (opts.name !== undefined && (typeof opts.name !== 'string' || opts.name.length > 200)) {
    throw invalid('pool option name: must be a string of at most 200 characters');
  }
  if (opts.debug !== undefined && typeof opts.debug !== 'boolean') throw invalid('pool option debug: must be true or false');
}

let warnedBad = false;
function warnOnce(code: string, msg: string, first: boolean): void {
  if (first) process.emitWarning(msg, { code });
}

export class PoolView {
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly dv: DataView;
  /**
   * The region from the first buffer on (bufBase): buffer h's metadata starts at word
   * `h * (stride >> 2)` of b32 and half-word `h * (stride >> 1)` of b16. Hot loops index these
   * instead of u32/u16 so that they carry no base offset: V8 keeps a typed array in three
   * registers (base, external pointer, length) and the loops of null TX or MacSwap already spill
   * (docs/benchmarks.md, "what the loops cost"); one register less is measurable.
   */
  readonly b32: Uint32Array;
  readonly b16: Uint16Array;
  /** The same as 8-byte words (buffer h's metadata at `h * (stride >> 3)`): one store writes
   *  two 32-bit metadata fields (null RX). */
  readonly b64: Float64Array;
  readonly stride: number;
  readonly bufBase: number;
  readonly headroom: number;
  readonly dataRoom: number;
  readonly total: number;
  readonly slot: number;
  private readonly free: Ring;
  // cache state (the cache array itself lives in the user slot, so audit() can see it)
  private len = 0;
  private readonly size: number;
  private readonly flushAt: number;
  private readonly c: number; // cache[0] index in u32
  private readonly lenIdx: number;
  private readonly cntIdx: number; // allocs at f64[cntIdx], frees +1, fail +2
  private allocs: number;
  private frees: number;
  private fail: number;
  private bad: number;
  private dbl: number;
  /** slots laid out (handles are < nSlots; a few straddling 2 MiB are not buffers) */
  readonly nSlots: number;
  /** debug mode: per-buffer ownership states (layout.ts META_DBG) */
  readonly debug: boolean;
  /** this thread's tid (debug reports) */
  readonly tid: number;
  /** ok[h] === 1 iff h is a buffer of this pool (the free-path check: one load per handle) */
  readonly ok: Uint8Array;
  /**
   * lenIx[h]: the b16 index of buffer h's data length, -1 where h is no buffer (undefined past
   * the table: read it as `lenIx[h] ?? -1`). A TX loop that sums lengths through it checks every
   * handle for free: a foreign one reads undefined and turns the sum into NaN (null port TX,
   * ring port TX). 4 bytes a slot per thread view (32 KiB for the default pool).
   */
  readonly lenIx: Int32Array;
  closed = false;
  /** Burst size with the memcpy fast path (see cacheSub); 0 until chosen. */
  private fastN = 0;
  private readonly subs: Array<Uint32Array | undefined> = [];
  private readonly heads: Uint32Array[] = [];

  private constructor(readonly poolId: number, readonly buffer: MemoryView) {
    this.u8 = new Uint8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.dv = new DataView(buffer);
    const hdr = (o: number) => this.u32[o >> 2]!;
    if (hdr(L.POOL_HDR_MAGIC) !== L.POOL_MAGIC || hdr(L.POOL_HDR_VERSION) !== L.POOL_VERSION) {
      throw invalid(`object ${poolId} is not a ringway pool of layout version ${L.POOL_VERSION}`);
    }
    this.stride = hdr(L.POOL_HDR_STRIDE);
    this.bufBase = hdr(L.POOL_HDR_BUF_BASE);
    if (this.bufBase % 8 !== 0 || this.stride % 8 !== 0) throw invalid(`pool ${poolId}: buffer base ${this.bufBase} and stride ${this.stride} must be 8-aligned (layout drift)`);
    this.b32 = new Uint32Array(buffer, this.bufBase, (buffer.byteLength - this.bufBase) >> 2);
    this.b16 = new Uint16Array(buffer, this.bufBase, (buffer.byteLength - this.bufBase) >> 1);
    this.b64 = new Float64Array(buffer, this.bufBase, (buffer.byteLength - this.bufBase) >> 3);
    this.headroom = hdr(L.POOL_HDR_HEADROOM);
    this.dataRoom = hdr(L.POOL_HDR_DATA_ROOM);
    this.total = hdr(L.POOL_HDR_N_BUFS);
    this.size = hdr(L.POOL_HDR_CACHE_SIZE);
    this.flushAt = (this.size * 3) >> 1;
    this.free = new Ring(buffer, hdr(L.POOL_HDR_RING_OFF), poolId);
    this.slot = native.poolClaimUser(poolId);
    const u = L.POOL_USERS_OFF + this.slot * L.POOL_USER_SIZE;
    this.c = (u + L.POOL_U_CACHE) >> 2;
    this.lenIdx = (u + L.POOL_U_CACHE_LEN) >> 2;
    this.cntIdx = (u + L.POOL_U_ALLOCS) >> 3;
    this.len = this.u32[this.lenIdx]!;
    this.allocs = this.f64[this.cntIdx]!;
    this.frees = this.f64[this.cntIdx + 1]!;
    this.fail = this.f64[this.cntIdx + 2]!;
    this.bad = this.f64[this.cntIdx + 3]!;
    this.dbl = this.f64[this.cntIdx + 4]!;
    this.nSlots = hdr(L.POOL_HDR_N_SLOTS);
    this.debug = (hdr(L.POOL_HDR_FLAGS) & L.POOL_F_DEBUG) !== 0;
    this.tid = this.u32[(u + L.POOL_U_TID) >> 2]!;
    // n_slots bytes per thread view (8 KiB for the default pool): cheaper in the hot loop than
    // recomputing the 2 MiB test of every handle.
    this.ok = new Uint8Array(this.nSlots);
    this.lenIx = new Int32Array(this.nSlots).fill(-1);
    const sh = this.stride >> 1, hLen = L.META_DATA_LEN >> 1;
    for (let h = 0; h < this.nSlots; h++) {
      if (!this.valid(h)) continue;
      this.ok[h] = 1;
      this.lenIx[h] = h * sh + hLen;
    }
  }

  /** Whether h names a buffer of this pool (pool.rs valid(): in range and not straddling 2 MiB). */
  valid(h: number): boolean {
    const o = this.bufBase + h * this.stride;
    return h < this.nSlots && h >= 0 && ((o ^ (o + this.stride - 1)) >>> 21) === 0;
  }

  /** Maps pool `poolId` for this thread and claims a user slot. */
  static attach(poolId: number): PoolView {
    return new PoolView(poolId, native.mapView(poolId));
  }

  /**
   * This thread's shared view of a pool, one per pool per thread, shared by every port of the
   * thread and reference-counted: each call takes a reference, releaseThreadView() returns it, and
   * the last release closes the view (its cache goes back to the shared ring). Ports do this
   * themselves on open/close.
   */
  static forThread(poolId: number): PoolView {
    let e = threadViews.get(poolId);
    if (!e || e.view.closed) {
      e = { view: PoolView.attach(poolId), refs: 0 };
      threadViews.set(poolId, e);
    }
    e.refs++;
    return e.view;
  }

  static releaseThreadView(poolId: number): void {
    const e = threadViews.get(poolId);
    if (e && --e.refs <= 0) {
      e.view.close();
      threadViews.delete(poolId);
    }
  }

  /** Closes every shared view of this thread, whatever holds them (end of a worker). */
  static closeThreadViews(): void {
    for (const e of threadViews.values()) e.view.close();
    threadViews.clear();
  }

  /** Byte offset (in this view) of buffer h's start (its metadata). */
  offset(h: number): number {
    return this.bufBase + h * this.stride;
  }

  /** Byte offset of the first packet byte of buffer h. */
  dataOffset(h: number): number {
    const o = this.bufBase + h * this.stride;
    return o + this.u16[(o + L.META_DATA_OFF) >> 1]!;
  }

  dataLen(h: number): number {
    return this.u16[(this.bufBase + h * this.stride + L.META_DATA_LEN) >> 1]!;
  }

  setDataLen(h: number, len: number): void {
    this.u16[(this.bufBase + h * this.stride + L.META_DATA_LEN) >> 1] = len;
  }

  /** Resets h's metadata to an empty packet at the default data offset (rte_pktmbuf_reset). */
  reset(h: number): void {
    const o = (this.bufBase + h * this.stride) >> 1;
    this.u16[o + (L.META_DATA_OFF >> 1)] = L.META_SIZE + this.headroom;
    this.u16[o + (L.META_DATA_LEN >> 1)] = 0;
  }

  private publish(): void {
    this.u32[this.lenIdx] = this.len;
    const f = this.f64, c = this.cntIdx;
    f[c] = this.allocs;
    f[c + 1] = this.frees;
    f[c + 2] = this.fail;
  }

  /**
   * Allocates up to n buffers into out[0..n) (burst). Returns how many; the shortfall is counted as
   * alloc failures (rx_nombuf). Never throws. Metadata is not reset (rx paths set data_off/len).
   */
  allocBurst(out: Uint32Array, n: number): number {
    const u32 = this.u32, c = this.c;
    let len = this.len;
    if (n > this.size) return this.allocLarge(out, n);
    if (this.fastN === 0 && n >= 8) this.fastN = n;
    if (len < n) {
      // Refill: one burst from the shared ring, enough for this request plus a cache's worth.
      let want = this.size + n - len;
      if (len + want > L.POOL_CACHE_MAX) want = L.POOL_CACHE_MAX - len;
      const got = this.free.dequeueMc(u32, c + len, want);
      len = CHECKS ? this.keepBuffers(c, len, got) : len + got;
    }
    const take = n < len ? n : len;
    if (take === this.fastN) out.set(this.cacheSub(len - take));
    else for (let k = 0, from = c + len - take; k < take; k++) out[k] = u32[from + k]!;
    this.len = len - take;
    this.allocs += take;
    if (take < n) this.fail += n - take;
    if (this.debug) this.debugTake(out, 0, take);
    this.publish();
    return take;
  }

  /**
   * Subarray cache[from .. from+fastN): for the burst size this thread uses most (the first one of
   * 8 or more it asks for), the cache copies by TypedArray.set (a memcpy) instead of an element
   * loop, about 2x faster at 32. Views are made once per position (at most POOL_CACHE_MAX), so
   * the hot path allocates nothing after warm-up.
   */
  private cacheSub(from: number): Uint32Array {
    let v = this.subs[from];
    if (v === undefined) {
      v = this.u32.subarray(this.c + from, this.c + from + this.fastN);
      this.subs[from] = v;
    }
    return v;
  }

  /**
   * src[0..fastN) as a view made once per source array: pipeline links hand bursts around in a
   * few long arrays (link.ts), so a handful of views serves them all and freeBurst keeps its
   * memcpy path. Past HEADS arrays (never seen in practice) a view is made per call.
   */
  private headOf(src: Uint32Array): Uint32Array {
    const hs = this.heads;
    for (let i = 0; i < hs.length; i += 2) if (hs[i] === src) return hs[i + 1]!;
    const v = src.subarray(0, this.fastN);
    if (hs.length < 2 * HEADS) hs.push(src, v);
    return v;
  }

  /**
   * What came out of the shared free ring, a[base+len .. base+len+got), kept only where it is a
   * buffer: the ring is written by every thread of every process on the pool, and a producer
   * that took over a dead one's reservation fills it with 0xffffffff (ring.ts waitTail). One load
   * per handle, per refill (not per burst). Refused values are counted as bad handles. Returns
   * the new length.
   */
  private keepBuffers(base: number, len: number, got: number, a: Uint32Array = this.u32): number {
    const ok = this.ok;
    let w = base + len;
    for (let k = base + len, end = base + len + got; k < end; k++) {
      const h = a[k]!;
      if (ok[h] === 1) a[w++] = h;
    }
    const kept = w - base - len;
    if (kept !== got) {
      this.bad += got - kept;
      this.f64[this.cntIdx + 3] = this.bad;
      warnOnce('RINGWAY_BAD_HANDLE', `ringway: pool ${this.poolId}: ${got - kept} value(s) in the shared free ring were no buffer (a peer that died mid-free, taken over; or a scribbled ring): refused, counted in stats().badHandles`, true);
    }
    return len + kept;
  }

  /** Requests larger than the cache go to the shared ring directly (then the cache tops up). */
  private allocLarge(out: Uint32Array, n: number): number {
    let got = this.free.dequeueMc(out, 0, n);
    if (CHECKS) got = this.keepBuffers(0, 0, got, out);
    const u32 = this.u32, c = this.c;
    while (got < n && this.len > 0) out[got++] = u32[c + --this.len]!;
    this.allocs += got;
    if (got < n) this.fail += n - got;
    if (this.debug) this.debugTake(out, 0, got);
    this.publish();
    return got;
  }

  /** All-or-nothing allocation. */
  allocBulk(out: Uint32Array, n: number): boolean {
    const got = this.allocBurst(out, n);
    if (got === n) return true;
    this.freeBurst(out, got);
    this.allocs -= got;
    this.frees -= got;
    this.publish();
    return false;
  }

  /**
   * Returns src[at..at+n) to the pool; returns how many handles were refused (0 normally). Never
   * throws. The boundary checks (docs/reliability.md): a count past the array is cut to the
   * array; a handle that is no buffer of this pool is refused and counted (stats().badHandles),
   * never stored; the free ring is pushed to a bounded number of times, so a double free that
   * overflows it is counted (doubleFrees) and the surplus dropped instead of spinning forever. In
   * debug mode every handle's state is checked: a double free is refused and reported at once.
   */
  freeBurst(src: Uint32Array, n: number, at = 0): number {
    if (CHECKS && !this.trusted(src, n, at)) return this.freeChecking(src, n, at);
    this.freeTrusted(src, n, at);
    return 0;
  }

  /** The hot check: a whole count within the array, no debug mode, every handle a buffer (one
   *  load and compare each: ok[h] is 1 exactly for pool.rs valid(h), undefined past the end). */
  private trusted(src: Uint32Array, n: number, at: number): boolean {
    if ((n >>> 0) !== n || (at >>> 0) !== at || at + n > src.length || this.debug) return false;
    const ok = this.ok;
    for (let k = 0; k < n; k++) if (ok[src[at + k]!] !== 1) return false;
    return true;
  }

  /** freeBurst for a caller that already checked every handle (through `lenIx` or `ok`) and n
   *  against hs (the null port's TX loop); debug mode still checks ownership. */
  freeChecked(hs: Uint32Array, n: number): number {
    if (this.debug) return this.freeDebug(hs, n, 0);
    this.freeTrusted(hs, n, 0);
    return 0;
  }


  /** Slow path of freeBurst: a bad count, debug mode, or a handle to refuse. */
  private freeChecking(src: Uint32Array, n: number, at: number): number {
    if ((n >>> 0) !== n || (at >>> 0) !== at || at + n > src.length) return this.freeBadCount(src, n, at);
    if (this.debug) return this.freeDebug(src, n, at);
    return this.freeFiltered(src, n, at, 0);
  }

  private freeTrusted(src: Uint32Array, n: number, at: number): void {
    const u32 = this.u32, c = this.c;
    let len = this.len;
    this.frees += n;
    if (len + n > L.POOL_CACHE_MAX) {
      const done = this.pushFree(src, at, n);
      if (done < n) this.surplus(n - done);
    } else {
      if (n === this.fastN && at === 0) this.cacheSub(len).set(src.length === n ? src : this.headOf(src));
      else for (let k = 0; k < n; k++) u32[c + len + k] = src[at + k]!;
      len += n;
      if (len > this.flushAt) {
        // Flush the excess over the cache size in one burst.
        const keep = this.size;
        const done = this.pushFree(u32, c + keep, len - keep);
        if (done < len - keep) this.surplus(len - keep - done);
        len = keep;
      }
      this.len = len;
    }
    this.publish();
  }

  /** Bounded push into the shared free ring: stops when the ring refuses (it is full, which with
   *  a ring at least as large as the pool proves a double free: pool.rs push_free). */
  private pushFree(src: Uint32Array, at: number, n: number): number {
    let done = 0;
    while (done < n) {
      const m = this.free.enqueueMp(src, at + done, n - done);
      if (m === 0) break;
      done += m;
    }
    return done;
  }

  private surplus(k: number): void {
    this.dbl += k;
    this.f64[this.cntIdx + 4] = this.dbl;
    warnOnce('RINGWAY_DOUBLE_FREE', `ringway: pool ${this.poolId}: the free ring is full yet ${k} more buffers were freed: a double free (dropped; run with RINGWAY_DEBUG=mbuf to find which buffer and which thread)`, true);
  }

  private freeBadCount(src: Uint32Array, n: number, at: number): number {
    this.bad++;
    this.f64[this.cntIdx + 3] = this.bad;
    const room = (at >>> 0) === at ? src.length - at : 0;
    const m = n > room ? room : n >= 0 ? Math.floor(n) : 0;
    if (m <= 0) return 0;
    return this.freeBurst(src, m, at);
  }

  /** Slow path: frees the valid handles of src[at..at+n), refuses and counts the rest. */
  private freeFiltered(src: Uint32Array, n: number, at: number, refusedBefore: number): number {
    const ok = new Uint32Array(n); // error path: allocation is fine here
    let m = 0;
    for (let k = 0; k < n; k++) {
      const h = src[at + k]!;
      if (this.valid(h)) ok[m++] = h;
      else if (!warnedBad) {
        warnedBad = true;
        warnOnce('RINGWAY_BAD_HANDLE', `ringway: pool ${this.poolId}: freeBurst refused handle ${h}: not a buffer of this pool (counted in stats().badHandles; further ones are counted silently)`, true);
      }
    }
    this.bad += n - m;
    this.f64[this.cntIdx + 3] = this.bad;
    if (m > 0) {
      if (this.debug) return refusedBefore + n - m + this.freeDebug(ok, m, 0);
      this.freeTrusted(ok, m, 0);
    }
    return refusedBefore + n - m;
  }

  /** Debug mode: each handle must be USED (CAS to FREE, so of two racing frees one loses). */
  private freeDebug(src: Uint32Array, n: number, at: number): number {
    const u32 = this.u32, ok = new Uint32Array(n);
    let m = 0, refused = 0;
    for (let k = 0; k < n; k++) {
      const h = src[at + k]!;
      if (!this.valid(h)) return this.freeFiltered(src, n, at, 0);
      const w = (this.offset(h) + L.META_DBG) >> 2;
      const cur = Atomics.load(u32, w);
      if ((cur & 0xff) !== L.META_DBG_USED || Atomics.compareExchange(u32, w, cur, L.META_DBG_FREE | (this.slot << 8)) !== cur) {
        const now = Atomics.load(u32, w);
        refused++;
        process.emitWarning(
          `ringway debug: double free of buffer ${h} of pool ${this.poolId} by thread ${this.tid} (pool slot ${this.slot}); ` +
            `it was freed before by thread ${u32[w + 1]} (pool slot ${(now >> 8) & 0xff}). Refused.`,
          { code: 'RINGWAY_DOUBLE_FREE' },
        );
        continue;
      }
      u32[w + 1] = this.tid;
      ok[m++] = h;
    }
    if (refused > 0) {
      this.dbl += refused;
      this.f64[this.cntIdx + 4] = this.dbl;
    }
    if (m > 0) this.freeTrusted(ok, m, 0);
    return refused;
  }

  /** Debug mode: marks out[at..at+n) USED by this thread; reports any that were not FREE. */
  private debugTake(out: Uint32Array, at: number, n: number): void {
    const u32 = this.u32, mark = L.META_DBG_USED | (this.slot << 8);
    for (let k = 0; k < n; k++) {
      const h = out[at + k]!;
      const w = (this.offset(h) + L.META_DBG) >> 2;
      const prev = Atomics.exchange(u32, w, mark);
      const prevTid = u32[w + 1];
      u32[w + 1] = this.tid;
      if ((prev & 0xff) !== L.META_DBG_FREE) {
        process.emitWarning(
          `ringway debug: buffer ${h} of pool ${this.poolId} handed to thread ${this.tid} while still in use by thread ${prevTid} (pool slot ${(prev >> 8) & 0xff}): the free ring was written behind the checks`,
          { code: 'RINGWAY_BUFFER_IN_USE' },
        );
      }
    }
  }

  /** Buffers in this thread's cache. */
  cached(): number {
    return this.len;
  }

  /** Pushes the cache back to the shared ring. Throws ERR_RINGWAY_DOUBLE_FREE (after counting)
   *  when the ring could not take them all: more buffers were freed than the pool has. */
  flush(): void {
    const dropped = this.flushQuiet();
    if (dropped > 0) {
      throw new RingwayError(Codes.DOUBLE_FREE, `pool ${this.poolId}: the free ring is full yet ${dropped} cached buffers remained: a double free happened (they were dropped and counted in stats().doubleFrees); run with RINGWAY_DEBUG=mbuf to find the buffer and the thread`);
    }
  }

  private flushQuiet(): number {
    const done = this.pushFree(this.u32, this.c, this.len);
    const dropped = this.len - done;
    if (dropped > 0) {
      this.dbl += dropped;
      this.f64[this.cntIdx + 4] = this.dbl;
    }
    this.len = 0;
    this.publish();
    return dropped;
  }

  /** Flushes the cache, releases the user slot and unmaps this thread's view. */
  close(): void {
    if (this.closed) return;
    this.flushQuiet(); // counted; close runs at exit paths and must not throw
    this.closed = true;
    try {
      native.poolReleaseUser(this.poolId, this.slot);
    } catch (e) {
      // the pool's owner closed it first: nothing left to release the slot to
      if ((e as { code?: string }).code !== Codes.CLOSED) throw e;
    }
    native.unmapView(this.buffer);
  }
}
