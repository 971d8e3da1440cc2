// Router between pcap ports: an IPv4 and IPv6 corpus routed with correct TTL / hop limit,
// checksums and MACs (checked by tshark on the outputs), ARP and neighbour discovery, ICMP
// errors from the slow path, every drop counted by reason; and route changes applied while
// traffic flows lose no packet on the other routes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool, PoolView } from '../../../src/memory/pool.js';
import { Config } from '../../../src/pipeline/config.js';
import { Engine } from '../../../src/pipeline/engine.js';
import { App } from '../../../src/pipeline/app.js';
import { PortIn, PortOut } from '../../../src/apps/port.js';
import { Sink } from '../../../src/apps/sink.js';
import { Router } from '../../../src/apps/router.js';
import { arpRequest, ipv4, ipv6, neighbourAdvert, writePcap } from '../../lib/nf-packets.js';
import { requireTool } from '../../lib/skip.js';

const R0 = '02:00:00:00:00:10', R1 = '02:00:00:00:00:11', R2 = '02:00:00:00:00:12';
const H0 = '02:00:00:00:aa:01', GW1 = '02:00:00:00:01:02', GW2 = '02:00:00:00:02:02';
const interfaces = [
  { name: 'if0', mac: R0, ipv4: '198.18.0.1/24', ipv6: '2001:db8:0::1/64' },
  { name: 'if1', mac: R1, ipv4: '198.18.1.1/24', ipv6: '2001:db8:1::1/64' },
  { name: 'if2', mac: R2, ipv4: '198.18.2.1/24', ipv6: '2001:db8:2::1/64' },
];

function tshark(file: string, dir: string, fields: string[], filter?: string): string[][] {
  const args = ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-T', 'fields', ...fields.flatMap((x) => ['-e', x])];
  if (filter) args.push('-Y', filter);
  const out = execFileSync('tshark', args, { encoding: 'utf8', env: { ...process.env, HOME: dir } }).trim();
  return out === '' ? [] : out.split('\n').map((l) => l.split('\t'));
}

test('Router routes an IPv4 + IPv6 corpus between pcap ports; tshark checks TTL, checksums, MACs, ARP/ND/ICMP', (t) => {
  if (!requireTool(t, 'tshark', 'apt-get install -y tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-router-'));
  const pool = Pool.create({ buffers: 4096, hugepages: 'never' });
  const eng = new Engine({ pool });
  try {
    const in0: Uint8Array[] = [], in1: Uint8Array[] = [];
    in0.push(arpRequest(H0, '198.18.0.2', '198.18.0.1'));
    in0.push(ipv4(R0, H0, '198.18.0.2', '198.18.0.1', { proto: 1, icmpType: 8 })); // ping the router
    for (let i = 0; i < 100; i++) in0.push(ipv4(R0, H0, '198.18.0.2', `10.1.${i >> 4}.${i}`, { proto: 17, sport: 1000 + i, dport: 53 }, 64 - (i % 3), i));
    for (let i = 0; i < 100; i++) in0.push(ipv4(R0, H0, '198.18.0.2', `10.2.0.${i}`, { proto: 6, sport: 2000 + i, dport: 80 }, 30, i));
    in0.push(ipv4(R0, H0, '198.18.0.2', '10.1.0.9', { proto: 17 }, 1)); // TTL 1 -> time exceeded
    in0.push(ipv4(R0, H0, '198.18.0.2', '192.0.2.1', { proto: 17 })); // no route -> unreachable
    // IPv6: the gateway on if1 announces itself first (the NA arrives on if1); on if2 nobody does.
    in1.push(neighbourAdvert(R1, GW1, '2001:db8:1::2', '2001:db8:1::1', '2001:db8:1::2'));
    for (let i = 0; i < 100; i++) in0.push(ipv6(R0, H0, '2001:db8::2', `2001:db8:a::${(i + 1).toString(16)}`, { proto: 17, sport: 3000 + i }));
    for (let i = 0; i < 20; i++) in0.push(ipv6(R0, H0, '2001:db8::2', `2001:db8:b::${(i + 1).toString(16)}`, { proto: 17 }));
    in0.push(ipv6(R0, H0, '2001:db8::2', '2001:db8:a::99', { proto: 17 }, 1)); // hop limit 1
    writePcap(join(dir, 'in0.pcap'), in0);
    writePcap(join(dir, 'in1.pcap'), in1);
    writeFileSync(join(dir, 'routes'), '# routes file\n10.2.0.0/16 dev if2 via 198.18.2.2\n');
    const c = new Config();
    c.app('rx1', PortIn, { port: `pcap:rx=${join(dir, 'in1.pcap')}` });
    c.app('rx0', PortIn, { port: `pcap:rx=${join(dir, 'in0.pcap')}` });
    c.app('r', Router, {
      interfaces,
      routes: ['10.1.0.0/16 dev if1 via 198.18.1.2', '2001:db8:a::/48 dev if1 via 2001:db8:1::2', '2001:db8:b::/48 dev if2 via 2001:db8:2::2'],
      routesFile: join(dir, 'routes'),
      neighbours: ['198.18.1.2 02:00:00:00:01:02 dev if1', '198.18.2.2 02:00:00:00:02:02 dev if2'],
    });
    for (const k of [0, 1, 2]) c.app(`tx${k}`, PortOut, { port: `pcap:tx=${join(dir, `out${k}.pcap`)}` });
    c.link('rx1.out -> r.if1').link('rx0.out -> r.if0');
    for (const k of [0, 1, 2]) c.link(`r.if${k} -> tx${k}.in`);
    eng.configure(c);
    eng.run({ breaths: 400 });
    const st = eng.stats().apps['r']!;
    eng.stop();
    assert.equal(st.in, in0.length + in1.length);
    assert.deepEqual(
      Object.fromEntries(Object.entries(st.drops).filter(([, v]) => v > 0)),
      { 'ttl-exceeded': 2, 'no-route': 1, unresolved: 20, nd: 1 },
      'drops by reason: TTL/hop limit 1 (2), no route (1), IPv6 via an unresolved gateway (20), the NA (consumed)');
    // if1: 100 IPv4 to 10.1/16 and 100 IPv6 to 2001:db8:a::/48, MACs rewritten, TTL - 1, checksums good.
    const o1 = tshark(join(dir, 'out1.pcap'), dir, ['eth.src', 'eth.dst', 'ip.ttl', 'ip.checksum.status', 'udp.checksum.status', 'ipv6.hlim', 'ip.dst', 'ipv6.dst']);
    assert.equal(o1.length, 200);
    const v4 = o1.filter((r) => r[2] !== ''), v6 = o1.filter((r) => r[5] !== '');
    assert.equal(v4.length, 100);
    v4.forEach((r, i) => assert.deepEqual(r.slice(0, 7), [R1, GW1, String(63 - (i % 3)), '1', '1', '', `10.1.${i >> 4}.${i}`]));
    assert.equal(v6.length, 100);
    for (const r of v6) assert.deepEqual([r[0], r[1], r[4], r[5]], [R1, GW1, '1', '63']);
    // if2: 100 TCP to 10.2/16 (route from the file), and one neighbour solicitation for 2001:db8:2::2.
    const o2 = tshark(join(dir, 'out2.pcap'), dir, ['eth.src', 'eth.dst', 'ip.ttl', 'ip.checksum.status', 'tcp.dstport', 'icmpv6.type', 'icmpv6.nd.ns.target_address', 'icmpv6.checksum.status', 'tcp.checksum.status']);
    const tcp = o2.filter((r) => r[4] !== '');
    assert.equal(tcp.length, 100);
    for (const r of tcp) assert.deepEqual([...r.slice(0, 5), r[8]], [R2, GW2, '29', '1', '80', '1']);
    const ns = o2.filter((r) => r[5] === '135');
    assert.equal(ns.length, 1, 'one solicitation: at most one per neighbour per second');
    assert.deepEqual([ns[0]![1], ns[0]![6], ns[0]![7]], ['33:33:ff:00:00:02', '2001:db8:2::2', '1']);
    // if0: ARP reply, echo reply, time exceeded (x2: v4 and v6), unreachable.
    const o0 = tshark(join(dir, 'out0.pcap'), dir, ['eth.dst', 'arp.opcode', 'arp.src.proto_ipv4', 'icmp.type', 'icmp.checksum.status', 'ip.checksum.status', 'ip.src', 'icmpv6.type', 'icmpv6.checksum.status']);
    assert.deepEqual(o0.map((r) => r.map((x) => x.split(',')[0])), [
      [H0, '2', '198.18.0.1', '', '', '', '', '', ''],
      [H0, '', '', '0', '1', '1', '198.18.0.1', '', ''],
      [H0, '', '', '11', '1', '1', '198.18.0.1', '', ''],
      [H0, '', '', '3', '1', '1', '198.18.0.1', '', ''],
      [H0, '', '', '', '', '', '', '3', '1'],
    ]);
    assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  } finally {
    PoolView.closeThreadViews();
    pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Generates IPv4/UDP frames in turn to 10.1.0.x (route A) and 10.2.0.x (route B). */
class Gen extends App {
  static override inputs = [] as const;
  sent = [0, 0];
  private readonly hs = new Uint32Array(32);
  private readonly frames = [ipv4(R0, H0, '198.18.0.2', '10.1.0.5', { proto: 17 }), ipv4(R0, H0, '198.18.0.2', '10.2.0.5', { proto: 17 })];
  override pull(): number {
    const n = this.pool.allocBurst(this.hs, 32);
    for (let i = 0; i < n; i++) {
      const h = this.hs[i]!, k = i & 1;
      this.pool.reset(h);
      this.pool.u8.set(this.frames[k]!, this.pool.dataOffset(h));
      this.pool.setDataLen(h, 60);
      this.sent[k]!++;
    }
    this.countIn(n);
    this.out[0]!.send(this.hs, n);
    return n;
  }
}

test('Router: routes added, changed and removed while traffic flows lose no packet on other routes', () => {
  const pool = Pool.create({ buffers: 8192, hugepages: 'never' });
  const eng = new Engine({ pool });
  try {
    const cfg = (b: string | null) => {
      const c = new Config();
      c.app('gen', Gen);
      c.app('r', Router, {
        interfaces,
        routes: ['10.1.0.0/16 dev if1 via 198.18.1.2', ...(b ? [b] : [])],
        neighbours: ['198.18.1.2 02:00:00:00:01:02 dev if1', '198.18.2.2 02:00:00:00:02:02 dev if2', '198.18.1.3 02:00:00:00:01:03 dev if1'],
      });
      c.app('s0', Sink); c.app('s1', Sink); c.app('s2', Sink);
      return c.link('gen.out -> r.if0').link('r.if0 -> s0.in').link('r.if1 -> s1.in').link('r.if2 -> s2.in');
    };
    const variants = [null, '10.2.0.0/16 dev if2 via 198.18.2.2', '10.2.0.0/24 dev if1 via 198.18.1.3', '10.2.0.0/16 dev if2 via 198.18.2.2'];
    eng.configure(cfg(variants[1]!));
    for (let round = 0; round < 40; round++) {
      eng.run({ breaths: 5 });
      eng.configure(cfg(variants[round % variants.length]!));
    }
    eng.run({ breaths: 5 });
    const s = eng.stats();
    const gen = (eng as unknown as { apps: Map<string, { app: Gen }> }).apps.get('gen')!.app;
    const r = s.apps['r']!;
    const toIf1 = s.links['r.if1 -> s1.in']!.sent, toIf2 = s.links['r.if2 -> s2.in']!.sent;
    assert.ok(gen.sent[0]! > 1000);
    // Route A's packets all arrive on if1; route B's go to if2, to if1 (the /24 via .3) or are
    // counted as no-route while B is absent; nothing else is lost.
    assert.equal(r.dropped, r.drops['no-route']);
    assert.equal(toIf1 + toIf2 + r.drops['no-route']!, gen.sent[0]! + gen.sent[1]!);
    assert.ok(toIf1 - gen.sent[0]! > 0 && toIf2 > 0 && r.drops['no-route']! > 0, 'every variant of route B carried traffic');
    const router = (eng as unknown as { apps: Map<string, { app: Router }> }).apps.get('r')!.app;
    assert.ok(router.routeTable().includes('10.2.0.0/16 dev if2 via 198.18.2.2'));
    // The API: add and delete directly.
    router.addRoute('10.3.0.0/16 dev if2 via 198.18.2.2');
    assert.ok(router.deleteRoute('10.3.0.0/16'));
    assert.equal(router.deleteRoute('10.3.0.0/16'), false);
    assert.throws(() => router.addRoute('10.3.0.0/16 dev if9'), /no interface 'if9'/);
    assert.throws(() => router.addRoute('10.3.0.0/33 dev if1'), /prefix length 0..32/);
    eng.stop();
    assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  } finally {
    PoolView.closeThreadViews();
    pool.close();
  }
});
