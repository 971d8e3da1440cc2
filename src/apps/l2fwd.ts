// L2Fwd: a learning switch (Snabb's learning bridge, DPDK l2fwd with MAC learning). Its ports are
// named input/output pairs ('*': inputs p0, p1, ... and outputs p0, p1, ...; a name on one side
// only is a receive-only or send-only port). For every frame it learns source MAC -> ingress port,
// then forwards known unicast to that port and floods broadcast, multicast and unknown unicast to
// every other port with a linked output (the first gets the original, the others copies, as Tee).
//
// Counters (drop reasons): 'nombuf' a flood copy the pool could not supply; 'same-port' the
// destination is on the ingress port (or there is no other port to flood to), dropped like a
// bridge filters it; 'malformed' shorter than an Ethernet header. 'table-full' is not a drop: it
// counts frames whose new source MAC was not learned because the table held maxEntries (the frame
// itself is forwarded); it is written to its reason slot without adding to `dropped`.
//
// Entries age out after ageMs without a frame from that MAC (mactable.ts). Per burst nothing is
// allocated; a burst that goes to one port only moves on without copying its handles.
import { App, type AppContext } from '../pipeline/app.js';
import { LINK_CAPACITY, type Link } from '../pipeline/link.js';
import { f, type ConfigOf } from '../pipeline/schema.js';
import { copyBurst } from './copy.js';
import { MacTable } from './mactable.js';
import { unconnected } from './outputs.js';

const NOMBUF = 0, SAME_PORT = 1, MALFORMED = 2, TABLE_FULL = 3;
const FLOOD = -2, DROP_SAME = -3, DROP_BAD = -4;
/** Table slots swept per tick (per millisecond): 2^20 slots are gone over in about a second. */
const SWEEP_SLOTS = 1024;

export class L2Fwd extends App {
  static override schema = {
    /** Most MACs learned at once; more new MACs are counted as 'table-full' and flooded to. */
    maxEntries: f.int({ min: 1, max: 1 << 20, default: 4096 }),
    /** An entry not refreshed for this long is forgotten (Linux bridge default: 300 s). */
    ageMs: f.int({ min: 1, max: 86_400_000, default: 300_000 }),
  };
  static override inputs = '*' as const;
  static override outputs = '*' as const;
  static override dropReasons = ['nombuf', 'same-port', 'malformed', 'table-full'];
  declare readonly config: ConfigOf<typeof L2Fwd.schema>;

  readonly table: MacTable;
  /** Port names: the inputs, then outputs that have no input of the same name. */
  readonly ports: readonly string[];
  private readonly inPort: Int32Array; // input index -> port
  private readonly outIdx: Int32Array; // port -> index in this.out, or -1 (goes nowhere)
  private readonly nowhere: Link[] = [];
  private readonly flood: Int32Array; // ports with a linked output
  private readonly bins: Uint32Array[];
  private readonly cnt: Int32Array;
  private readonly fl = new Uint32Array(LINK_CAPACITY);
  private readonly to = new Int32Array(LINK_CAPACITY);
  private now = performance.now();

  constructor(ctx: AppContext, config: ConfigOf<typeof L2Fwd.schema>) {
    super(ctx, config);
    this.table = new MacTable(config.maxEntries, config.ageMs);
    const ports = [...ctx.inputs, ...ctx.outputs.filter((o) => !ctx.inputs.includes(o))];
    this.ports = ports;
    this.inPort = Int32Array.from(ctx.inputs, (i) => ports.indexOf(i));
    this.outIdx = Int32Array.from(ports, (p) => ctx.outputs.indexOf(p));
    for (const p of ports) this.nowhere.push(unconnected(ctx, p));
    this.flood = Int32Array.from(ports.map((_, i) => i).filter((i) => this.outIdx[i]! >= 0));
    this.bins = ports.map(() => new Uint32Array(LINK_CAPACITY));
    this.cnt = new Int32Array(ports.length);
  }

  private link(port: number): Link {
    const i = this.outIdx[port]!;
    return i >= 0 ? this.out[i]! : this.nowhere[port]!;
  }

  override push(input: number, hs: Uint32Array, n: number): void {
    const p = this.pool, u8 = p.u8, u16 = p.u16, base = p.bufBase, stride = p.stride;
    const tbl = this.table, now = this.now, ingress = this.inPort[input]!, to = this.to;
    let full = 0, first = 0, same = true;
    // One-entry caches within the burst (frames of a flow come in runs): the last source learned
    // (now is the same for the whole burst, so learning it again changes nothing) and the last
    // destination's verdict (dropped when a learn may have moved that MAC).
    let lsh = -1, lsl = 0, ldh = -1, ldl = 0, lt = 0;
    for (let k = 0; k < n; k++) {
      const m = base + hs[k]! * stride;
      const len = u16[(m + 2) >> 1]!; // META_DATA_LEN
      let t: number;
      if (len < 14) {
        t = DROP_BAD;
      } else {
        const o = m + u16[m >> 1]!; // META_DATA_OFF
        // Source MAC (bytes 6..11): learn unless it is a group address (I/G bit set).
        if ((u8[o + 6]! & 1) === 0) {
          const shi = (u8[o + 6]! << 8) | u8[o + 7]!;
          const slo = (u8[o + 8]! << 24) | (u8[o + 9]! << 16) | (u8[o + 10]! << 8) | u8[o + 11]!;
          if (shi !== lsh || slo !== lsl) {
            if (!tbl.learn(shi, slo, ingress, now)) full++;
            else {
              lsh = shi;
              lsl = slo;
            }
            if (shi === ldh && slo === ldl) ldh = -1;
          }
        }
        if ((u8[o]! & 1) !== 0) {
          t = FLOOD; // broadcast or multicast (IEEE 802 I/G bit)
        } else {
          const dhi = (u8[o]! << 8) | u8[o + 1]!;
          const dlo = (u8[o + 2]! << 24) | (u8[o + 3]! << 16) | (u8[o + 4]! << 8) | u8[o + 5]!;
          if (dhi === ldh && dlo === ldl) t = lt;
          else {
            const port = tbl.lookup(dhi, dlo, now);
            t = port < 0 ? FLOOD : port === ingress ? DROP_SAME : port;
            ldh = dhi;
            ldl = dlo;
            lt = t;
          }
        }
      }
      to[k] = t;
      if (k === 0) first = t;
      else if (t !== first) same = false;
    }
    if (full > 0) this.countEvent(full, TABLE_FULL);
    if (same && first >= 0) {
      this.link(first).send(hs, n); // all to one port: the burst moves on as it is
      return;
    }
    const bins = this.bins, cnt = this.cnt, fl = this.fl;
    cnt.fill(0);
    let nf = 0, nSame = 0, nBad = 0;
    for (let k = 0; k < n; k++) {
      const t = to[k]!, h = hs[k]!;
      if (t >= 0) {
        bins[t]![cnt[t]!] = h;
        cnt[t] = cnt[t]! + 1;
      } else if (t === FLOOD) {
        fl[nf++] = h;
      } else {
        // drops: compact into the front of hs (the index written never passes k)
        hs[nSame + nBad] = h;
        if (t === DROP_SAME) nSame++;
        else nBad++;
      }
    }
    if (nSame + nBad > 0) this.dropMixed(hs, nSame, nBad);
    if (nf > 0) this.floodOut(fl, nf, ingress);
    for (let port = 0; port < bins.length; port++) if (cnt[port]! > 0) this.link(port).send(bins[port]!, cnt[port]!);
  }

  /** Frees the compacted drops at the front of hs and counts them by reason. */
  private dropMixed(hs: Uint32Array, nSame: number, nBad: number): void {
    this.pool.freeBurst(hs, nSame + nBad);
    if (nSame > 0) this.countDrop(nSame, SAME_PORT);
    if (nBad > 0) this.countDrop(nBad, MALFORMED);
  }

  /** Appends fl[0..nf) to every flood port's bin but the ingress: originals first, then copies. */
  private floodOut(fl: Uint32Array, nf: number, ingress: number): void {
    const fp = this.flood, bins = this.bins, cnt = this.cnt;
    let given = false;
    for (let j = 0; j < fp.length; j++) {
      const port = fp[j]!;
      if (port === ingress) continue;
      const at = cnt[port]!;
      if (!given) {
        for (let k = 0; k < nf; k++) bins[port]![at + k] = fl[k]!;
        cnt[port] = at + nf;
        given = true;
      } else {
        const got = copyBurst(this.pool, fl, nf, bins[port]!, at);
        if (got < nf) this.countDrop(nf - got, NOMBUF);
        cnt[port] = at + got;
      }
    }
    if (!given) {
      this.pool.freeBurst(fl, nf);
      this.countDrop(nf, SAME_PORT);
    }
  }

  /** A new ageMs is taken in place (the table is kept); a new maxEntries restarts the app. */
  override reconfigure(config: unknown): boolean {
    const c = config as ConfigOf<typeof L2Fwd.schema>;
    if (c.maxEntries !== this.table.maxEntries) return false;
    this.table.ageMs = c.ageMs;
    (this as { config: unknown }).config = c;
    return true;
  }

  override tick(nowMs: number): void {
    this.now = nowMs;
    this.table.sweep(nowMs, SWEEP_SLOTS);
  }
}
