// Longest-prefix match by controlled prefix expansion (Srinivasan & Varghese; DPDK's rte_lpm is
// the 24-8 case, "DIR-24-8" of Gupta, Lin & McKeown): a first table indexed by the top `first`
// bits of the address, then 256-entry groups for each further byte, allocated only where a prefix
// is longer than the level above. A lookup is one load per level it needs (IPv4: one load for
// prefixes up to /24, two beyond), never a loop over rules.
//
// Memory: one Int32Array holds both levels, as rte_lpm packs its tbl8 group index into the tbl24
// entry: the first level at [0, 2^first), then the groups, 256 entries each. A group is named by
// its block number b (its entries are [b*256, b*256+256)), so group g is block g + 2^first/256 and
// a lookup's next index is ((e & LOW) << 8) | next byte, the same formula at every level. One
// array rather than a first-level array and a group array is for V8's sake: TurboFan re-checks a
// typed array's map, length and data pointer at every access inside a loop (it does not hoist
// them), so every distinct array a lookup loop touches costs ~7 instructions per address, and a
// burst of independent cache misses overlaps only as far as the loop's instructions fit the CPU's
// reorder window. With one table the group load is a bare bounds check. The trade-off: growing
// the groups reallocates (and copies) the first level too, 64 MiB for IPv4, on the control path
// and only when the group count doubles; create the table with enough groups to avoid it.
//
// Entry (Int32, so V8 keeps it a small integer; one word like rte_lpm's tbl entry):
//   bit 31 VALID (the entry is negative), bit 30 GROUP (bits 0..21 are a block number, above),
//   bits 22..29 the depth of the prefix that wrote it (0..128), bits 0..21 the next hop.
// Next hops are therefore 0 .. 2^22-1, and groups 2^22 - 2^first/256 at most (IPv4: 4,128,768,
// a billion entries): enough.
//
// Updates (add/delete) while lookups continue, as rte_lpm orders them: a new group is filled
// completely before the entry that links it is written, and a group is unlinked (its parent entry
// rewritten) before it is recycled, so a lookup that interleaves with an update (a worker reading
// a shared table, or the same thread between bursts) sees the old or the new route, never a hole.
// Routes are also kept in a rule table (one Map per depth, as rte_lpm's rules_tbl) so a delete can
// put back the next-longer covering route, which is what rte_lpm_delete does.
//
// IPv4 uses first = 24 (rte_lpm: one load for nearly every route of a real table). IPv6 uses
// first = 16 then 8-bit groups: IPv6 tables are sparse (a few hundred thousand prefixes, most /32
// to /48), so a 2^24 first level would be 64 MiB of mostly copies; 16 bits keeps it at 256 KiB and
// a /48 costs 5 loads (rte_lpm6 uses 24 then 8, 4 loads for /48, at 64 MiB).
//
// Everything here except the lookups is the control path: it may allocate (a new rule, a grown
// group table) and throws RangeError on bad input. Lookups allocate nothing and never throw.

import { native } from '../../native.js';
import { LPM4_FIRST_BITS, LPM6_FIRST_BITS, LPM_DEPTH_SHIFT, LPM_GROUP_BIT, LPM_LOW_MASK } from './lpm-layout.js';

const VALID = -0x80000000 | 0; // bit 31
const GROUP = LPM_GROUP_BIT;
const DEPTH_SHIFT = LPM_DEPTH_SHIFT;
const LOW = LPM_LOW_MASK;
/** Largest next hop a table stores. */
export const MAX_NEXT_HOP = LOW;
/** What a lookup returns for no route. */
export const NO_ROUTE = -1;

const leaf = (nh: number, depth: number) => VALID | (depth << DEPTH_SHIFT) | nh;
const depthOf = (e: number) => (e >>> DEPTH_SHIFT) & 0xff;

export interface LpmOptions {
  /** Groups to allocate up front (they grow by doubling up to maxGroups). */
  groups?: number;
  /** Most 256-entry groups the table may use (rte_lpm's number_tbl8s). */
  maxGroups?: number;
}

/** A prefix trie over `bits`-bit keys given as big-endian bytes; see the file comment. */
export class StrideTrie {
  readonly bits: number;
  readonly first: number;
  /** Both levels (see the file comment). Replaced by a larger copy when the groups grow: read it
   *  again after any add (a lookup loop reads it once per burst). */
  table: Int32Array;
  /** Block number of group 0: 2^first / 256. */
  private readonly base: number;
  private groupCap: number;
  private readonly maxGroups: number;
  /** Recycled groups, by block number. */
  private readonly free: number[] = [];
  private nextGroup = 0;
  private used = 0;
  /** Routes by depth: key (masked prefix, hex) -> next hop. */
  private readonly rules: Map<string, number>[];
  private nRules = 0;

  constructor(bits: number, first: number, o: LpmOptions = {}) {
    if (first % 8 !== 0 || first < 8 || first > Math.min(bits, 24)) throw new RangeError(`first level ${first}: a multiple of 8 up to ${Math.min(bits, 24)}`);
    this.bits = bits;
    this.first = first;
    this.base = (1 << first) >>> 8;
    const most = LOW + 1 - this.base;
    this.maxGroups = o.maxGroups ?? 65536;
    if (!Number.isInteger(this.maxGroups) || this.maxGroups < 1 || this.maxGroups > most) throw new RangeError(`maxGroups ${this.maxGroups}: an integer 1..${most}`);
    this.groupCap = Math.max(1, Math.min(o.groups ?? 256, this.maxGroups));
    this.table = new Int32Array((1 << first) + this.groupCap * 256);
    this.rules = Array.from({ length: bits + 1 }, () => new Map<string, number>());
  }

  /** Number of routes. */
  get size(): number {
    return this.nRules;
  }

  /** Groups in use (rte_lpm's tbl8 usage). */
  get groupsUsed(): number {
    return this.used;
  }

  /** Adds or replaces the route key/depth -> nextHop. */
  add(key: Uint8Array, depth: number, nextHop: number): void {
    this.check(key, depth);
    if (!Number.isInteger(nextHop) || nextHop < 0 || nextHop > MAX_NEXT_HOP) throw new RangeError(`next hop ${nextHop}: an integer 0..${MAX_NEXT_HOP}`);
    const k = maskedHex(key, depth);
    const m = this.rules[depth]!;
    if (!m.has(k)) this.nRules++;
    m.set(k, nextHop);
    this.apply(key, depth, leaf(nextHop, depth), false);
  }

  /** Removes the route key/depth; returns false if there was none. The next-longer covering
   *  route (if any) takes over the addresses it covered. */
  delete(key: Uint8Array, depth: number): boolean {
    this.check(key, depth);
    const k = maskedHex(key, depth);
    const m = this.rules[depth]!;
    if (!m.has(k)) return false;
    m.delete(k);
    this.nRules--;
    let repl = 0;
    for (let d = depth - 1; d >= 0; d--) {
      const nh = this.rules[d]!.get(maskedHex(key, d));
      if (nh !== undefined) {
        repl = leaf(nh, d);
        break;
      }
    }
    this.apply(key, depth, repl, true);
    return true;
  }

  /** The route for key/depth exactly, or undefined. */
  get(key: Uint8Array, depth: number): number | undefined {
    this.check(key, depth);
    return this.rules[depth]!.get(maskedHex(key, depth));
  }

  /** Every route: [hex prefix, depth, next hop]. */
  *routes(): IterableIterator<[string, number, number]> {
    for (let d = 0; d <= this.bits; d++) for (const [k, nh] of this.rules[d]!) yield [k, d, nh];
  }

  /** Longest-prefix lookup of a key given as bytes at u8[off..]: next hop or NO_ROUTE. */
  lookupBytes(u8: Uint8Array, off: number): number {
    const f = this.first, t = this.table;
    let i = 0;
    for (let b = 0; b < f; b += 8) i = (i << 8) | u8[off + (b >> 3)]!;
    let e = t[i]!;
    let at = off + (f >> 3);
    while ((e & GROUP) !== 0) e = t[((e & LOW) << 8) | u8[at++]!]!;
    return e < 0 ? e & LOW : NO_ROUTE;
  }

  private check(key: Uint8Array, depth: number): void {
    if (key.length * 8 !== this.bits) throw new RangeError(`key of ${key.length} bytes; this table takes ${this.bits / 8}`);
    if (!Number.isInteger(depth) || depth < 0 || depth > this.bits) throw new RangeError(`prefix length ${depth}: 0..${this.bits}`);
  }

  /**
   * Writes `e` over the addresses key/depth covers: where an entry's depth is <= depth (add) or
   * == depth (delete; e is then the covering route or 0), descending into groups below.
   */
  private apply(key: Uint8Array, depth: number, e: number, del: boolean): void {
    let base = 0, off = 0, stride = this.first;
    const path: number[] = []; // the entries that link the groups on the way down, for collapse
    for (;;) {
      const idx = bitsAt(key, off, stride);
      if (depth <= off + stride) {
        const span = 2 ** (off + stride - depth);
        const start = idx - (idx % span);
        for (let i = start; i < start + span; i++) this.set(base + i, e, depth, del);
        break;
      }
      let cur = this.table[base + idx]!;
      if ((cur & GROUP) === 0) {
        // Delete: nothing longer was expanded below a leaf, unless two siblings of this depth
        // were folded into it (collapse); then it is expanded again to take one out.
        if (del && !(cur < 0 && depthOf(cur) === depth)) break;
        const b = this.allocGroup(); // may replace this.table by a larger copy
        const t = this.table;
        t.fill(cur, b << 8, (b << 8) + 256); // fill first, then link (readers never see a hole)
        t[base + idx] = GROUP | b;
        cur = GROUP | b;
      }
      path.push(base + idx);
      base = (cur & LOW) << 8;
      off += stride;
      stride = 8;
    }
    if (del) this.collapse(path);
  }

  private set(i: number, e: number, depth: number, del: boolean): void {
    const t = this.table;
    const cur = t[i]!;
    if ((cur & GROUP) !== 0) {
      const gb = (cur & LOW) << 8;
      for (let j = 0; j < 256; j++) this.set(gb + j, e, depth, del);
      if (del) this.collapseOne(i);
      return;
    }
    if (del ? cur < 0 && depthOf(cur) === depth : cur >= 0 || depthOf(cur) <= depth) t[i] = e;
  }

  /** After a delete: groups on the path whose 256 entries are now one leaf fold into the parent. */
  private collapse(path: number[]): void {
    for (let k = path.length - 1; k >= 0; k--) if (!this.collapseOne(path[k]!)) break;
  }

  private collapseOne(i: number): boolean {
    const t = this.table;
    const cur = t[i]!;
    if ((cur & GROUP) === 0) return true;
    const b = cur & LOW, gb = b << 8;
    const v = t[gb]!;
    if ((v & GROUP) !== 0) return false;
    for (let j = 1; j < 256; j++) if (t[gb + j] !== v) return false;
    t[i] = v; // unlink first, then recycle
    this.free.push(b);
    this.used--;
    return true;
  }

  /** A free group's block number. */
  private allocGroup(): number {
    const b = this.free.pop();
    if (b !== undefined) {
      this.used++;
      return b;
    }
    if (this.nextGroup >= this.groupCap) {
      if (this.groupCap >= this.maxGroups) throw new RangeError(`out of prefix groups (${this.maxGroups}); create the table with a larger maxGroups`);
      const cap = Math.min(this.groupCap * 2, this.maxGroups);
      const nt = new Int32Array((1 << this.first) + cap * 256);
      nt.set(this.table);
      this.table = nt;
      this.groupCap = cap;
    }
    this.used++;
    return this.base + this.nextGroup++;
  }
}

/** `n` bits of key starting at bit `off` (big-endian; n a multiple of 8 and <= 24). */
function bitsAt(key: Uint8Array, off: number, n: number): number {
  let v = 0;
  for (let b = 0; b < n; b += 8) v = v * 256 + key[(off + b) >> 3]!;
  return v;
}

function maskedHex(key: Uint8Array, depth: number): string {
  let s = '';
  for (let i = 0; i < key.length; i++) {
    const keep = depth >= (i + 1) * 8 ? 8 : depth > i * 8 ? depth - i * 8 : 0;
    const b = key[i]! & ((0xff00 >> keep) & 0xff);
    s += (b < 16 ? '0' : '') + b.toString(16);
  }
  return s;
}

/** IPv4 LPM: DIR-24-8 (rte_lpm). Addresses are unsigned 32-bit numbers (host order). */
export class Lpm4 {
  readonly trie: StrideTrie;
  private readonly k = new Uint8Array(4);

  constructor(o: LpmOptions = {}) {
    this.trie = new StrideTrie(32, LPM4_FIRST_BITS, o);
  }

  get size(): number {
    return this.trie.size;
  }

  add(ip: number, depth: number, nextHop: number): void {
    this.trie.add(this.key(ip), depth, nextHop);
  }

  delete(ip: number, depth: number): boolean {
    return this.trie.delete(this.key(ip), depth);
  }

  /** Next hop for ip, or NO_ROUTE. */
  lookup(ip: number): number {
    const t = this.trie.table;
    let e = t[ip >>> 8]!;
    if ((e & GROUP) !== 0) e = t[((e & LOW) << 8) | (ip & 0xff)]!;
    return e < 0 ? e & LOW : NO_ROUTE;
  }

  /**
   * rte_lpm_lookup_bulk: out[i] = next hop of ips[at + i] (NO_ROUTE for none), i < n. One N-API
   * call per burst into Rust (crates/core/src/lpm), which reads this table in place and has all
   * of the burst's first-level misses in flight at once (it prefetches them), which the JS loop
   * (lookupBurstJs) cannot: docs/apps.md, "Why one table and a native burst lookup". Arguments the native side refuses (a range past an array's
   * end, `out` overlapping `ips`) fall back to lookupBurstJs, so this never throws.
   */
  lookupBurst(ips: Uint32Array | Int32Array, out: Int32Array, n: number, at = 0): void {
    if (native.lpm4LookupBurst(this.trie.table, ips, at, out, n) !== n) this.lookupBurstJs(ips, out, n, at);
  }

  /**
   * lookupBurst in JS, without the N-API call (a burst of a few addresses, or a caller that
   * measures the two). One loop of independent loads; the constants are literals because an
   * exported `const` (NO_ROUTE) is a module cell that TurboFan loads and hole-checks at every use
   * inside the loop. Pass one array type (a Uint32Array) so that the loads stay monomorphic.
   */
  lookupBurstJs(ips: Uint32Array | Int32Array, out: Int32Array, n: number, at = 0): void {
    const t = this.trie.table;
    for (let i = 0; i < n; i++) {
      const ip = ips[at + i]!;
      let e = t[ip >>> 8]!;
      if ((e & 0x40000000) !== 0) e = t[((e & 0x3fffff) << 8) | (ip & 0xff)]!;
      out[i] = e < 0 ? e & 0x3fffff : -1;
    }
  }

  private key(ip: number): Uint8Array {
    if (!Number.isInteger(ip) || ip < -0x80000000 || ip > 0xffffffff) throw new RangeError(`IPv4 address ${ip}: a 32-bit integer`);
    const k = this.k;
    k[0] = ip >>> 24; k[1] = ip >>> 16; k[2] = ip >>> 8; k[3] = ip;
    return k;
  }
}

/** IPv6 LPM: 16-bit first level, then 8-bit groups (see the file comment). Keys are 16 bytes. */
export class Lpm6 {
  readonly trie: StrideTrie;

  constructor(o: LpmOptions = {}) {
    this.trie = new StrideTrie(128, LPM6_FIRST_BITS, { maxGroups: 1 << 20, ...o });
  }

  get size(): number {
    return this.trie.size;
  }

  add(addr: Uint8Array, depth: number, nextHop: number): void {
    this.trie.add(addr, depth, nextHop);
  }

  delete(addr: Uint8Array, depth: number): boolean {
    return this.trie.delete(addr, depth);
  }

  /** Next hop of the address at u8[off .. off+16), or NO_ROUTE. */
  lookup(u8: Uint8Array, off = 0): number {
    const t = this.trie.table;
    let e = t[(u8[off]! << 8) | u8[off + 1]!]!;
    let at = off + 2;
    while ((e & GROUP) !== 0) e = t[((e & LOW) << 8) | u8[at++]!]!;
    return e < 0 ? e & LOW : NO_ROUTE;
  }
}

/** Parses "a.b.c.d" into an unsigned 32-bit number; throws RangeError naming the text. */
export function parseIPv4(s: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) throw new RangeError(`${JSON.stringify(s)} is not an IPv4 address such as 192.0.2.1`);
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) throw new RangeError(`${JSON.stringify(s)} is not an IPv4 address (a part above 255)`);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

export function formatIPv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** Parses an IPv6 address (RFC 4291 §2.2 text forms, including "::" and a dotted IPv4 tail). */
export function parseIPv6(s: string): Uint8Array {
  const bad = () => new RangeError(`${JSON.stringify(s)} is not an IPv6 address such as 2001:db8::1`);
  let t = s.trim();
  const out = new Uint8Array(16);
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4) {
    const x = parseIPv4(v4[1]!);
    t = t.slice(0, -v4[1]!.length) + (x >>> 16).toString(16) + ':' + (x & 0xffff).toString(16);
  }
  const halves = t.split('::');
  if (halves.length > 2) throw bad();
  const part = (x: string) => (x === '' ? [] : x.split(':').map((h) => {
    if (!/^[0-9a-f]{1,4}$/i.test(h)) throw bad();
    return parseInt(h, 16);
  }));
  const head = part(halves[0]!);
  const rest = halves.length === 2 ? part(halves[1]!) : [];
  const words = halves.length === 2 ? [...head, ...new Array(Math.max(0, 8 - head.length - rest.length)).fill(0), ...rest] : head;
  if (words.length !== 8 || (halves.length === 2 && head.length + rest.length > 7)) throw bad();
  words.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return out;
}

export function formatIPv6(a: Uint8Array, off = 0): string {
  const w: string[] = [];
  for (let i = 0; i < 8; i++) w.push(((a[off + 2 * i]! << 8) | a[off + 2 * i + 1]!).toString(16));
  return w.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}

/** Parses "addr/len" for IPv4 or IPv6. */
export function parsePrefix(s: string): { v6: false; ip: number; depth: number } | { v6: true; addr: Uint8Array; depth: number } {
  const [a, l, extra] = s.trim().split('/');
  if (a === undefined || l === undefined || extra !== undefined || !/^\d{1,3}$/.test(l)) throw new RangeError(`${JSON.stringify(s)} is not a prefix such as 198.18.0.0/24 or 2001:db8::/32`);
  const depth = Number(l);
  if (a.includes(':')) {
    if (depth > 128) throw new RangeError(`${JSON.stringify(s)}: IPv6 prefix length 0..128`);
    return { v6: true, addr: parseIPv6(a), depth };
  }
  if (depth > 32) throw new RangeError(`${JSON.stringify(s)}: IPv4 prefix length 0..32`);
  return { v6: false, ip: parseIPv4(a), depth };
}
