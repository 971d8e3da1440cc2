// Nat44: source NAT (NAPT, RFC 3022 §2.2) of an inside network behind one external address.
// Packets from input 'inside' leave on output 'outside' with their source rewritten to
// externalIp:port (a port allocated per inside endpoint, nf/nat-table.ts); packets from input
// 'outside' to externalIp:port of a live flow leave on output 'inside' with their destination
// rewritten back. TCP, UDP and ICMP echo (the identifier is the port, RFC 5508 §3.1) are
// translated; checksums are updated incrementally (RFC 1624): the IPv4 header's, and TCP's and
// UDP's over their pseudo-header (a UDP checksum of 0, "none", stays 0; a computed 0 is sent as
// 0xffff, RFC 768).
//
// Hairpinning (RFC 4787 REQ-9): supported. An inside packet to externalIp:port of another inside
// flow is translated both ways (source to its own external port, destination to the other
// flow's inside endpoint) and sent back on 'inside', so inside hosts reach each other by their
// external endpoints.
//
// Not translated, and dropped with a reason: other protocols ('protocol'), non-first fragments
// ('fragment'; they carry no ports), ICMP errors (they would need the embedded header translated:
// 'icmp-error'), and outside packets that match no flow ('no-flow'). Flows expire after their
// class's idle timeout, checked a slice per tick; TCP FIN/RST are not tracked (a closed
// connection's port is kept until its timeout).
import { App, type AppContext } from '../pipeline/app.js';
import { META_DATA_LEN, META_DATA_OFF } from '../memory/layout.js';
import { f, type ConfigOf } from '../pipeline/schema.js';
import { ETH_IPV4 } from '../packet/constants.js';
import { incremental16, incremental32 } from '../packet/checksum.js';
import { ipv4HeaderLen, rd16, rd32, wr16, wr32 } from './nf/hdr.js';
import { parseIPv4 } from './nf/lpm.js';
import { NAT_ICMP, NAT_UDP, NatTable, natClass } from './nf/nat-table.js';

const BURST = 1024;

export class Nat44 extends App {
  static override schema = {
    externalIp: f.string({ example: '203.0.113.1', pattern: /^\d+\.\d+\.\d+\.\d+$/ }),
    portLo: f.int({ min: 1, max: 65535, default: 1024 }),
    portHi: f.int({ min: 1, max: 65535, default: 65535 }),
    maxFlows: f.int({ min: 1, max: 1 << 22, default: 65536 }),
    /** Idle timeouts, seconds (RFC 5382 REQ-5: TCP >= 2 h 4 min; RFC 4787 REQ-5: UDP >= 2 min). */
    tcpTimeout: f.number({ min: 0.001, default: 7440 }),
    udpTimeout: f.number({ min: 0.001, default: 300 }),
    icmpTimeout: f.number({ min: 0.001, default: 60 }),
  };
  static override inputs = ['inside', 'outside'] as const;
  static override outputs = ['inside', 'outside'] as const;
  static override dropReasons = ['malformed', 'not-ipv4', 'protocol', 'fragment', 'icmp-error', 'no-flow', 'not-ours', 'ports-exhausted'];
  declare readonly config: ConfigOf<typeof Nat44.schema>;
  readonly table: NatTable;
  private readonly ext: number;
  private now = performance.now();
  private readonly toIn = new Uint32Array(BURST);
  private readonly toOut = new Uint32Array(BURST);
  private readonly one = new Uint32Array(1);

  constructor(ctx: AppContext, config: ConfigOf<typeof Nat44.schema>) {
    super(ctx, config);
    this.ext = parseIPv4(config.externalIp);
    this.table = new NatTable({
      maxFlows: config.maxFlows, portLo: config.portLo, portHi: config.portHi,
      timeoutMs: [config.tcpTimeout * 1000, config.udpTimeout * 1000, config.icmpTimeout * 1000],
    });
  }

  override tick(nowMs: number): void {
    this.now = nowMs;
    this.table.expire(nowMs, 256);
  }

  override push(input: number, hs: Uint32Array, n: number): void {
    const p = this.pool, u16 = p.u16, base = p.bufBase, stride = p.stride;
    this.now = performance.now();
    let ni = 0, no = 0;
    for (let i = 0; i < n; i++) {
      const h = hs[i]!;
      const m = base + h * stride;
      const o = m + u16[(m + META_DATA_OFF) >> 1]!;
      const len = u16[(m + META_DATA_LEN) >> 1]!;
      const r = input === 0 ? this.outbound(o, len) : this.inbound(o, len, false);
      if (r === 0) this.toOut[no++] = h;
      else if (r === 1) this.toIn[ni++] = h;
      else this.drop1(h, r - 2);
    }
    if (ni) this.out[0]!.send(this.toIn, ni);
    if (no) this.out[1]!.send(this.toOut, no);
  }

  private drop1(h: number, reason: number): void {
    this.one[0] = h;
    this.drop(this.one, 1, reason);
  }

  /** Header checks shared by both directions: returns the L4 offset, or -(2 + reason). */
  private l4(o: number, len: number): number {
    const u8 = this.pool.u8;
    if (len < 34) return -2;
    if (((u8[o + 12]! << 8) | u8[o + 13]!) !== ETH_IPV4) return -3;
    const ip = o + 14;
    const ihl = ipv4HeaderLen(u8, ip, len - 14);
    if (ihl === 0) return -2;
    if ((rd16(u8, ip + 6) & 0x1fff) !== 0) return -5;
    const pr = u8[ip + 9]!;
    const c = natClass(pr);
    if (c < 0) return -4;
    const need = c === 0 ? 20 : 8;
    if (ihl + need > rd16(u8, ip + 2)) return -2;
    if (c === NAT_ICMP) {
      const t = u8[ip + ihl]!;
      if (t !== 8 && t !== 0) return -6;
    }
    return ip + ihl;
  }

  /** Inside -> outside. Returns 0 (to outside), 1 (hairpin: to inside) or 2 + drop reason. */
  private outbound(o: number, len: number): number {
    const l4 = this.l4(o, len);
    if (l4 < 0) return -l4;
    const u8 = this.pool.u8, ip = o + 14;
    const pr = u8[ip + 9]!, c = natClass(pr);
    const src = rd32(u8, ip + 12);
    const po = c === NAT_ICMP ? l4 + 4 : l4; // the port, or the echo identifier
    const sport = rd16(u8, po);
    const id = this.table.lookupOrCreate(src, sport, c, this.now);
    if (id < 0) return 2 + 7;
    const ext = this.table.extPort[id]!;
    this.rewrite(ip, l4, c, 12, po, src, this.ext, sport, ext);
    if (rd32(u8, ip + 16) === this.ext) {
      // Hairpin: the destination is one of our own external endpoints.
      const r = this.inbound(o, len, true);
      return r === 0 ? 1 : r;
    }
    return 0;
  }

  /** Outside -> inside (hairpin: an inside packet already source-translated). Returns 0 when
   *  translated, or 2 + drop reason. */
  private inbound(o: number, len: number, hairpin: boolean): number {
    const l4 = hairpin ? o + 14 + (this.pool.u8[o + 14]! & 15) * 4 : this.l4(o, len);
    if (l4 < 0) return -l4;
    const u8 = this.pool.u8, ip = o + 14;
    const c = natClass(u8[ip + 9]!);
    const dst = rd32(u8, ip + 16);
    if (dst !== this.ext) return 2 + 6;
    // For echo the identifier is in the same place both ways; for TCP/UDP the destination port.
    const po = c === NAT_ICMP ? l4 + 4 : l4 + 2;
    const dport = rd16(u8, po);
    const id = this.table.findIn(dport, c);
    if (id < 0) return 2 + 5;
    const t = this.table;
    t.seen[id] = this.now;
    this.rewrite(ip, l4, c, 16, po, dst, t.inIp[id]!, dport, t.inPort[id]!);
    return hairpin ? 0 : 1;
  }

  /** Address at ip+aoff a -> a2 and port at po p -> p2, with every checksum updated (RFC 1624). */
  private rewrite(ip: number, l4: number, c: number, aoff: number, po: number, a: number, a2: number, p: number, p2: number): void {
    const u8 = this.pool.u8;
    wr32(u8, ip + aoff, a2);
    wr16(u8, ip + 10, incremental32(rd16(u8, ip + 10), a, a2));
    wr16(u8, po, p2);
    if (c === NAT_ICMP) {
      // ICMP's checksum covers no pseudo-header: only the identifier changed.
      wr16(u8, l4 + 2, incremental16(rd16(u8, l4 + 2), p, p2));
      return;
    }
    const co = c === NAT_UDP ? l4 + 6 : l4 + 16;
    const old = rd16(u8, co);
    if (c === NAT_UDP && old === 0) return; // no checksum (RFC 768)
    let s = incremental16(incremental32(old, a, a2), p, p2);
    if (c === NAT_UDP && s === 0) s = 0xffff;
    wr16(u8, co, s);
  }
}

