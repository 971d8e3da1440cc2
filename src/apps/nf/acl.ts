// IPv4 5-tuple packet classifier: rules on source and destination prefixes, source and
// destination port ranges and a protocol value/mask, with priorities; a packet gets the first
// (highest-priority) matching rule, as rte_acl does.
//
// Structure: the bit-vector scheme of Lakshman & Stiliadis (SIGCOMM '98) with aggregated bit
// vectors (Baboescu & Varghese, ABV, SIGCOMM '01). Compilation cuts every field's value space into
// elementary intervals (no rule boundary inside one) and gives each interval a bit set of the
// rules that match it, bits in priority order. Classifying is one interval lookup per field
// (a table for ports and protocol, a binary search for addresses), then the AND of five bit
// sets, word by word, stopping at the first non-zero word: its lowest bit is the best rule. The
// aggregate (one bit per 32-rule word: "this word is non-zero") lets the AND skip the words where
// any field has no rule, so a packet costs the words that all five fields share, not all of them.
// Trade-off against rte_acl's multi-bit trie (a DFA over the key bytes): build is linear in
// rules x intervals and memory is intervals x rules / 8 bytes per address field (about 25 MB for
// 10,000 rules with distinct prefixes), but there is no state explosion and the code is small;
// lookups scale with the rule words a packet's fields share rather than a fixed trie depth.
//
// Rule files: the ClassBench format dpdk-test-acl and DPDK's l3fwd --lookup=acl read:
//   @<src>/<len> <dst>/<len> <sport_lo> : <sport_hi> <dport_lo> : <dport_hi> <proto>/<mask>
// with numbers as C's strtoul base 0 reads them (0x.. hex, 0.. octal); l3fwd's route lines
//   R<src>/<len> <dst>/<len> <sport_lo> : <sport_hi> <dport_lo> : <dport_hi> <proto>/<mask> <port>
// carry a trailing output port. Rule priority is file order (dpdk-test-acl gives rule n the
// priority MAX - n), '#' starts a comment line.

export interface AclRule {
  srcIp: number; srcLen: number;
  dstIp: number; dstLen: number;
  sportLo: number; sportHi: number;
  dportLo: number; dportHi: number;
  proto: number; protoMask: number;
  /** Higher wins; equal priorities go by order (earlier wins). */
  priority?: number;
  /** What the caller attaches (an action, an output port). */
  data?: number;
}

export interface ParsedRule extends AclRule {
  /** '@' (an ACL rule) or 'R' (an l3fwd route rule, data = its port). */
  kind: '@' | 'R';
  /** 1-based line in the file. */
  line: number;
}

/** No rule matched. */
export const NO_MATCH = -1;

const mask = (len: number) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

interface FieldTable {
  /** Bit set rows, W words each. */
  bits: Int32Array;
  /** Aggregate rows, A words each. */
  agg: Int32Array;
}

/** One bit-vector table over a subset of the rules (see the file comment). */
class BvTable {
  /** Rule index (into the classifier's rules) of every bit position. */
  private readonly order: Int32Array;
  private readonly W: number;
  private readonly A: number;
  private readonly src: FieldTable;
  private readonly dst: FieldTable;
  private readonly sp: FieldTable;
  private readonly dp: FieldTable;
  private readonly pr: FieldTable;
  /** Interval starts of the address fields (ascending), for the binary search. */
  private readonly srcPts: Float64Array;
  /** Row of the start of every /16 block of the address fields: the search narrows to the rows
   *  between two neighbouring entries (usually one or two) instead of all of them. */
  private readonly src16: Int32Array;
  private readonly dst16: Int32Array;
  private readonly dstPts: Float64Array;
  /** Port / protocol value -> row index. */
  private readonly spRow: Int32Array;
  private readonly dpRow: Int32Array;
  private readonly prRow: Int32Array;

  /** @param idx indices into rules, already in priority order */
  constructor(rules: readonly AclRule[], idx: number[]) {
    this.order = Int32Array.from(idx);
    const n = idx.length;
    this.W = Math.max(1, Math.ceil(n / 32));
    this.A = Math.ceil(this.W / 32);
    const ranked = idx.map((i) => rules[i]!);
    const s = buildRanges(ranked.map((r) => [(r.srcIp & mask(r.srcLen)) >>> 0, ((r.srcIp & mask(r.srcLen)) | ~mask(r.srcLen)) >>> 0]), 0xffffffff, this.W, this.A);
    const d = buildRanges(ranked.map((r) => [(r.dstIp & mask(r.dstLen)) >>> 0, ((r.dstIp & mask(r.dstLen)) | ~mask(r.dstLen)) >>> 0]), 0xffffffff, this.W, this.A);
    const sp = buildRanges(ranked.map((r) => [r.sportLo, r.sportHi]), 0xffff, this.W, this.A);
    const dp = buildRanges(ranked.map((r) => [r.dportLo, r.dportHi]), 0xffff, this.W, this.A);
    this.src = s.t; this.srcPts = s.pts;
    this.dst = d.t; this.dstPts = d.pts;
    this.src16 = blockRows(s.pts);
    this.dst16 = blockRows(d.pts);
    this.sp = sp.t; this.spRow = rowTable(sp.pts, 65536);
    this.dp = dp.t; this.dpRow = rowTable(dp.pts, 65536);
    // Protocol: a bit mask field; 256 values, each its own row.
    const pbits = new Int32Array(256 * this.W), pagg = new Int32Array(256 * this.A);
    ranked.forEach((r, bit) => {
      for (let v = 0; v < 256; v++) {
        if ((v & r.protoMask) === (r.proto & r.protoMask)) setBit(pbits, pagg, v, bit, this.W, this.A);
      }
    });
    this.pr = { bits: pbits, agg: pagg };
    this.prRow = Int32Array.from({ length: 256 }, (_, i) => i);
  }

  classify(proto: number, src: number, dst: number, sport: number, dport: number): number {
    const W = this.W, A = this.A;
    const sv = src >>> 0, dv = dst >>> 0;
    const rs = searchIn(this.srcPts, sv, this.src16[sv >>> 16]!, this.src16[(sv >>> 16) + 1]!);
    const rd = searchIn(this.dstPts, dv, this.dst16[dv >>> 16]!, this.dst16[(dv >>> 16) + 1]!);
    const rsp = this.spRow[sport & 0xffff]!, rdp = this.dpRow[dport & 0xffff]!, rp = this.prRow[proto & 0xff]!;
    const sb = this.src.bits, db = this.dst.bits, spb = this.sp.bits, dpb = this.dp.bits, pb = this.pr.bits;
    const sa = this.src.agg, da = this.dst.agg, spa = this.sp.agg, dpa = this.dp.agg, pa = this.pr.agg;
    const os = rs * W, od = rd * W, osp = rsp * W, odp = rdp * W, op = rp * W;
    const as = rs * A, ad = rd * A, asp = rsp * A, adp = rdp * A, ap = rp * A;
    for (let a = 0; a < A; a++) {
      let x = sa[as + a]! & da[ad + a]! & spa[asp + a]! & dpa[adp + a]! & pa[ap + a]!;
      while (x !== 0) {
        const low = x & -x;
        const w = (a << 5) + 31 - Math.clz32(low);
        const y = sb[os + w]! & db[od + w]! & spb[osp + w]! & dpb[odp + w]! & pb[op + w]!;
        if (y !== 0) return this.order[(w << 5) + 31 - Math.clz32(y & -y)]!;
        x ^= low;
      }
    }
    return NO_MATCH;
  }

  /** Bytes of compiled tables. */
  get bytes(): number {
    const t = [this.src, this.dst, this.sp, this.dp, this.pr];
    return t.reduce((s, x) => s + x.bits.byteLength + x.agg.byteLength, 0) + this.srcPts.byteLength + this.dstPts.byteLength + 3 * 65536 * 4;
  }
}

/**
 * The classifier: one cut on the top 8 bits of the destination address (HiCuts' first cut,
 * Gupta & McKeown 1999) in front of bit-vector tables, so a packet only ANDs the bit sets of the
 * rules whose destination can contain it (buckets with the same rule subset share one table).
 * With the rules of real ACLs clustered by destination, a packet scans a fraction of the words.
 */
export class AclClassifier {
  readonly rules: readonly AclRule[];
  private readonly tables: BvTable[] = [];
  private readonly bucket = new Int32Array(256);

  constructor(rules: readonly AclRule[]) {
    rules.forEach(checkRule);
    this.rules = rules;
    const idx = rules.map((_, i) => i);
    idx.sort((a, b) => (rules[b]!.priority ?? 0) - (rules[a]!.priority ?? 0) || a - b);
    const per: number[][] = Array.from({ length: 256 }, () => []);
    for (const i of idx) {
      const r = rules[i]!;
      if (r.dstLen >= 8) per[r.dstIp >>> 24]!.push(i);
      else {
        const first = (r.dstIp & mask(r.dstLen)) >>> 24, span = 1 << (8 - r.dstLen);
        for (let b = first; b < first + span; b++) per[b]!.push(i);
      }
    }
    const seen = new Map<string, number>();
    for (let b = 0; b < 256; b++) {
      const key = per[b]!.join(',');
      let t = seen.get(key);
      if (t === undefined) {
        t = this.tables.length;
        this.tables.push(new BvTable(rules, per[b]!));
        seen.set(key, t);
      }
      this.bucket[b] = t;
    }
  }

  /** Index (into `rules`) of the best rule matching the 5-tuple, or NO_MATCH. Addresses are
   *  unsigned 32-bit numbers in host order. */
  classify(proto: number, src: number, dst: number, sport: number, dport: number): number {
    return this.tables[this.bucket[dst >>> 24]!]!.classify(proto, src, dst, sport, dport);
  }

  /** Classifies n 5-tuples given as columns; out[i] = rule index or NO_MATCH. */
  classifyBurst(proto: Uint8Array, src: Uint32Array, dst: Uint32Array, sport: Uint16Array, dport: Uint16Array, out: Int32Array, n: number): void {
    const t = this.tables, bk = this.bucket;
    for (let i = 0; i < n; i++) out[i] = t[bk[dst[i]! >>> 24]!]!.classify(proto[i]!, src[i]!, dst[i]!, sport[i]!, dport[i]!);
  }

  /** Bytes of compiled tables. */
  get bytes(): number {
    return this.tables.reduce((s, t) => s + t.bytes, 0);
  }

  /** Distinct bit-vector tables (buckets share equal rule subsets). */
  get tableCount(): number {
    return this.tables.length;
  }
}

function checkRule(r: AclRule, i: number): void {
  const bad = (what: string) => new RangeError(`ACL rule ${i + 1}: ${what}`);
  for (const [k, v] of [['srcLen', r.srcLen], ['dstLen', r.dstLen]] as const) if (!Number.isInteger(v) || v < 0 || v > 32) throw bad(`${k} ${v}: 0..32`);
  for (const k of ['sportLo', 'sportHi', 'dportLo', 'dportHi'] as const) if (!Number.isInteger(r[k]) || r[k] < 0 || r[k] > 65535) throw bad(`${k} ${r[k]}: 0..65535`);
  if (r.sportLo > r.sportHi || r.dportLo > r.dportHi) throw bad('a port range with low > high');
  if (!Number.isInteger(r.proto) || r.proto < 0 || r.proto > 255 || !Number.isInteger(r.protoMask) || r.protoMask < 0 || r.protoMask > 255) throw bad('proto/mask: 0..255 each');
}

function setBit(bits: Int32Array, agg: Int32Array, row: number, bit: number, W: number, A: number): void {
  const w = bit >> 5;
  bits[row * W + w]! |= 1 << (bit & 31);
  agg[row * A + (w >> 5)]! |= 1 << (w & 31);
}

/** Elementary intervals of [lo, hi] ranges over 0..max and their rule bit sets. */
function buildRanges(ranges: Array<[number, number]>, max: number, W: number, A: number): { t: FieldTable; pts: Float64Array } {
  const set = new Set<number>([0]);
  for (const [lo, hi] of ranges) {
    set.add(lo);
    if (hi < max) set.add(hi + 1);
  }
  const pts = Float64Array.from([...set].sort((a, b) => a - b));
  const rows = pts.length;
  const bits = new Int32Array(rows * W), agg = new Int32Array(rows * A);
  ranges.forEach(([lo, hi], bit) => {
    const from = search(pts, lo), to = search(pts, hi);
    for (let r = from; r <= to; r++) setBit(bits, agg, r, bit, W, A);
  });
  return { t: { bits, agg }, pts };
}

/** Index of the last point <= v (points ascending, points[0] = 0). */
/** rows[t] = the row holding address t * 65536, for t = 0..65536 (the last = the last row). */
function blockRows(pts: Float64Array): Int32Array {
  const rows = new Int32Array(65537);
  let r = 0;
  for (let t = 0; t < 65536; t++) {
    const v = t * 65536;
    while (r + 1 < pts.length && pts[r + 1]! <= v) r++;
    rows[t] = r;
  }
  rows[65536] = pts.length - 1;
  return rows;
}

/** search() within rows lo..hi (the answer is known to lie there). */
function searchIn(pts: Float64Array, v: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pts[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function search(pts: Float64Array, v: number): number {
  let lo = 0, hi = pts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pts[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function rowTable(pts: Float64Array, size: number): Int32Array {
  const t = new Int32Array(size);
  let r = 0;
  for (let v = 0; v < size; v++) {
    while (r + 1 < pts.length && pts[r + 1]! <= v) r++;
    t[v] = r;
  }
  return t;
}

/** strtoul(s, base 0) as DPDK's parsers call it: 0x.. hex, 0.. octal, else decimal. */
function cNumber(s: string, max: number, what: string, line: number): number {
  const t = s.trim();
  const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t.slice(2), 16) : /^0[0-7]*$/.test(t) ? parseInt(t, 8) : /^[1-9]\d*$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v) || v > max) throw new RangeError(`line ${line}: ${what} ${JSON.stringify(s)} is not a number 0..${max} (decimal, 0x hex or 0 octal)`);
  return v;
}

function ipv4Net(s: string, what: string, line: number): [number, number] {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\S+)$/.exec(s);
  if (!m || m.slice(1, 5).some((x) => Number(x) > 255)) throw new RangeError(`line ${line}: ${what} ${JSON.stringify(s)} is not an address/length such as 192.0.2.0/24`);
  const ip = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  return [ip, cNumber(m[5]!, 32, `${what} prefix length`, line)];
}

/**
 * Parses a ClassBench / dpdk-test-acl / l3fwd ACL rule file (see the file comment). Lines
 * starting with '@' are ACL rules; 'R' lines (l3fwd routes) carry a port as `data`. Rules get
 * priority by file order (earlier higher). Errors name the line and what is wrong.
 */
export function parseRules(text: string): ParsedRule[] {
  const out: ParsedRule[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    const line = i + 1;
    if (raw === '' || raw.startsWith('#')) continue;
    const kind = raw[0];
    if (kind !== '@' && kind !== 'R') throw new RangeError(`line ${line}: a rule starts with '@' (ACL) or 'R' (route), not ${JSON.stringify(raw.slice(0, 20))}`);
    const f = raw.slice(1).trim().split(/\s+/);
    const want = kind === 'R' ? 10 : 9;
    if (f.length < want || f[3] !== ':' || f[6] !== ':') {
      throw new RangeError(`line ${line}: write ${kind}<src>/<len> <dst>/<len> <lo> : <hi> <lo> : <hi> <proto>/<mask>${kind === 'R' ? ' <port>' : ''}`);
    }
    const [srcIp, srcLen] = ipv4Net(f[0]!, 'source', line);
    const [dstIp, dstLen] = ipv4Net(f[1]!, 'destination', line);
    const [p, pm] = f[8]!.split('/');
    if (p === undefined || pm === undefined) throw new RangeError(`line ${line}: protocol ${JSON.stringify(f[8])}: write value/mask such as 6/0xff`);
    const r: ParsedRule = {
      kind, line, srcIp, srcLen, dstIp, dstLen,
      sportLo: cNumber(f[2]!, 65535, 'source port', line), sportHi: cNumber(f[4]!, 65535, 'source port', line),
      dportLo: cNumber(f[5]!, 65535, 'destination port', line), dportHi: cNumber(f[7]!, 65535, 'destination port', line),
      proto: cNumber(p, 255, 'protocol', line), protoMask: cNumber(pm, 255, 'protocol mask', line),
      priority: -out.length,
    };
    if (kind === 'R') r.data = cNumber(f[9]!, 0xffff, 'port', line);
    if (r.sportLo > r.sportHi || r.dportLo > r.dportHi) throw new RangeError(`line ${line}: a port range with low > high`);
    out.push(r);
  }
  return out;
}

/** One rule in the file format (parseRules reads it back). */
export function formatRule(r: AclRule, kind: '@' | 'R' = '@'): string {
  const ip = (x: number) => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
  const hex = (x: number) => `0x${x.toString(16).padStart(2, '0')}`;
  return `${kind}${ip(r.srcIp)}/${r.srcLen}\t${ip(r.dstIp)}/${r.dstLen}\t${r.sportLo} : ${r.sportHi}\t${r.dportLo} : ${r.dportHi}\t${hex(r.proto)}/${hex(r.protoMask)}${kind === 'R' ? `\t${r.data ?? 0}` : ''}`;
}

/** Does rule r match the tuple (the definition the classifier compiles; tests compare both). */
export function matches(r: AclRule, proto: number, src: number, dst: number, sport: number, dport: number): boolean {
  return ((src ^ r.srcIp) & mask(r.srcLen)) === 0 && ((dst ^ r.dstIp) & mask(r.dstLen)) === 0 &&
    sport >= r.sportLo && sport <= r.sportHi && dport >= r.dportLo && dport <= r.dportHi &&
    (proto & r.protoMask) === (r.proto & r.protoMask);
}
