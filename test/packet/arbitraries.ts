// fast-check arbitraries for frames: FrameSpecs over every header the builders know (used by the
// property tests), and raw/corrupted byte strings for the parser's robustness properties.
import fc from 'fast-check';
import { nd, type FrameSpec, type IcmpSpec, type Ipv6ExtSpec } from '../../src/packet/build.js';
import { formatWords } from '../../src/packet/headers/ipv6.js';

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const mac = fc.integer({ min: 0, max: 2 ** 48 - 1 });
const ip6 = fc.array(u16, { minLength: 8, maxLength: 8 }).map((w) => formatWords(w));

/**
 * IPv4 options: NOP, Router Alert (148, RFC 2113), Record Route (7, RFC 791: pointer 4, 0..4
 * slots) and Stream ID (136): option types tshark decodes (it lists unknown types under no field).
 */
const ipv4Options = fc.array(
  fc.oneof(
    fc.constant([1]),
    fc.constant([148, 4, 0, 0]),
    fc.integer({ min: 0, max: 4 }).map((n) => [7, 3 + 4 * n, 4, ...new Array(4 * n).fill(0)]),
    u16.map((id) => [136, 4, id >> 8, id & 255]),
  ),
  { maxLength: 4 },
).map((a) => a.flat()).filter((o) => optionsOk(o, 40));
/** TCP options: NOP, MSS, WS, SACK-permitted, timestamps. */
const tcpOptions = fc.array(
  fc.oneof(
    fc.constant([1]),
    u16.map((m) => [2, 4, m >> 8, m & 255]),
    fc.integer({ min: 0, max: 14 }).map((s) => [3, 3, s]),
    fc.constant([4, 2]),
    fc.tuple(u32, u32).map(([a, b]) => [8, 10, a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255, b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255]),
  ),
  { maxLength: 4 },
).map((a) => a.flat()).filter((o) => optionsOk(o, 40));

function optionsOk(o: number[], max: number): boolean {
  // whole TLVs only (a slice may cut one)
  if (o.length > max) return false;
  for (let i = 0; i < o.length; ) {
    if (o[i]! <= 1) { i++; continue; }
    if (i + 1 >= o.length || o[i + 1]! < 2 || i + o[i + 1]! > o.length) return false;
    i += o[i + 1]!;
  }
  return true;
}

const ext: fc.Arbitrary<Ipv6ExtSpec> = fc.oneof(
  fc.record({ type: fc.constantFrom('hbh' as const, 'dst' as const), data: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 12 }).map((d) => (d.length < 2 ? [] : [2, d.length - 2, ...d.slice(2)])) }),
  // type 0 (RFC 2460) with 1..3 addresses and 0..n segments left: a chain tshark decodes without
  // complaint, and one that exercises the final-destination pseudo-header (RFC 8200 §8.1)
  fc.tuple(fc.array(fc.array(u16, { minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 3 }), fc.nat()).map(([addrs, sl]) => ({
    type: 'routing' as const, routingType: 0, segmentsLeft: sl % (addrs.length + 1),
    data: [0, 0, 0, 0, ...addrs.flatMap((w) => w.flatMap((x) => [x >> 8, x & 255]))],
  })),
  fc.record({ type: fc.constant('fragment' as const), id: u32 }), // atomic fragment (offset 0, M 0)
);

const l4 = fc.oneof(
  fc.record({ udp: fc.record({ sport: u16, dport: u16.filter((p) => p !== 4789) }) }),
  fc.record({ tcp: fc.record({ sport: u16, dport: u16, seq: u32, ack: u32, flags: fc.integer({ min: 0, max: 255 }), window: u16, options: tcpOptions }) }),
  fc.record({ icmp: fc.record({ type: fc.integer({ min: 0, max: 255 }), code: fc.integer({ min: 0, max: 255 }) }) }),
  fc.constant({}),
);

/**
 * ICMP messages without an embedded packet (tshark would decode one as more IP layers): echo
 * request/reply, and over IPv6 the ND messages with options, picked by the generated type byte.
 */
function icmpFor(v6: boolean, t: number, code: number): IcmpSpec {
  if (!v6) return { type: t & 1 ? 8 : 0, code };
  const m = `02:00:00:00:${(t & 255).toString(16)}:${(code & 255).toString(16)}`;
  const target = `fe80::${t.toString(16)}:${code.toString(16)}`;
  switch (t % 6) {
    case 0: return nd.ns(target, code & 1 ? m : undefined);
    case 1: return nd.na(target, code & 0xe0, code & 1 ? m : undefined);
    case 2: return nd.rs(code & 1 ? m : undefined);
    case 3: return nd.ra({ hopLimit: code, lifetime: t * 7, ...(code & 1 ? { slla: m } : {}), ...(code & 2 ? { mtu: 1280 + t } : {}), ...(code & 4 ? { prefix: { prefix: '2001:db8::', length: 64 } } : {}) });
    default: return { type: t & 1 ? 128 : 129, code: 0 };
  }
}

function frameArb(inner: boolean): fc.Arbitrary<FrameSpec> {
  const l3 = fc.oneof(
    fc.record({ ipv4: fc.record({ src: u32, dst: u32, ttl: fc.integer({ min: 0, max: 255 }), tos: fc.integer({ min: 0, max: 255 }), id: u16, df: fc.boolean(), options: ipv4Options }) }),
    fc.record({ ipv6: fc.record({ src: ip6, dst: ip6, hopLimit: fc.integer({ min: 0, max: 255 }), tc: fc.integer({ min: 0, max: 255 }), flow: fc.integer({ min: 0, max: 0xfffff }), ext: fc.array(ext, { maxLength: 4 }).filter((e) => e.filter((x) => x.type === 'routing').length <= 1) }) }),
    fc.record({ arp: fc.record({ op: fc.constantFrom(1, 2), sha: mac, spa: u32, tha: mac, tpa: u32 }) }),
  );
  const base = fc.record({
    eth: fc.record({ dst: mac, src: mac }),
    vlans: fc.array(fc.record({ vid: fc.integer({ min: 0, max: 4095 }), pcp: fc.integer({ min: 0, max: 7 }), dei: fc.integer({ min: 0, max: 1 }), tpid: fc.constantFrom(0x8100, 0x88a8) }), { maxLength: 2 }),
    l3,
    l4,
    payload: fc.integer({ min: 0, max: 300 }),
  });
  const arb = base.map(({ l3, l4, ...rest }) => {
    const s: FrameSpec = { ...rest, ...l3 };
    if (!s.arp) Object.assign(s, l4);
    else delete s.payload;
    if (s.icmp) s.icmp = icmpFor(!!s.ipv6, s.icmp.type, s.icmp.code ?? 0);
    if (s.icmp && s.icmp.type >= 133) delete s.payload; // ND: options run to the end of the message
    return s;
  });
  if (inner) return arb;
  // one in eight: a VXLAN tunnel around an inner frame (IP outer only)
  return fc.oneof(
    { weight: 7, arbitrary: arb },
    { weight: 1, arbitrary: fc.record({ vni: fc.integer({ min: 0, max: 0xffffff }), inner: frameArb(true), v6: fc.boolean() }).map(({ vni, inner, v6 }) => ({ ...(v6 ? { ipv6: {} } : { ipv4: {} }), vxlan: { vni, inner } } as FrameSpec)) },
  );
}

export const frameSpec = frameArb(false);
