// NAT44 flow table (network address and port translation, RFC 3022 NAPT) for one external
// address: an inside (address, port, protocol) gets one external port for as long as it is used,
// whatever remote it talks to (endpoint-independent mapping, RFC 4787 REQ-1), and the reverse
// direction finds the inside endpoint from (protocol, external port) alone with one load.
//
// Layout (typed arrays only; nothing is allocated per packet):
// - flows: parallel arrays indexed by flow id (inside address, inside port, protocol, external
//   port, last-seen time), ids recycled through a free stack;
// - outbound: an open-addressing hash (linear probing, power-of-two size, backward-shift delete
//   so no tombstones) from the inside key to the flow id;
// - inbound: a direct table per protocol class, 65536 entries: external port -> flow id + 1;
// - ports: a free ring per protocol class of the external port range (least recently freed
//   first, so a port is not reused while the far side may still have old segments in flight).
// ICMP echo uses its identifier as the port (RFC 5508 §3.1).
// Timeouts (RFC 4787 REQ-5: UDP at least 2 min; RFC 5382 REQ-5: TCP established 2 h 4 min, here
// configurable): `expire(now, budget)` walks a slice of the flows per call, so the engine's tick
// does a bounded amount of work.

export const NAT_TCP = 0, NAT_UDP = 1, NAT_ICMP = 2;
const CLASSES = 3;

/** Protocol number -> class, or -1 if NAT44 does not translate it. */
export function natClass(proto: number): number {
  return proto === 6 ? NAT_TCP : proto === 17 ? NAT_UDP : proto === 1 ? NAT_ICMP : -1;
}

export interface NatTableOptions {
  /** Flows at most (the outbound hash has twice as many slots). */
  maxFlows: number;
  /** External ports handed out: [portLo, portHi]. */
  portLo: number;
  portHi: number;
  /** Idle timeouts per class, ms. */
  timeoutMs: [tcp: number, udp: number, icmp: number];
}

export class NatTable {
  readonly maxFlows: number;
  readonly inIp: Uint32Array;
  readonly inPort: Uint16Array;
  readonly cls: Uint8Array;
  readonly extPort: Uint16Array;
  readonly seen: Float64Array;
  private readonly live: Uint8Array;
  private readonly freeIds: Int32Array;
  private nFree: number;
  private readonly hmask: number;
  private readonly hslot: Int32Array; // flow id + 1, 0 = empty
  private readonly inbound: Int32Array; // [cls * 65536 + port] = flow id + 1
  private readonly ring: Uint16Array[]; // free external ports per class
  private readonly rHead: Int32Array;
  private readonly rCount: Int32Array;
  private readonly timeouts: Float64Array;
  private cursor = 0;
  active = 0;

  constructor(o: NatTableOptions) {
    if (!(o.portLo >= 1 && o.portHi <= 65535 && o.portLo <= o.portHi)) throw new RangeError(`NAT port range ${o.portLo}..${o.portHi}: within 1..65535, low <= high`);
    if (!Number.isInteger(o.maxFlows) || o.maxFlows < 1) throw new RangeError(`maxFlows ${o.maxFlows}: a positive integer`);
    const n = o.maxFlows;
    this.maxFlows = n;
    this.inIp = new Uint32Array(n);
    this.inPort = new Uint16Array(n);
    this.cls = new Uint8Array(n);
    this.extPort = new Uint16Array(n);
    this.seen = new Float64Array(n);
    this.live = new Uint8Array(n);
    this.freeIds = new Int32Array(n);
    for (let i = 0; i < n; i++) this.freeIds[i] = n - 1 - i;
    this.nFree = n;
    let size = 1;
    while (size < 2 * n) size <<= 1;
    this.hmask = size - 1;
    this.hslot = new Int32Array(size);
    this.inbound = new Int32Array(CLASSES * 65536);
    const span = o.portHi - o.portLo + 1;
    this.ring = [];
    for (let c = 0; c < CLASSES; c++) {
      const r = new Uint16Array(span);
      for (let i = 0; i < span; i++) r[i] = o.portLo + i;
      this.ring.push(r);
    }
    this.rHead = new Int32Array(CLASSES);
    this.rCount = new Int32Array(CLASSES).fill(span);
    this.timeouts = Float64Array.from(o.timeoutMs);
  }

  private hash(ip: number, port: number, c: number): number {
    // Murmur3's finaliser over the packed key: cheap and well mixed for sequential addresses.
    let h = (ip ^ Math.imul(port | (c << 16), 0x9e3779b1)) | 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h & this.hmask;
  }

  /** Flow id of an inside endpoint, or -1. */
  findOut(ip: number, port: number, c: number): number {
    const m = this.hmask, hs = this.hslot;
    for (let s = this.hash(ip, port, c); ; s = (s + 1) & m) {
      const v = hs[s]!;
      if (v === 0) return -1;
      const id = v - 1;
      if (this.inIp[id] === ip >>> 0 && this.inPort[id] === port && this.cls[id] === c) return id;
    }
  }

  /** Flow id owning external port `port` of class c, or -1. */
  findIn(port: number, c: number): number {
    return this.inbound[c * 65536 + port]! - 1;
  }

  /** The flow of an inside endpoint, created (with a free external port) if new; -1 when the
   *  table or the class's ports are exhausted. Refreshes its last-seen time. */
  lookupOrCreate(ip: number, port: number, c: number, now: number): number {
    let id = this.findOut(ip, port, c);
    if (id >= 0) {
      this.seen[id] = now;
      return id;
    }
    if (this.nFree === 0 || this.rCount[c] === 0) return -1;
    id = this.freeIds[--this.nFree]!;
    const r = this.ring[c]!;
    const ext = r[this.rHead[c]!]!;
    this.rHead[c] = (this.rHead[c]! + 1) % r.length;
    this.rCount[c]!--;
    this.inIp[id] = ip;
    this.inPort[id] = port;
    this.cls[id] = c;
    this.extPort[id] = ext;
    this.seen[id] = now;
    this.live[id] = 1;
    this.inbound[c * 65536 + ext] = id + 1;
    const m = this.hmask;
    let s = this.hash(ip, port, c);
    while (this.hslot[s] !== 0) s = (s + 1) & m;
    this.hslot[s] = id + 1;
    this.active++;
    return id;
  }

  /** Removes flow id: its external port goes to the back of the free ring. */
  remove(id: number): void {
    if (this.live[id] !== 1) return;
    const c = this.cls[id]!, m = this.hmask, hs = this.hslot;
    let s = this.hash(this.inIp[id]!, this.inPort[id]!, c);
    while (hs[s] !== id + 1) s = (s + 1) & m;
    // Backward-shift deletion (Knuth 6.4 algorithm R): pull later entries of the probe run into
    // the hole when their home slot is at or before it.
    let hole = s;
    for (let j = (s + 1) & m; hs[j] !== 0; j = (j + 1) & m) {
      const o = hs[j]! - 1;
      const home = this.hash(this.inIp[o]!, this.inPort[o]!, this.cls[o]!);
      if (((j - home) & m) >= ((j - hole) & m)) {
        hs[hole] = hs[j]!;
        hole = j;
      }
    }
    hs[hole] = 0;
    this.inbound[c * 65536 + this.extPort[id]!] = 0;
    const r = this.ring[c]!;
    r[(this.rHead[c]! + this.rCount[c]!) % r.length] = this.extPort[id]!;
    this.rCount[c]!++;
    this.live[id] = 0;
    this.freeIds[this.nFree++] = id;
    this.active--;
  }

  /** Expires idle flows, looking at `budget` flow slots from where the last call stopped;
   *  returns how many it removed. */
  expire(now: number, budget: number): number {
    let removed = 0;
    const n = this.maxFlows;
    for (let k = 0; k < budget && k < n; k++) {
      const id = this.cursor;
      this.cursor = id + 1 === n ? 0 : id + 1;
      if (this.live[id] === 1 && now - this.seen[id]! > this.timeouts[this.cls[id]!]!) {
        this.remove(id);
        removed++;
      }
    }
    return removed;
  }

  /** Free external ports of class c. */
  freePorts(c: number): number {
    return this.rCount[c]!;
  }
}
