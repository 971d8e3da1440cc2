// Packet buffer pools, TypeScript side.
//
// `Pool` is the owner's handle (create, stats, audit, close). `PoolView` is one thread's way in:
// its own mapping of the pool's memfd (never a pointer shared with another buffer object), its own
// user slot with a cache in front of the shared free ring (DPDK's mempool cache), and typed views
// for reading and writing packet bytes in place. The cache algorithm is the same as
// crates/core/src/mempool/cache.rs; the layout is memory/layout.ts (checked against Rust).
import { native, type MemoryView } from '../native.js';
import { Codes, invalid } from '../errors.js';
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
}

export interface PoolStats {
  total: number;
  ringFree: number;
  cached: number;
  inUse: number;
  allocs: number;
  frees: number;
  allocFail: number;
  users: number;
}

const warned = new Set<string>();
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
    const r = native.poolCreate({
      name: opts.name,
      buffers: opts.buffers ?? 8192,
      dataRoom: opts.dataRoom,
      headroom: opts.headroom,
      cacheSize: opts.cacheSize,
      hugepages: opts.hugepages,
      lock: opts.lock,
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
      users: s.users,
    };
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

export class PoolView {
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly dv: DataView;
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
  closed = false;
  /** Burst size with the memcpy fast path (see cacheSub); 0 until chosen. */
  private fastN = 0;
  private readonly subs: Array<Uint32Array | undefined> = [];

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
      len += this.free.dequeueMc(u32, c + len, want);
    }
    const take = n < len ? n : len;
    if (take === this.fastN) out.set(this.cacheSub(len - take));
    else for (let k = 0, from = c + len - take; k < take; k++) out[k] = u32[from + k]!;
    this.len = len - take;
    this.allocs += take;
    if (take < n) this.fail += n - take;
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

  /** Requests larger than the cache go to the shared ring directly (then the cache tops up). */
  private allocLarge(out: Uint32Array, n: number): number {
    let got = this.free.dequeueMc(out, 0, n);
    const u32 = this.u32, c = this.c;
    while (got < n && this.len > 0) out[got++] = u32[c + --this.len]!;
    this.allocs += got;
    if (got < n) this.fail += n - got;
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

  /** Returns src[0..n) to the pool. The handles must be this pool's and owned by the caller. */
  freeBurst(src: Uint32Array, n: number, at = 0): void {
    const u32 = this.u32, c = this.c;
    let len = this.len;
    this.frees += n;
    if (len + n > L.POOL_CACHE_MAX) {
      for (let done = 0; done < n; ) done += this.free.enqueueMp(src, at + done, n - done);
    } else {
      if (n === this.fastN && at === 0 && src.length === n) this.cacheSub(len).set(src);
      else for (let k = 0; k < n; k++) u32[c + len + k] = src[at + k]!;
      len += n;
      if (len > this.flushAt) {
        // Flush the excess over the cache size in one burst.
        const keep = this.size;
        for (let done = keep; done < len; ) done += this.free.enqueueMp(u32, c + done, len - done);
        len = keep;
      }
      this.len = len;
    }
    this.publish();
  }

  /** Buffers in this thread's cache. */
  cached(): number {
    return this.len;
  }

  /** Pushes the cache back to the shared ring. */
  flush(): void {
    for (let done = 0; done < this.len; ) done += this.free.enqueueMp(this.u32, this.c + done, this.len - done);
    this.len = 0;
    this.publish();
  }

  /** Flushes the cache, releases the user slot and unmaps this thread's view. */
  close(): void {
    if (this.closed) return;
    this.flush();
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
