// The MAC table of a learning switch: 48-bit MAC -> port, with a last-seen time per entry.
// Open addressing with linear probing over preallocated typed arrays (keys as two numbers: the
// high 16 and low 32 bits), so a lookup or a learn allocates nothing. Capacity is the next power
// of two >= 2 x maxEntries (load factor <= 0.5 keeps probe runs short). Deletion is backward-shift
// (Knuth 6.4 Algorithm R), so there are no tombstones and the table never degrades.
//
// Ageing: an entry older than ageMs is treated as absent by lookups at once (forwarding is exact
// in time); sweep() reclaims such entries a chunk of slots at a time from tick(), so the work per
// millisecond is bounded whatever the table size.

export class MacTable {
  readonly capacity: number;
  private readonly mask: number;
  private readonly hi: Int32Array; // high 16 bits of the MAC, -1 = empty slot
  private readonly lo: Int32Array; // low 32 bits (as int32)
  private readonly port: Int16Array;
  private readonly seen: Float64Array;
  private live = 0;
  private cursor = 0;

  constructor(readonly maxEntries: number, public ageMs: number) {
    let cap = 16;
    while (cap < maxEntries * 2) cap *= 2;
    this.capacity = cap;
    this.mask = cap - 1;
    this.hi = new Int32Array(cap).fill(-1);
    this.lo = new Int32Array(cap);
    this.port = new Int16Array(cap);
    this.seen = new Float64Array(cap);
  }

  /** Entries held (some may be expired and not yet swept). */
  get size(): number {
    return this.live;
  }

  private slot(hi: number, lo: number): number {
    // Fibonacci-style mix of both halves; locally administered MACs often differ in a few bits only.
    const x = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
    return (x ^ (x >>> 15)) & this.mask;
  }

  /** Port of MAC (hi, lo), or -1 if unknown or aged out at `now`. */
  lookup(hi: number, lo: number, now: number): number {
    const H = this.hi, L = this.lo, m = this.mask;
    for (let i = this.slot(hi, lo); ; i = (i + 1) & m) {
      const h = H[i]!;
      if (h === -1) return -1;
      if (h === hi && L[i] === lo) return now - this.seen[i]! > this.ageMs ? -1 : this.port[i]!;
    }
  }

  /**
   * Learns MAC (hi, lo) on `port` at `now` (moves it if it was elsewhere). Returns false when it is
   * new and the table holds maxEntries already (not learned).
   */
  learn(hi: number, lo: number, port: number, now: number): boolean {
    const H = this.hi, L = this.lo, m = this.mask;
    let i = this.slot(hi, lo);
    for (; ; i = (i + 1) & m) {
      const h = H[i]!;
      if (h === -1) break;
      if (h === hi && L[i] === lo) {
        this.port[i] = port;
        this.seen[i] = now;
        return true;
      }
    }
    if (this.live >= this.maxEntries) return false;
    H[i] = hi;
    L[i] = lo;
    this.port[i] = port;
    this.seen[i] = now;
    this.live++;
    return true;
  }

  /** Removes the entry in slot i and closes the gap (backward shift). */
  private remove(i: number): void {
    const H = this.hi, L = this.lo, P = this.port, S = this.seen, m = this.mask;
    let j = i;
    for (;;) {
      j = (j + 1) & m;
      if (H[j] === -1) break;
      const home = this.slot(H[j]!, L[j]!);
      // Move j into the hole at i unless j's home lies cyclically in (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        H[i] = H[j]!;
        L[i] = L[j]!;
        P[i] = P[j]!;
        S[i] = S[j]!;
        i = j;
      }
    }
    H[i] = -1;
    this.live--;
  }

  /** Reclaims expired entries among the next `slots` slots (round robin). Returns how many. */
  sweep(now: number, slots: number): number {
    const H = this.hi, S = this.seen, m = this.mask, age = this.ageMs;
    let freed = 0;
    for (let k = 0; k < slots && k < this.capacity; k++) {
      const i = this.cursor;
      if (H[i] !== -1 && now - S[i]! > age) {
        this.remove(i);
        freed++;
        // The shift may have moved another entry into i: look at i again.
        continue;
      }
      this.cursor = (i + 1) & m;
    }
    return freed;
  }

  /** Forgets everything. */
  clear(): void {
    this.hi.fill(-1);
    this.live = 0;
  }
}
