// Nat44 between pcap ports: a TCP and a UDP conversation (and an echo) translated both ways,
// checksums verified by tshark; hairpinning; no-flow and protocol drops counted.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool, PoolView } from '../../../src/memory/pool.js';
import { Config } from '../../../src/pipeline/config.js';
import { Engine } from '../../../src/pipeline/engine.js';
import { PortIn, PortOut } from '../../../src/apps/port.js';
import { Nat44 } from '../../../src/apps/nat44.js';
import { ipv4, writePcap } from '../../lib/nf-packets.js';
import { runApp } from '../../lib/nf-apps.js';
import { requireTool } from '../../lib/skip.js';

const M1 = '02:00:00:00:00:01', M2 = '02:00:00:00:00:02';
const EXT = '203.0.113.1';

test('Nat44: TCP, UDP and echo translated both ways; tshark verifies every checksum', (t) => {
  if (!requireTool(t, 'tshark', 'apt-get install -y tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-nat-'));
  const pool = Pool.create({ buffers: 2048, hugepages: 'never' });
  const eng = new Engine({ pool });
  try {
    // Inside: 10.0.0.2 talks TCP 40000 -> 198.51.100.7:80, UDP 5353 -> :53, and pings it.
    const inside = [
      ipv4(M1, M2, '10.0.0.2', '198.51.100.7', { proto: 6, sport: 40000, dport: 80 }),
      ipv4(M1, M2, '10.0.0.2', '198.51.100.7', { proto: 17, sport: 5353, dport: 53 }),
      ipv4(M1, M2, '10.0.0.2', '198.51.100.7', { proto: 1, icmpType: 8, icmpId: 77 }),
      ipv4(M1, M2, '10.0.0.3', '198.51.100.7', { proto: 17, sport: 5353, dport: 53 }),
      ipv4(M1, M2, '10.0.0.2', '198.51.100.7', { proto: 47 }), // GRE: not translated
    ];
    // Outside: the replies, to the ports the NAT hands out first (1024 per protocol, in order),
    // and one to a port nobody holds.
    const outside = [
      ipv4(M2, M1, '198.51.100.7', EXT, { proto: 6, sport: 80, dport: 1024 }),
      ipv4(M2, M1, '198.51.100.7', EXT, { proto: 17, sport: 53, dport: 1024 }),
      ipv4(M2, M1, '198.51.100.7', EXT, { proto: 1, icmpType: 0, icmpId: 1024 }),
      ipv4(M2, M1, '198.51.100.7', EXT, { proto: 17, sport: 53, dport: 1025 }),
      ipv4(M2, M1, '198.51.100.7', EXT, { proto: 17, sport: 53, dport: 4000 }),
    ];
    writePcap(join(dir, 'inside.pcap'), inside);
    writePcap(join(dir, 'outside.pcap'), outside);
    const c = new Config();
    c.app('rxi', PortIn, { port: `pcap:rx=${join(dir, 'inside.pcap')}` });
    c.app('rxo', PortIn, { port: `pcap:rx=${join(dir, 'outside.pcap')}` });
    c.app('nat', Nat44, { externalIp: EXT });
    c.app('txi', PortOut, { port: `pcap:tx=${join(dir, 'to-inside.pcap')}` });
    c.app('txo', PortOut, { port: `pcap:tx=${join(dir, 'to-outside.pcap')}` });
    c.link('rxi.out -> nat.inside').link('rxo.out -> nat.outside').link('nat.inside -> txi.in').link('nat.outside -> txo.in');
    eng.configure(c);
    eng.run({ breaths: 100 });
    const st = eng.stats().apps['nat']!;
    eng.stop();
    assert.equal(st.drops['protocol'], 1);
    assert.equal(st.drops['no-flow'], 1);
    const fields = ['ip.src', 'ip.dst', 'ip.checksum.status', 'tcp.srcport', 'tcp.dstport', 'tcp.checksum.status', 'udp.srcport', 'udp.dstport', 'udp.checksum.status', 'icmp.ident', 'icmp.checksum.status'];
    const read = (f: string) => execFileSync('tshark', ['-r', join(dir, f), '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields', ...fields.flatMap((x) => ['-e', x])],
      { encoding: 'utf8', env: { ...process.env, HOME: dir } }).replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
    assert.deepEqual(read('to-outside.pcap'), [
      [EXT, '198.51.100.7', '1', '1024', '80', '1', '', '', '', '', ''],
      [EXT, '198.51.100.7', '1', '', '', '', '1024', '53', '1', '', ''],
      [EXT, '198.51.100.7', '1', '', '', '', '', '', '', '1024', '1'],
      [EXT, '198.51.100.7', '1', '', '', '', '1025', '53', '1', '', ''],
    ]);
    assert.deepEqual(read('to-inside.pcap'), [
      ['198.51.100.7', '10.0.0.2', '1', '80', '40000', '1', '', '', '', '', ''],
      ['198.51.100.7', '10.0.0.2', '1', '', '', '', '53', '5353', '1', '', ''],
      ['198.51.100.7', '10.0.0.2', '1', '', '', '', '', '', '', '77', '1'],
      ['198.51.100.7', '10.0.0.3', '1', '', '', '', '53', '5353', '1', '', ''],
    ]);
    assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  } finally {
    PoolView.closeThreadViews();
    pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Nat44: hairpinning reaches another inside host by its external endpoint', () => {
  const frames = [
    ipv4(M1, M2, '10.0.0.2', '198.51.100.7', { proto: 17, sport: 7000, dport: 53 }), // 10.0.0.2:7000 -> ext 1024
    ipv4(M1, M2, '10.0.0.3', EXT, { proto: 17, sport: 8000, dport: 1024 }), // to ext:1024 from inside
  ];
  const { out, stats } = runApp(Nat44, { externalIp: EXT }, { inside: frames }, ['inside', 'outside']);
  assert.equal(out['outside']!.length, 1);
  assert.equal(out['inside']!.length, 1);
  const f = out['inside']![0]!;
  const dv = new DataView(f.buffer, f.byteOffset);
  assert.deepEqual([dv.getUint32(26), dv.getUint32(30), dv.getUint16(34), dv.getUint16(36)], [0xcb007101, 0x0a000002, 1025, 7000],
    'source = 10.0.0.3 as ext:1025, destination = 10.0.0.2:7000');
  assert.equal(stats.apps['dut']!.dropped, 0);
});
