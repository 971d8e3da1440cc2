// Header views against an independent decoder: frames built by scapy (an independent encoder)
// and by our builders, written to one pcap, decoded by tshark and compared field by field with
// what our parser and accessors read. The corpus includes odd frames: 802.1ad + 802.1Q and
// 802.1Q-in-802.1Q, IPv4 options, IPv6 extension chains (hop-by-hop, routing, fragment,
// destination options), ICMPv6 ND with options, TCP options, VXLAN with an inner frame, IPv4 and
// IPv6 fragments, truncated frames and lying length fields (those must give the expected result
// code, and tshark must flag them too), plus 400 frames sampled from the property tests'
// FrameSpec arbitrary with a fixed seed.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { requireTool } from '../lib/skip.js';
import { Parsed, parseInner } from '../../src/packet/parse.js';
import { Result, RESULT_NAMES, L3, IP_UDP, IP_TCP, IP_ICMP, IP_ICMPV6 } from '../../src/packet/constants.js';
import { buildFrame, formatMac, nd, type FrameSpec } from '../../src/packet/build.js';
import * as ck from '../../src/packet/checksum.js';
import * as ipv4 from '../../src/packet/headers/ipv4.js';
import * as ipv6 from '../../src/packet/headers/ipv6.js';
import * as tcp from '../../src/packet/headers/tcp.js';
import * as udp from '../../src/packet/headers/udp.js';
import * as icmp4 from '../../src/packet/headers/icmp4.js';
import * as icmp6 from '../../src/packet/headers/icmp6.js';
import * as arp from '../../src/packet/headers/arp.js';
import * as ether from '../../src/packet/headers/ether.js';
import * as vxlan from '../../src/packet/headers/vxlan.js';
import { frameSpec } from './arbitraries.js';

const TSHARK_INSTALL = 'apt-get install -y tshark';
const SCAPY_INSTALL = 'apt-get install -y python3-scapy';

interface Entry { name: string; bytes: Uint8Array; bad: string | null }

const FIELDS = [
  'eth.type', 'vlan.id', 'vlan.priority', 'vlan.etype', 'ieee8021ad.id', 'ieee8021ad.svid', 'ieee8021ad.cvid',
  'ip.version', 'ip.hdr_len', 'ip.len', 'ip.id', 'ip.flags.df', 'ip.flags.mf', 'ip.frag_offset', 'ip.ttl', 'ip.proto',
  'ip.src', 'ip.dst', 'ip.checksum.status', 'ip.opt.type',
  'ipv6.plen', 'ipv6.nxt', 'ipv6.hlim', 'ipv6.src', 'ipv6.dst', 'ipv6.tclass', 'ipv6.flow',
  'ipv6.fraghdr.offset', 'ipv6.fraghdr.more', 'ipv6.fraghdr.ident', 'ipv6.routing.type', 'ipv6.routing.segleft',
  'udp.srcport', 'udp.dstport', 'udp.length', 'udp.checksum.status',
  'tcp.srcport', 'tcp.dstport', 'tcp.hdr_len', 'tcp.flags', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.window_size_value',
  'tcp.option_kind', 'tcp.options.mss_val', 'tcp.options.wscale.shift', 'tcp.options.timestamp.tsval', 'tcp.checksum.status',
  'icmp.type', 'icmp.code', 'icmp.checksum.status',
  'icmpv6.type', 'icmpv6.code', 'icmpv6.checksum.status', 'icmpv6.nd.ns.target_address', 'icmpv6.nd.na.target_address',
  'icmpv6.nd.na.flag.s', 'icmpv6.nd.ra.cur_hop_limit', 'icmpv6.nd.ra.router_lifetime',
  'icmpv6.opt.type', 'icmpv6.opt.linkaddr', 'icmpv6.opt.mtu', 'icmpv6.opt.prefix', 'icmpv6.opt.prefix.length',
  'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4', 'vxlan.vni',
] as const;
type Field = (typeof FIELDS)[number];
/** Fields of the layers after L3 (not compared for IP fragments: we do not parse L4 in a fragment). */
const L4_PREFIXES = ['udp.', 'tcp.', 'icmp.', 'icmpv6.', 'vxlan.'];
const EXTRA = ['_ws.malformed', '_ws.expert.message'];
const AGG = '|';

const hex = (v: number, w: number) => `0x${v.toString(16).padStart(w, '0')}`;

/** What our parser and accessors read, as tshark prints it; one value per occurrence. */
function ours(p: Parsed, out: Map<Field, string[]>, depth = 0): void {
  const put = (k: Field, v: string | number) => {
    const a = out.get(k) ?? [];
    a.push(String(v));
    out.set(k, a);
  };
  if (p.l2 < 0) return;
  put('eth.type', hex(ether.type(p, p.l2), 4));
  // tshark's 802.1ad dissector takes an S-tag followed by another 0x88a8 tag as S-VID + C-VID
  const adad = p.vlans === 2 && p.tpid0 === 0x88a8 && p.tpid1 === 0x88a8;
  if (adad) { put('ieee8021ad.svid', p.tci0 & 0xfff); put('ieee8021ad.cvid', p.tci1 & 0xfff); }
  for (let i = 0; i < p.vlans && !adad; i++) {
    const tpid = i === 0 ? p.tpid0 : p.tpid1, tci = i === 0 ? p.tci0 : p.tci1;
    if (tpid === 0x88a8) put('ieee8021ad.id', tci & 0xfff);
    else { put('vlan.id', tci & 0xfff); put('vlan.priority', tci >>> 13); put('vlan.etype', hex(p.dv.getUint16(p.l2 + 16 + 4 * i), 4)); }
  }
  const l3 = p.l3;
  if (p.l3Kind === L3.IPV4 && p.l3HeaderLength > 0) {
    put('ip.version', 4); put('ip.hdr_len', p.l3HeaderLength); put('ip.len', ipv4.totalLength(p, l3)); put('ip.id', hex(ipv4.id(p, l3), 4));
    put('ip.flags.df', ipv4.df(p, l3)); put('ip.flags.mf', ipv4.mf(p, l3)); put('ip.frag_offset', ipv4.fragOffset(p, l3) >> 3); // tshark 4.0: in 8-byte units
    put('ip.ttl', ipv4.ttl(p, l3)); put('ip.proto', ipv4.protocol(p, l3));
    put('ip.src', ipv4.format(ipv4.src(p, l3))); put('ip.dst', ipv4.format(ipv4.dst(p, l3)));
    put('ip.checksum.status', ck.ipv4HeaderValid(p, l3) ? 1 : 0);
    let last = -1;
    for (let o = ipv4.nextOption(p, l3, -1); o >= 0; o = ipv4.nextOption(p, l3, o)) { put('ip.opt.type', p.u8[o]!); last = o; }
    // tshark lists the End-of-Options-List option too (once; for TCP once per padding byte)
    const after = last < 0 ? l3 + 20 : last + ipv4.optionLength(p, last);
    if (after < l3 + p.l3HeaderLength && p.u8[after] === 0) put('ip.opt.type', 0);
  } else if (p.l3Kind === L3.IPV6 && p.l3End >= 0) {
    put('ip.version', 6); // tshark's IPv6 dissector fills ip.version too
    put('ipv6.plen', ipv6.payloadLength(p, l3)); put('ipv6.nxt', ipv6.nextHeader(p, l3)); put('ipv6.hlim', ipv6.hopLimit(p, l3));
    put('ipv6.src', ipv6.format(p, l3 + 8)); put('ipv6.dst', ipv6.format(p, l3 + 24));
    put('ipv6.tclass', hex(ipv6.trafficClass(p, l3), 8)); put('ipv6.flow', hex(ipv6.flowLabel(p, l3), 6));
    // the extension chain, walked with the accessors
    let nh = ipv6.nextHeader(p, l3), o = l3 + 40;
    for (let k = 0; k < p.extCount; k++) {
      if (nh === 44) { put('ipv6.fraghdr.offset', ipv6.fragOffset(p, o) >> 3); put('ipv6.fraghdr.more', ipv6.fragMore(p, o)); put('ipv6.fraghdr.ident', hex(ipv6.fragId(p, o), 8)); }
      if (nh === 43) { put('ipv6.routing.type', ipv6.routingType(p, o)); put('ipv6.routing.segleft', ipv6.segmentsLeft(p, o)); }
      const n = ipv6.extNext(p, o);
      o += ipv6.extLength(p, o, nh);
      nh = n;
    }
  } else if (p.l3Kind === L3.ARP && p.result === Result.OK) {
    put('arp.opcode', arp.op(p, l3)); put('arp.src.hw_mac', formatMac(arp.sha(p, l3)));
    put('arp.src.proto_ipv4', ipv4.format(arp.spa(p, l3))); put('arp.dst.proto_ipv4', ipv4.format(arp.tpa(p, l3)));
  }
  const l4 = p.l4;
  if (l4 < 0 || p.fragment) return;
  const v = p.l3Kind === L3.IPV4 ? 4 : 6;
  const dstAt = v === 6 ? ipv6.finalDestination(p, l3, p.routingHeader) : -1;
  if (p.ipProto === IP_UDP && p.l4Length >= 0) {
    put('udp.srcport', p.srcPort); put('udp.dstport', p.dstPort); put('udp.length', udp.length(p, l4));
    const c = udp.checksum(p, l4);
    put('udp.checksum.status', c === 0 && v === 4 ? 2 : c === ck.l4Checksum(p, v, l3, IP_UDP, l4, p.l4Length, ck.CSUM_AT_UDP, dstAt) ? 1 : 0);
    if (p.vxlan >= 0) {
      put('vxlan.vni', vxlan.vni(p, p.vxlan));
      const q = new Parsed();
      parseInner(p, q);
      ours(q, out, depth + 1);
    }
  } else if (p.ipProto === IP_TCP && p.l4Length >= 0) {
    put('tcp.srcport', p.srcPort); put('tcp.dstport', p.dstPort); put('tcp.hdr_len', tcp.headerLength(p, l4));
    put('tcp.flags', hex(((p.u8[l4 + 12]! & 0x0f) << 8) | p.tcpFlags, 4));
    put('tcp.seq_raw', tcp.seq(p, l4)); put('tcp.ack_raw', tcp.ack(p, l4)); put('tcp.window_size_value', tcp.window(p, l4));
    let last = -1;
    for (let o = tcp.nextOption(p, l4, -1); o >= 0; o = tcp.nextOption(p, l4, o)) { put('tcp.option_kind', p.u8[o]!); last = o; }
    const hl = tcp.headerLength(p, l4);
    const after = last < 0 ? l4 + 20 : last + tcp.optionLength(p, last);
    for (let o = after; o < l4 + hl && p.u8[o] === 0; o++) put('tcp.option_kind', 0);
    // option values, one per occurrence; tcp.mss() & co. must give the first one
    let mss = -1, ws = -1, ts = -1;
    for (let o = tcp.nextOption(p, l4, -1); o >= 0; o = tcp.nextOption(p, l4, o)) {
      const k = tcp.optionKind(p, o), n = tcp.optionLength(p, o);
      if (k === tcp.OPT_MSS && n === 4) { put('tcp.options.mss_val', p.dv.getUint16(o + 2)); if (mss < 0) mss = p.dv.getUint16(o + 2); }
      if (k === tcp.OPT_WSCALE && n === 3) { put('tcp.options.wscale.shift', p.u8[o + 2]!); if (ws < 0) ws = p.u8[o + 2]!; }
      if (k === tcp.OPT_TS && n === 10) { put('tcp.options.timestamp.tsval', p.dv.getUint32(o + 2)); if (ts < 0) ts = p.dv.getUint32(o + 2); }
    }
    assert.equal(tcp.mss(p, l4), mss, 'tcp.mss() is the first MSS option');
    assert.equal(tcp.windowScale(p, l4), ws, 'tcp.windowScale() is the first WS option');
    assert.equal(tcp.tsVal(p, l4), ts, 'tcp.tsVal() is the first timestamp option');
    put('tcp.checksum.status', tcp.checksum(p, l4) === ck.l4Checksum(p, v, l3, IP_TCP, l4, p.l4Length, ck.CSUM_AT_TCP, dstAt) ? 1 : 0);
  } else if (p.ipProto === IP_ICMP && v === 4 && p.icmpType >= 0) {
    put('icmp.type', p.icmpType); put('icmp.code', p.icmpCode);
    put('icmp.checksum.status', icmp4.computeChecksum(p, l4, p.l4Length) === icmp4.checksum(p, l4) ? 1 : 0);
  } else if (p.ipProto === IP_ICMPV6 && v === 6 && p.icmpType >= 0) {
    const t = p.icmpType, len = p.l4Length;
    put('icmpv6.type', t); put('icmpv6.code', p.icmpCode);
    put('icmpv6.checksum.status', icmp6.checksum(p, l4) === ck.l4Checksum(p, 6, l3, IP_ICMPV6, l4, len, ck.CSUM_AT_ICMP, dstAt) ? 1 : 0);
    const at = icmp6.ndOptionsAt(t);
    if (at < 0 || len < at) return;
    if (t === icmp6.NS) put('icmpv6.nd.ns.target_address', ipv6.format(p, l4 + 8));
    if (t === icmp6.NA) { put('icmpv6.nd.na.target_address', ipv6.format(p, l4 + 8)); put('icmpv6.nd.na.flag.s', (icmp6.naFlags(p, l4) >> 6) & 1); }
    if (t === icmp6.RA) { put('icmpv6.nd.ra.cur_hop_limit', icmp6.raHopLimit(p, l4)); put('icmpv6.nd.ra.router_lifetime', icmp6.raLifetime(p, l4)); }
    for (let o = icmp6.nextOption(p, l4, len, -1); o >= 0; o = icmp6.nextOption(p, l4, len, o)) {
      const ot = icmp6.optionType(p, o);
      put('icmpv6.opt.type', ot);
      if ((ot === icmp6.OPT_SLLA || ot === icmp6.OPT_TLLA) && icmp6.optionLength(p, o) === 8) put('icmpv6.opt.linkaddr', formatMac(icmp6.optionLla(p, o)));
      if (ot === icmp6.OPT_MTU) put('icmpv6.opt.mtu', icmp6.optionMtu(p, o));
      if (ot === icmp6.OPT_PREFIX && icmp6.optionLength(p, o) === 32) { put('icmpv6.opt.prefix.length', icmp6.prefixLength(p, o)); put('icmpv6.opt.prefix', ipv6.format(p, o + 16)); }
    }
  }
}

function pcap(frames: Uint8Array[]): Buffer {
  // libpcap format: global header (magic, v2.4, snaplen 65535, LINKTYPE_ETHERNET), then records
  const parts: Buffer[] = [];
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0); g.writeUInt16LE(2, 4); g.writeUInt16LE(4, 6); g.writeUInt32LE(65535, 16); g.writeUInt32LE(1, 20);
  parts.push(g);
  frames.forEach((f, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_700_000_000 + i, 0); h.writeUInt32LE(f.length, 8); h.writeUInt32LE(f.length, 12);
    parts.push(h, Buffer.from(f));
  });
  return Buffer.concat(parts);
}

function tshark(file: string, home: string): Array<Map<string, string[]>> {
  const args = ['-r', file, '-n', '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE',
    '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-o', 'tcp.analyze_sequence_numbers:FALSE',
    '-T', 'fields', '-E', 'occurrence=a', '-E', `aggregator=${AGG}`, '-E', 'separator=\t'];
  for (const f of [...FIELDS, ...EXTRA]) args.push('-e', f);
  const text = execFileSync('tshark', args, { encoding: 'utf8', env: { ...process.env, HOME: home }, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  return text.split('\n').filter((l) => l.length > 0).map((line) => {
    const cols = line.split('\t');
    const m = new Map<string, string[]>();
    [...FIELDS, ...EXTRA].forEach((f, i) => { if (cols[i]) m.set(f, cols[i]!.split(AGG)); });
    return m;
  });
}

/** Our builders' share of the curated corpus (the same kinds of odd frames as scapy's). */
function builderCorpus(): Entry[] {
  const e = (name: string, s: FrameSpec, bad: string | null = null, cut?: number): Entry => {
    const b = buildFrame(s);
    return { name: `ours:${name}`, bytes: cut === undefined ? b : b.slice(0, cut), bad };
  };
  const tcpOpts = [2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2];
  return [
    e('ipv4-udp', { ipv4: { src: '192.0.2.1', dst: '192.0.2.99', ttl: 3, id: 0x1234 }, udp: { sport: 40000, dport: 9 }, payload: 30 }),
    e('qinq-ad-q-ipv4-tcp-options', { vlans: [{ tpid: 0x88a8, vid: 300, pcp: 3 }, { vid: 42, pcp: 1 }], ipv4: { df: true }, tcp: { sport: 40000, dport: 443, flags: 0x12, seq: 99, ack: 100, options: tcpOpts } }),
    e('q-in-q-8100', { vlans: [{ vid: 1 }, { vid: 2 }], ipv6: {}, udp: { sport: 7, dport: 9 }, payload: 5 }),
    e('ipv4-options', { ipv4: { options: [7, 11, 4, 1, 2, 3, 4, 5, 6, 7, 8, 148, 4, 0, 0] }, udp: {} }),
    e('ipv4-options-nop-eol', { ipv4: { options: [1, 1, 148, 4, 0, 0, 0] }, icmp: { type: 8, body: [0, 1, 0, 2] } }),
    e('ipv6-ext-chain', { ipv6: { src: 'fe80::1', dst: 'ff02::16', ext: [{ type: 'hbh', data: [5, 2, 0, 0] }, { type: 'routing', routingType: 0, segmentsLeft: 1, data: [0, 0, 0, 0, ...ipv6.parseAddr('2001:db8::a')] }, { type: 'fragment', id: 0xdeadbeef }, { type: 'dst' }] }, udp: { sport: 1000, dport: 2000 }, payload: 5 }),
    e('ipv6-fragment-later', { ipv6: { ext: [{ type: 'fragment', fragOffset: 1480, more: true, id: 77 }], proto: 17 }, payload: 32 }),
    e('ipv4-fragment-later', { ipv4: { fragOffset: 1480, mf: true, id: 5, proto: 17 }, payload: 40 }),
    e('nd-ns', { ipv6: { src: 'fe80::1', dst: 'ff02::1:ff00:2', hopLimit: 255 }, icmp: nd.ns('fe80::2', '02:00:00:00:00:01') }),
    e('nd-na', { ipv6: { src: 'fe80::2', dst: 'fe80::1', hopLimit: 255 }, icmp: nd.na('fe80::2', 0x60, '02:00:00:00:00:02') }),
    e('nd-rs', { ipv6: { dst: 'ff02::2', hopLimit: 255 }, icmp: nd.rs('02:00:00:00:00:01') }),
    e('nd-ra', { ipv6: { src: 'fe80::ff', dst: 'ff02::1', hopLimit: 255 }, icmp: nd.ra({ hopLimit: 64, lifetime: 1800, slla: '02:00:00:00:00:ff', mtu: 1500, prefix: { prefix: '2001:db8:1::', length: 64 } }) }),
    e('icmpv6-echo', { ipv6: {}, icmp: { type: 128, body: [0, 5, 0, 6] }, payload: 4 }),
    e('vxlan', { ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, vxlan: { vni: 0xabcdef, sport: 49152, inner: { vlans: [{ vid: 9 }], ipv4: { src: '172.16.0.1', dst: '172.16.0.2' }, tcp: { sport: 22, dport: 2222, flags: 0x18 }, payload: 5 } } }),
    e('vxlan-ipv6-outer', { ipv6: {}, vxlan: { vni: 1, inner: { ipv6: {}, udp: { sport: 5, dport: 6 }, payload: 3 } } }),
    e('arp', { arp: { op: 1, sha: '02:00:00:00:00:01', spa: '192.0.2.1', tpa: '192.0.2.254' } }),
    e('padded-60', { ipv4: {}, udp: {}, payload: 2, padTo: 60 }),
    // malformed on purpose
    e('truncated-in-udp-header', { ipv4: {}, udp: {}, payload: 10 }, 'BAD_LENGTH', 14 + 20 + 4),
    e('truncated-in-ipv6-header', { ipv6: {}, udp: {} }, 'TRUNCATED', 14 + 30),
    e('truncated-in-ethernet', { ipv4: {}, udp: {} }, 'TRUNCATED', 10),
    e('lying-ipv4-total-length', { ipv4: { totalLength: 999 }, udp: {}, payload: 4 }, 'BAD_LENGTH'),
    e('lying-ipv4-total-length-short', { ipv4: { totalLength: 10 }, udp: {}, payload: 4 }, 'BAD_LENGTH'),
    e('lying-ipv4-ihl', { ipv4: { ihl: 4 }, udp: {} }, 'BAD_IHL'),
    e('lying-ipv4-ihl-long', { ipv4: { ihl: 15 }, udp: {} }, 'BAD_LENGTH'),
    e('lying-udp-length', { ipv4: {}, udp: { length: 200 }, payload: 8 }, 'BAD_LENGTH'),
    e('lying-udp-length-short', { ipv6: {}, udp: { length: 3 }, payload: 8 }, 'BAD_LENGTH'),
    e('lying-ipv6-payload-length', { ipv6: { payloadLength: 300 }, udp: {} }, 'BAD_LENGTH'),
    e('lying-tcp-data-offset', { ipv4: {}, tcp: { headerLength: 60 } }, 'BAD_LENGTH'),
    e('lying-ipv6-bad-version', { ipv6: { version: 4 }, udp: {} }, 'BAD_VERSION'),
  ];
}

function findScapyPython(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import scapy.all'], { stdio: 'ignore' });
      return py;
    } catch { /* next */ }
  }
  return undefined;
}

function compare(entries: Entry[], t: { diagnostic(s: string): void }): void {
  const dir = mkdtempSync(join(tmpdir(), 'ringway-hdr-'));
  try {
    const file = join(dir, 'corpus.pcap');
    writeFileSync(file, pcap(entries.map((e) => e.bytes)));
    const rows = tshark(file, dir);
    assert.equal(rows.length, entries.length, 'tshark decoded every frame');
    const p = new Parsed();
    let compared = 0;
    entries.forEach((e, i) => {
      const theirs = rows[i]!;
      const r = p.parseBytes(e.bytes);
      const mine = new Map<Field, string[]>();
      ours(p, mine);
      const what = `frame ${i + 1} ${e.name} (result ${RESULT_NAMES[r]})`;
      if (e.bad !== null) {
        assert.equal(RESULT_NAMES[r], e.bad, `${what}: expected ${e.bad}`);
        assert.ok(theirs.has('_ws.malformed') || theirs.has('_ws.expert.message'), `${what}: tshark flags it too`);
        // the fields of the layers we did parse agree with what tshark decoded of them (tshark
        // stops at a bogus field too, earlier or later than we do)
        assert.ok(mine.has('eth.type') || e.bytes.length < 14, `${what}: the Ethernet layer parsed`);
        for (const [k, v] of mine) {
          if (!theirs.has(k)) continue;
          assert.deepEqual(v, theirs.get(k), `${what}: ${k}`);
          compared++;
        }
        return;
      }
      assert.equal(r, Result.OK, `${what}: well-formed`);
      if (!e.name.includes(':sample-')) assert.ok(!theirs.has('_ws.malformed'), `${what}: tshark finds it well-formed too`);
      for (const k of FIELDS) {
        if (p.fragment && L4_PREFIXES.some((x) => k.startsWith(x))) continue;
        assert.deepEqual(mine.get(k), theirs.get(k), `${what}: ${k} ours ${mine.get(k)} tshark ${theirs.get(k)}`);
        if (mine.has(k)) compared++;
      }
    });
    t.diagnostic(`${entries.length} frames, ${compared} field values equal to tshark's`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('our builders + parser vs tshark: curated odd frames and 400 sampled FrameSpecs, field by field', (t) => {
  if (!requireTool(t, 'tshark', TSHARK_INSTALL)) return;
  const sampled = fc.sample(frameSpec, { numRuns: 400, seed: 20261201 }).map((s, i) => ({ name: `ours:sample-${i}`, bytes: buildFrame(s), bad: null }));
  const curated = builderCorpus();
  compare([...curated, ...sampled], t);
});

test('scapy-built frames: tshark and our parser agree field by field; malformed ones give the expected result', (t) => {
  if (!requireTool(t, 'tshark', TSHARK_INSTALL)) return;
  const py = findScapyPython();
  if (py === undefined) return t.skip(`skipped: python3-scapy missing; install with: ${SCAPY_INSTALL}`);
  const script = new URL('../../../test/packet/scapy-corpus.py', import.meta.url).pathname;
  const json = execFileSync(py, [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 << 20 });
  const entries = (JSON.parse(json) as Array<{ name: string; hex: string; bad: string | null }>)
    .map((f) => ({ name: `scapy:${f.name}`, bytes: Uint8Array.from(Buffer.from(f.hex, 'hex')), bad: f.bad }));
  assert.ok(entries.length >= 25, `${entries.length} scapy frames`);
  compare(entries, t);
});
