// A link inside one worker: a counted array of buffer handles between two apps (Snabb's link,
// VPP's frame). No atomics: sender and receiver run on the same thread.
//
// Why not a wrapping ring: the engine hands a link's whole content to its receiver in one push
// and the receiver owns those packets from then on, so every link is empty again after its
// receiver ran. Writes therefore always start at 0 and never wrap; the "ring" degenerates into an
// array plus a count, and a push can give the receiver the link's own array (no copy out).
// Packets sent to a link whose receiver already ran in this breath (a cycle, or a sender later in
// the order) wait for the next breath.
//
// Hand-off without copying (VPP passes frames the same way): while a receiver runs, the engine
// marks the array it was given as lent. If the receiver sends that very array, whole, to an empty
// output link, the two links swap arrays instead of copying handles, so a pass-through app
// (macswap, a counter, a TTL decrement) moves a burst with no copy at all. After `send`, the
// handles belong to the link: the sender must not write that array again in this push.
//
// A full link drops what does not fit (Snabb does too) and counts it: nothing blocks inside a
// worker, and every dropped buffer goes back to the pool.
import type { PoolView } from '../memory/pool.js';
import { APP_DROPPED, APP_REASONS, LINK_FULL, LINK_SENT, REASON_UNCONNECTED } from './counters.js';

// Counting: a link counts what it was sent (sent), what it could not take (full) and, through the
// engine, what it delivered; an app's packets out and in are the sums over its links, added up by
// the reader (counters.ts), so each hop costs two counter updates, not four.

/** Handles a link holds at most (Snabb's link size). Every link has the same, so arrays can swap. */
export const LINK_CAPACITY = 1024;

/** Engine state the links of one engine share: which array is lent to the app running now. */
export interface LendState {
  lent: Uint32Array | null;
  lender: Link | null;
}

export class Link {
  /** Handles waiting for the receiver: buf[0..n). Read by the engine only. */
  buf: Uint32Array;
  n = 0;
  /** Counter indices in `ctr`: this link's block (or -1 for an unconnected output) and the
   *  sending app's block. */
  private readonly lb: number;
  ab: number;

  /**
   * @param name  "app.output -> app.input", or "app.output (unconnected)"
   * @param cap   LINK_CAPACITY for a real link, 0 for an unconnected output (drops all, counted
   *              on the sending app as reason 'unconnected')
   */
  constructor(
    readonly name: string,
    cap: number,
    readonly pool: PoolView,
    private readonly ctr: Float64Array,
    linkBase: number,
    appBase: number,
    private readonly lend: LendState,
  ) {
    this.buf = new Uint32Array(cap);
    this.lb = linkBase;
    this.ab = appBase;
  }

  get capacity(): number {
    return this.buf.length;
  }

  /** Room left for send without a drop. */
  room(): number {
    return this.buf.length - this.n;
  }

  /**
   * Puts hs[at .. at+n) on the link. What does not fit is freed and counted. Never throws,
   * allocates nothing. The handles are the link's afterwards.
   */
  send(hs: Uint32Array, n: number, at = 0): void {
    if (n <= 0) return;
    const c = this.ctr;
    const l = this.lend;
    if (this.n === 0 && at === 0 && hs === l.lent && this.buf.length !== 0) {
      // The receiver forwards the burst it was given: swap arrays (see the file comment).
      const lender = l.lender!;
      lender.buf = this.buf;
      this.buf = hs;
      l.lent = null;
      this.n = n;
      c[this.lb + LINK_SENT] = c[this.lb + LINK_SENT]! + n;
      return;
    }
    const buf = this.buf;
    let w = this.n;
    const fit = buf.length - w < n ? buf.length - w : n;
    for (let k = 0; k < fit; k++) buf[w++] = hs[at + k]!;
    this.n = w;
    if (fit < n) this.overflow(hs, at + fit, n - fit);
    if (fit > 0) c[this.lb + LINK_SENT] = c[this.lb + LINK_SENT]! + fit;
  }

  /**
   * Zero-copy fill (AF_XDP's reserve/submit): a source that finds the link empty (`n === 0`) may
   * write up to `capacity` handles straight into `buf` from index 0, then submit how many.
   */
  submit(k: number): void {
    if (k <= 0) return;
    this.n += k;
    const c = this.ctr;
    c[this.lb + LINK_SENT] = c[this.lb + LINK_SENT]! + k;
  }

  /** Puts one handle on the link (dropped and counted when full). */
  sendOne(h: number): void {
    const c = this.ctr;
    if (this.n < this.buf.length) {
      this.buf[this.n++] = h;
      c[this.lb + LINK_SENT] = c[this.lb + LINK_SENT]! + 1;
    } else {
      this.overflow1(h);
    }
  }

  private overflow(hs: Uint32Array, at: number, n: number): void {
    this.pool.freeBurst(hs, n, at);
    this.countDrop(n);
  }

  private overflow1(h: number): void {
    scratch1[0] = h;
    this.pool.freeBurst(scratch1, 1);
    this.countDrop(1);
  }

  private countDrop(n: number): void {
    const c = this.ctr;
    if (this.lb >= 0) {
      c[this.lb + LINK_FULL] = c[this.lb + LINK_FULL]! + n;
    } else {
      c[this.ab + APP_DROPPED] = c[this.ab + APP_DROPPED]! + n;
      c[this.ab + APP_REASONS + REASON_UNCONNECTED] = c[this.ab + APP_REASONS + REASON_UNCONNECTED]! + n;
    }
  }

  /** Frees whatever the link holds (the link is being removed, or the engine stops). */
  drain(): number {
    const n = this.n;
    if (n > 0) this.pool.freeBurst(this.buf, n);
    this.n = 0;
    return n;
  }
}

const scratch1 = new Uint32Array(1);
