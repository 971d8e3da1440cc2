// Property tests (fast-check) of the packet library:
//  1. build -> parse round trips over every header the builders know (VLAN/QinQ, IPv4 with
//     options, IPv6 with extension chains, ARP, UDP, TCP with options, ICMPv4/v6, VXLAN);
//  2. the parser and the accessors never throw and never read outside the packet, on arbitrary
//     byte strings and on built frames with bytes corrupted and cut;
//  3. RFC 1624 incremental checksum updates equal a full recomputation.
// Frame counts (fast-check runs, each one generated frame), per CI run:
//   ROUND_TRIP + RANDOM_BYTES + CORRUPTED + INCREMENTAL = 1,000,000 generated frames (asserted
//   at the end), every robustness frame parsed three times (exactly sized, and between two
//   different sentinels). FC_SEED=n replays a failure; the seed is printed by fast-check.
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Parsed, parse, parseInner } from '../../src/packet/parse.js';
import { Result, L3, IP_UDP, IP_TCP, IP_ICMP, IP_ICMPV6, ETH_IPV4, ETH_IPV6, ETH_ARP } from '../../src/packet/constants.js';
import { build, buildFrame, parseMac, type FrameSpec } from '../../src/packet/build.js';
import * as ck from '../../src/packet/checksum.js';
import * as ipv4 from '../../src/packet/headers/ipv4.js';
import * as ipv6 from '../../src/packet/headers/ipv6.js';
import * as tcp from '../../src/packet/headers/tcp.js';
import * as udp from '../../src/packet/headers/udp.js';
import * as icmp6 from '../../src/packet/headers/icmp6.js';
import * as arp from '../../src/packet/headers/arp.js';
import * as ether from '../../src/packet/headers/ether.js';
import * as vlan from '../../src/packet/headers/vlan.js';
import * as vxlan from '../../src/packet/headers/vxlan.js';
import { frameSpec } from './arbitraries.js';

// PACKET_FC_DIVISOR=n divides every count (quick local runs; the 1e6 check then skips)
const DIV = Number(process.env['PACKET_FC_DIVISOR'] ?? 1);
const ROUND_TRIP = 150_000 / DIV, RANDOM_BYTES = 350_000 / DIV, CORRUPTED = 350_000 / DIV, INCREMENTAL = 150_000 / DIV;
const seed = process.env['FC_SEED'] !== undefined ? Number(process.env['FC_SEED']) : undefined;
const opts = (numRuns: number) => (seed !== undefined ? { numRuns, seed } : { numRuns });
let generated = 0;

const p = new Parsed(), q = new Parsed();
const out = new Uint8Array(4096);

/** The L3 spec's address as a number. */
const v4 = (a: string | number | undefined, d: number) => (a === undefined ? d : typeof a === 'number' ? a >>> 0 : ipv4.parseAddr(a));

function checkFrame(s: FrameSpec, p: Parsed): void {
  assert.equal(p.result, Result.OK, `result ${p.result}`);
  const vl = s.vlans ?? [];
  assert.equal(p.vlans, vl.length);
  if (vl[0]) { assert.equal(p.tpid0, vl[0].tpid ?? 0x8100); assert.equal(vlan.vid(p, p.l2 + 12), vl[0].vid); assert.equal(p.tci0, vlan.makeTci(vl[0].vid, vl[0].pcp, vl[0].dei)); }
  if (vl[1]) { assert.equal(p.tpid1, vl[1].tpid ?? 0x8100); assert.equal(vlan.pcp(p, p.l2 + 16), vl[1].pcp ?? 0); }
  if (s.eth?.dst !== undefined) assert.equal(ether.dst(p, p.l2), parseMac(s.eth.dst));
  if (s.eth?.src !== undefined) assert.equal(ether.src(p, p.l2), parseMac(s.eth.src));
  const l4: 'udp' | 'tcp' | 'icmp' | undefined = s.udp || s.vxlan ? 'udp' : s.tcp ? 'tcp' : s.icmp ? 'icmp' : undefined;
  const pay = typeof s.payload === 'number' ? s.payload : s.payload?.length ?? 0;
  if (s.arp) {
    assert.equal(p.ethertype, ETH_ARP);
    assert.equal(p.l3Kind, L3.ARP);
    assert.equal(arp.op(p, p.l3), s.arp.op ?? 1);
    assert.equal(arp.sha(p, p.l3), parseMac(s.arp.sha!));
    assert.equal(arp.tpa(p, p.l3), v4(s.arp.tpa, 0));
    return;
  }
  if (s.ipv4) {
    const ip = s.ipv4;
    assert.equal(p.ethertype, ETH_IPV4);
    assert.equal(p.l3Kind, L3.IPV4);
    assert.equal(p.l3HeaderLength, 20 + (((ip.options?.length ?? 0) + 3) & ~3));
    assert.equal(ipv4.src(p, p.l3), v4(ip.src, 0xc0000201));
    assert.equal(ipv4.dst(p, p.l3), v4(ip.dst, 0xc0000202));
    assert.equal(ipv4.ttl(p, p.l3), ip.ttl ?? 64);
    assert.equal(ipv4.tos(p, p.l3), ip.tos ?? 0);
    assert.equal(p.fragId, ip.id ?? 1);
    assert.equal(ipv4.df(p, p.l3), ip.df ? 1 : 0);
    assert.equal(p.fragment, 0);
    assert.ok(ck.ipv4HeaderValid(p, p.l3), 'IPv4 header checksum');
    assert.equal(ck.ipv4HeaderChecksum(p, p.l3), ipv4.checksum(p, p.l3));
    // the options walk visits exactly the TLVs that were written
    const kinds: number[] = [];
    for (let o = ipv4.nextOption(p, p.l3, -1); o >= 0; o = ipv4.nextOption(p, p.l3, o)) kinds.push(p.u8[o]!);
    assert.deepEqual(kinds, tlvKinds(ip.options ?? []));
    assert.equal(p.ipProto, l4 === 'udp' ? IP_UDP : l4 === 'tcp' ? IP_TCP : l4 === 'icmp' ? IP_ICMP : ip.proto ?? 253);
  } else if (s.ipv6) {
    const ip = s.ipv6;
    assert.equal(p.ethertype, ETH_IPV6);
    assert.equal(p.l3Kind, L3.IPV6);
    assert.equal(p.extCount, ip.ext?.length ?? 0);
    assert.equal(ipv6.hopLimit(p, p.l3), ip.hopLimit ?? 64);
    assert.equal(ipv6.trafficClass(p, p.l3), ip.tc ?? 0);
    assert.equal(ipv6.flowLabel(p, p.l3), ip.flow ?? 0);
    assert.equal(ipv6.format(p, p.l3 + 8), ipv6.formatWords(words(ipv6.parseAddr(ip.src ?? 'fd00::1'))));
    assert.equal(ipv6.format(p, p.l3 + 24), ipv6.formatWords(words(ipv6.parseAddr(ip.dst ?? 'fd00::2'))));
    assert.equal(p.ipProto, l4 === 'udp' ? IP_UDP : l4 === 'tcp' ? IP_TCP : l4 === 'icmp' ? IP_ICMPV6 : ip.proto ?? 59);
    // walk the chain by hand with the accessors: same length as the parser's
    let nh = ipv6.nextHeader(p, p.l3), o = p.l3 + 40;
    while (ipv6.isExtension(nh)) { const n = ipv6.extNext(p, o); o += ipv6.extLength(p, o, nh); nh = n; }
    assert.equal(o - p.l3, p.l3HeaderLength);
  } else {
    assert.equal(p.l3Kind, L3.NONE);
    assert.equal(p.payloadLength, pay);
    return;
  }
  const v = s.ipv4 ? 4 : 6;
  const dstAt = v === 6 ? ipv6.finalDestination(p, p.l3, p.routingHeader) : -1; // RFC 8200 §8.1
  if (l4 === 'udp') {
    assert.equal(p.l4Length, udp.length(p, p.l4));
    assert.equal(udp.checksum(p, p.l4), ck.l4Checksum(p, v, p.l3, IP_UDP, p.l4, p.l4Length, ck.CSUM_AT_UDP, dstAt), 'UDP checksum');
    if (s.vxlan) {
      assert.equal(p.vni, s.vxlan.vni);
      assert.equal(vxlan.vni(p, p.vxlan), s.vxlan.vni);
      parseInner(p, q);
      checkFrame(s.vxlan.inner, q);
      return;
    }
    assert.equal(p.srcPort, s.udp!.sport ?? 1024);
    assert.equal(p.dstPort, s.udp!.dport ?? 9);
    assert.equal(p.payloadLength, pay);
  } else if (l4 === 'tcp') {
    const t = s.tcp!;
    assert.equal(p.srcPort, t.sport ?? 1024);
    assert.equal(p.dstPort, t.dport ?? 80);
    assert.equal(p.tcpFlags, t.flags ?? 0x10);
    assert.equal(tcp.seq(p, p.l4), t.seq ?? 1);
    assert.equal(tcp.ack(p, p.l4), t.ack ?? 0);
    assert.equal(tcp.headerLength(p, p.l4), 20 + (((t.options?.length ?? 0) + 3) & ~3));
    const kinds: number[] = [];
    for (let o = tcp.nextOption(p, p.l4, -1); o >= 0; o = tcp.nextOption(p, p.l4, o)) kinds.push(p.u8[o]!);
    assert.deepEqual(kinds, tlvKinds(t.options ?? []));
    const mssAt = (t.options ?? []).indexOf(2);
    if (mssAt >= 0 && tlvKinds(t.options!).includes(2)) assert.ok(tcp.mss(p, p.l4) >= 0);
    assert.equal(tcp.checksum(p, p.l4), ck.l4Checksum(p, v, p.l3, IP_TCP, p.l4, p.l4Length, ck.CSUM_AT_TCP, dstAt), 'TCP checksum');
    assert.equal(p.payloadLength, pay);
  } else if (l4 === 'icmp') {
    assert.equal(p.icmpType, s.icmp!.type);
    assert.equal(p.icmpCode, s.icmp!.code ?? 0);
    if (v === 6) assert.equal(icmp6.checksum(p, p.l4), ck.l4Checksum(p, 6, p.l3, IP_ICMPV6, p.l4, p.l4Length, ck.CSUM_AT_ICMP, dstAt));
    else assert.equal(ck.sum(p, p.l4, p.l4Length), 0xffff, 'ICMPv4 checksum');
  } else {
    assert.equal(p.payloadLength, pay);
  }
}

function words(b: Uint8Array): number[] {
  return Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
}
/** Option kinds of a TLV list (NOP = 1 one byte; others kind,len). */
function tlvKinds(o: number[] | Uint8Array): number[] {
  const k: number[] = [];
  for (let i = 0; i < o.length; ) {
    if (o[i] === 0) break;
    k.push(o[i]!);
    i += o[i] === 1 ? 1 : o[i + 1]!;
  }
  return k;
}

test(`build -> parse round trip: ${ROUND_TRIP} generated frames, every field and checksum`, () => {
  fc.assert(fc.property(frameSpec, (s) => {
    generated++;
    const n = build(s, out);
    p.wrap(out, 0, n);
    parse(p);
    checkFrame(s, p);
  }), opts(ROUND_TRIP));
});

// --- robustness: no throw, no read outside [start, end) ---------------------------------------
const FIELDS = Object.keys(new Parsed()).filter((k) => typeof (new Parsed() as unknown as Record<string, unknown>)[k] === 'number' && k !== 'start' && k !== 'end');
const OFFSET_FIELDS = new Set(['l2', 'l3', 'l3End', 'fragHeader', 'routingHeader', 'l4', 'payload', 'vxlan', 'inner', 'innerEnd']);
const big = new Uint8Array(4096 + 128);
const pa = new Parsed(), pb = new Parsed();

/** Every accessor walk the parse result leads to, on the exact-size frame (throws on OOB reads). */
function exercise(p: Parsed): void {
  const { l3, l4 } = p;
  if (p.l3Kind === L3.IPV4 && l3 >= 0) {
    for (let o = ipv4.nextOption(p, l3, -1), k = 0; o >= 0 && k < 64; o = ipv4.nextOption(p, l3, o), k++) ipv4.optionLength(p, o);
    ck.ipv4HeaderChecksum(p, l3); ck.ipv4HeaderValid(p, l3); ipv4.findOption(p, l3, 7);
  }
  if (p.l3Kind === L3.IPV6 && l3 >= 0) {
    ipv6.format(p, l3 + 8);
    if (p.l3End >= 0) for (let o = ipv6.nextOption(p, l3 + 40, -1), k = 0; o >= 0 && k < 64; o = ipv6.nextOption(p, l3 + 40, o), k++);
  }
  if (l4 >= 0 && p.l4Length >= 0) {
    const v = p.l3Kind === L3.IPV4 ? 4 : 6;
    ck.l4Checksum(p, v, l3, p.ipProto, l4, p.l4Length, 2);
    for (let o = tcp.nextOption(p, l4, -1), k = 0; o >= 0 && k < 64; o = tcp.nextOption(p, l4, o), k++);
    tcp.mss(p, l4); tcp.tsVal(p, l4); tcp.windowScale(p, l4);
    for (let o = icmp6.nextOption(p, l4, p.l4Length, -1), k = 0; o >= 0 && k < 64; o = icmp6.nextOption(p, l4, p.l4Length, o), k++) icmp6.optionLla(p, o);
    icmp6.ndOptionsValid(p, l4, p.l4Length);
  }
  if (p.inner >= 0) parseInner(p, q);
  // the generic loads at and around the end
  for (let o = p.end - 7; o <= p.end + 1; o++) { ether.dst(p, o); ipv4.src(p, o); ipv6.srcWord(p, o, 0); }
}

function noOob(bytes: Uint8Array): void {
  generated++;
  const len = bytes.length;
  // 1. exactly sized: the DataView throws RangeError on any read past the end, and a Uint8Array
  //    read past it yields undefined, which would turn a field into NaN
  const exact = new Uint8Array(len);
  exact.set(bytes);
  p.wrap(exact, 0, len);
  const r = parse(p);
  assert.ok(r >= 0 && r <= 5, `result ${r}`);
  for (const k of FIELDS) {
    const x = (p as unknown as Record<string, number>)[k]!;
    assert.ok(Number.isInteger(x), `${k} = ${x}`);
    if (OFFSET_FIELDS.has(k) && x !== -1) assert.ok(x >= 0 && x <= len, `${k} = ${x} outside [0, ${len}]`);
  }
  exercise(p);
  // 2. the same bytes between sentinels (0x00 before/after, then 0xff): same result, same fields
  big.fill(0x00);
  big.set(bytes, 64);
  pa.wrap(big, 64, len);
  parse(pa);
  big.fill(0xff);
  big.set(bytes, 64);
  pb.wrap(big, 64, len);
  parse(pb);
  for (const k of FIELDS) {
    const x = (p as unknown as Record<string, number>)[k]!;
    const shift = OFFSET_FIELDS.has(k) && x !== -1 ? 64 : 0;
    assert.equal((pa as unknown as Record<string, number>)[k], x + shift, `${k}: sentinel 0x00 changes it`);
    assert.equal((pb as unknown as Record<string, number>)[k], x + shift, `${k}: sentinel 0xff changes it`);
  }
}

test(`no throw, no out-of-bounds read: ${RANDOM_BYTES} arbitrary byte strings`, () => {
  // bias towards frames the parser gets into: an Ethernet header with a known EtherType
  const head = fc.constantFrom([], [0x08, 0x00, 0x45], [0x08, 0x00, 0x46], [0x86, 0xdd, 0x60], [0x81, 0x00, 0, 1, 0x08, 0x00, 0x45], [0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2, 0x86, 0xdd, 0x60], [0x08, 0x06]);
  const arb = fc.tuple(fc.uint8Array({ minLength: 12, maxLength: 12 }), head, fc.uint8Array({ maxLength: 120 }), fc.boolean())
    .map(([mac, h, rest, raw]) => (raw ? rest : Uint8Array.from([...mac, ...h, ...rest])));
  fc.assert(fc.property(arb, noOob), opts(RANDOM_BYTES));
});

test(`no throw, no out-of-bounds read: ${CORRUPTED} built frames with lying lengths, corrupted bytes, cut short`, () => {
  const scratch = new Parsed();
  const arb = fc.tuple(
    frameSpec,
    // a length field made to lie: which (IP length, UDP length / TCP data offset), its new value,
    // and whether the frame is then cut to where the IP length says it ends (consistent lies
    // reach the L4 checks with too few bytes)
    // (the value: a random u16, or "the L4 header starts here + 0..24 bytes", the edge cases)
    fc.option(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -24, max: -1 })), fc.boolean())),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
    fc.option(fc.nat()),
  ).map(([s, lie, muts, cut]) => {
    let f = buildFrame(s);
    if (lie !== null) {
      scratch.wrap(f);
      parse(scratch);
      const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
      const [which, raw, fit] = lie;
      // negative: relative to the L4 header (IPv4 total length / IPv6 payload length ending
      // 0..23 bytes into it; UDP length / TCP data offset of 0..23 bytes)
      const rel = raw < 0 ? -raw - 1 : -1;
      const l4in = scratch.l4 >= 0 ? scratch.l4 - scratch.l3 - (scratch.l3Kind === L3.IPV6 ? 40 : 0) : 0;
      const v = rel < 0 ? raw : which === 0 ? l4in + rel : which === 1 && scratch.ipProto === IP_TCP ? (rel >> 2) << 4 : rel;
      if (which === 0 && scratch.l3Kind === L3.IPV4) dv.setUint16(scratch.l3 + 2, v);
      else if (which === 0 && scratch.l3Kind === L3.IPV6) dv.setUint16(scratch.l3 + 4, v);
      else if (which === 1 && scratch.ipProto === IP_UDP && scratch.l4 >= 0) dv.setUint16(scratch.l4 + 4, v);
      else if (which === 1 && scratch.ipProto === IP_TCP && scratch.l4 >= 0) f[scratch.l4 + 12] = (v & 0xf0) | (f[scratch.l4 + 12]! & 0x0f);
      if (fit && scratch.l3 >= 0 && (scratch.l3Kind === L3.IPV4 || scratch.l3Kind === L3.IPV6)) {
        const endAt = scratch.l3 + (scratch.l3Kind === L3.IPV4 ? dv.getUint16(scratch.l3 + 2) : 40 + dv.getUint16(scratch.l3 + 4));
        if (endAt < f.length) f = f.subarray(0, endAt);
      }
    }
    for (const [at, v] of muts) if (f.length) f[at % f.length] = v;
    return cut === null ? f : f.subarray(0, cut % (f.length + 1));
  });
  fc.assert(fc.property(arb, noOob), opts(CORRUPTED));
});

test(`RFC 1624 incremental updates equal full recomputation: ${INCREMENTAL} generated headers`, () => {
  const arb = fc.tuple(frameSpec.map((s): FrameSpec => ({
    eth: s.eth, vlans: s.vlans, payload: s.payload, ipv4: s.ipv4 ?? { ttl: 1 }, ...(s.tcp ? { tcp: s.tcp } : { udp: s.udp ?? { sport: 7, dport: 9 } }),
  })), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 0xffffffff }));
  fc.assert(fc.property(arb, ([s, word, which, addr]) => {
    generated++;
    const n = build(s, out);
    p.wrap(out, 0, n);
    assert.equal(parse(p), Result.OK);
    const l3 = p.l3;
    const dv = p.dv;
    // one 16-bit word of the IPv4 header (not the checksum) changes
    const at = l3 + [2, 4, 6, 8, 12, 14, 16, 18][which]!; // not +0: IHL would change the header's extent
    const old = dv.getUint16(at), hc = dv.getUint16(l3 + 10);
    dv.setUint16(at, word);
    const inc = ck.incremental16(hc, old, word);
    assert.equal(inc, ck.ipv4HeaderChecksum(p, l3), `word at +${at - l3}: ${old.toString(16)} -> ${word.toString(16)}`);
    dv.setUint16(l3 + 10, inc);
    // decrementTtl and a 32-bit address rewrite through the helpers
    if (ipv4.ttl(p, l3) > 0) { ipv4.decrementTtl(p, l3); assert.ok(ck.ipv4HeaderValid(p, l3), 'after decrementTtl'); }
    ipv4.updateDst(p, l3, addr);
    assert.ok(ck.ipv4HeaderValid(p, l3), 'after updateDst');
    assert.equal(ipv4.checksum(p, l3), ck.ipv4HeaderChecksum(p, l3));
    // L4: refresh the checksum first (the header rewrite changed the pseudo-header), then a port
    const proto = p.ipProto, csumAt = proto === IP_UDP ? ck.CSUM_AT_UDP : ck.CSUM_AT_TCP;
    dv.setUint16(p.l4 + csumAt, ck.l4Checksum(p, 4, l3, proto, p.l4, p.l4Length, csumAt));
    const oldPort = dv.getUint16(p.l4), l4c = dv.getUint16(p.l4 + csumAt);
    dv.setUint16(p.l4, word);
    const inc4 = ck.incremental16(l4c, oldPort, word);
    const full = ck.l4Checksum(p, 4, l3, proto, p.l4, p.l4Length, csumAt);
    // UDP sends a computed 0 as 0xffff (RFC 768); both mean ones'-complement zero
    if (proto === IP_UDP && full === 0xffff) assert.ok(inc4 === 0 || inc4 === 0xffff);
    else assert.equal(inc4, full, 'L4 port rewrite');
  }), opts(INCREMENTAL));
});

test('at least 1e6 generated frames in this file', (t) => {
  if (DIV !== 1) return t.skip(`skipped: PACKET_FC_DIVISOR=${DIV} set`);
  assert.equal(generated, ROUND_TRIP + RANDOM_BYTES + CORRUPTED + INCREMENTAL);
  assert.ok(generated >= 1_000_000, `${generated}`);
});
