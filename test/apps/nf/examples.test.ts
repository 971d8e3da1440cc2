// examples/router.ts, firewall.ts and nat.ts run as a user would run them, on capture files;
// tshark reads what they wrote.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arpRequest, ipv4, ipv6, writePcap } from '../../lib/nf-packets.js';
import { requireTool } from '../../lib/skip.js';

const ex = (name: string) => new URL(`../../../examples/${name}.js`, import.meta.url).pathname;
const H = '02:00:00:00:aa:01', R = '02:00:00:00:00:10';

function tshark(dir: string, file: string, fields: string[]): string[] {
  return execFileSync('tshark', ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=,', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', env: { ...process.env, HOME: dir } }).replace(/\n$/, '').split('\n');
}

test('examples/router.ts routes a capture: TTL, checksums and MACs as tshark reads them', (t) => {
  if (!requireTool(t, 'tshark', 'apt-get install -y tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-exr-'));
  try {
    writePcap(join(dir, 'in.pcap'), [
      arpRequest(H, '198.18.0.2', '198.18.0.1'),
      ipv4(R, H, '198.18.0.2', '10.1.0.1', { proto: 17 }),
      ipv4(R, H, '198.18.0.2', '10.2.0.1', { proto: 6 }),
      ipv6(R, H, '2001:db8::2', '2001:db8:a::1', { proto: 17 }),
      ipv4(R, H, '198.18.0.2', '10.9.0.1', { proto: 17 }),
    ]);
    const out = execFileSync(process.execPath, [ex('router'), join(dir, 'in.pcap'), dir], { encoding: 'utf8' });
    assert.match(out, /^5 in, 5 out, dropped: \{"no-route":1\}$/m);
    assert.deepEqual(tshark(dir, join(dir, 'if1.pcap'), ['eth.dst', 'ip.ttl', 'ip.checksum.status', 'udp.checksum.status', 'ipv6.hlim']),
      ['02:00:00:00:01:02,63,1,1,', '02:00:00:00:01:02,,,1,63']);
    assert.deepEqual(tshark(dir, join(dir, 'if2.pcap'), ['eth.dst', 'ip.ttl', 'ip.checksum.status', 'tcp.checksum.status']), ['02:00:00:00:02:02,63,1,1']);
    assert.deepEqual(tshark(dir, join(dir, 'if0.pcap'), ['arp.opcode', 'icmp.type']).sort(), [',3', '2,'], 'the ARP reply and the unreachable');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('examples/firewall.ts filters a capture with a dpdk-test-acl rule file', (t) => {
  if (!requireTool(t, 'tshark', 'apt-get install -y tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-exf-'));
  try {
    writeFileSync(join(dir, 'rules'), [
      '# deny ssh, allow web and dns to 10/8',
      '@0.0.0.0/0 10.0.0.0/8 0 : 65535 22 : 22 0x06/0xff',
      '@0.0.0.0/0 10.0.0.0/8 0 : 65535 80 : 80 0x06/0xff permit',
      '@0.0.0.0/0 10.0.0.0/8 0 : 65535 53 : 53 0x11/0xff permit',
    ].join('\n') + '\n');
    writePcap(join(dir, 'in.pcap'), [
      ipv4(R, H, '1.2.3.4', '10.0.0.1', { proto: 6, dport: 22 }),
      ipv4(R, H, '1.2.3.4', '10.0.0.1', { proto: 6, dport: 80 }),
      ipv4(R, H, '1.2.3.4', '10.0.0.1', { proto: 17, dport: 53 }),
      ipv4(R, H, '1.2.3.4', '11.0.0.1', { proto: 17, dport: 53 }),
    ]);
    const out = execFileSync(process.execPath, [ex('firewall'), join(dir, 'rules'), join(dir, 'in.pcap'), join(dir, 'out.pcap')], { encoding: 'utf8' });
    assert.match(out, /^4 in, 2 permitted, 1 denied, 1 matched no rule$/m);
    assert.deepEqual(tshark(dir, join(dir, 'out.pcap'), ['tcp.dstport', 'udp.dstport']), ['80,', ',53']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('examples/nat.ts translates a conversation both ways; tshark checks the checksums', (t) => {
  if (!requireTool(t, 'tshark', 'apt-get install -y tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-exn-'));
  try {
    writePcap(join(dir, 'inside.pcap'), [ipv4(R, H, '10.0.0.5', '198.51.100.1', { proto: 6, sport: 33000, dport: 443 })]);
    writePcap(join(dir, 'outside.pcap'), [ipv4(H, R, '198.51.100.1', '203.0.113.1', { proto: 6, sport: 443, dport: 20000 })]);
    const out = execFileSync(process.execPath, [ex('nat'), join(dir, 'inside.pcap'), join(dir, 'outside.pcap'), join(dir, 'ti.pcap'), join(dir, 'to.pcap')], { encoding: 'utf8' });
    assert.match(out, /^2 in, 2 translated, dropped: \{\}$/m);
    const f = ['ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport', 'ip.checksum.status', 'tcp.checksum.status'];
    assert.deepEqual(tshark(dir, join(dir, 'to.pcap'), f), ['203.0.113.1,198.51.100.1,20000,443,1,1']);
    assert.deepEqual(tshark(dir, join(dir, 'ti.pcap'), f), ['198.51.100.1,10.0.0.5,443,33000,1,1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
