// The Acl, Vlan, Policer and Rss apps in a real engine: decisions, counters, drop reasons and
// bytes on the wire.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Acl } from '../../../src/apps/acl.js';
import { Policer } from '../../../src/apps/policer.js';
import { Rss } from '../../../src/apps/rss.js';
import { Vlan } from '../../../src/apps/vlan.js';
import { AclClassifier, formatRule } from '../../../src/apps/nf/acl.js';
import { Toeplitz } from '../../../src/apps/nf/toeplitz.js';
import { ipv4, ipv6 } from '../../lib/nf-packets.js';
import { aclRules, aclTrace, rng } from '../../lib/nf-corpus.js';
import { runApp } from '../../lib/nf-apps.js';

const A = '02:00:00:00:00:01', B = '02:00:00:00:00:02';

test('Acl app: actions (permit, drop, count, out:NAME, l3fwd R port), default, per-rule hits, drop reasons', () => {
  const rules = [
    '@0.0.0.0/0 10.0.0.0/8 0 : 65535 22 : 22 6/0xff drop',
    '@0.0.0.0/0 10.0.0.0/8 0 : 65535 80 : 80 6/0xff permit',
    '@0.0.0.0/0 10.0.0.0/8 0 : 65535 53 : 53 17/0xff out:dns',
    '@192.168.0.0/16 0.0.0.0/0 0 : 65535 0 : 65535 0/0 count',
    'R0.0.0.0/0 172.16.0.0/12 0 : 65535 0 : 65535 0/0 1',
    '@0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535 1/0xff',
  ];
  const frames = [
    ipv4(A, B, '1.1.1.1', '10.0.0.1', { proto: 6, dport: 22 }),
    ipv4(A, B, '1.1.1.1', '10.0.0.1', { proto: 6, dport: 80 }),
    ipv4(A, B, '1.1.1.1', '10.0.0.1', { proto: 17, dport: 53 }),
    ipv4(A, B, '192.168.1.1', '8.8.8.8', { proto: 17, dport: 9 }),
    ipv4(A, B, '1.1.1.1', '172.16.5.5', { proto: 17, dport: 9 }),
    ipv4(A, B, '1.1.1.1', '8.8.8.8', { proto: 1 }),
    ipv4(A, B, '1.1.1.1', '8.8.8.8', { proto: 17, dport: 9 }), // no match: default drop
    ipv6(A, B, '2001:db8::1', '2001:db8::2', { proto: 17 }),
  ];
  const { out, stats, app } = runApp(Acl, { rules }, { in: frames }, ['out', 'dns', '1']);
  assert.equal(out['out']!.length, 2);
  assert.equal(out['dns']!.length, 1);
  assert.equal(out['1']!.length, 1);
  assert.deepEqual([...(app as Acl).hits], [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(stats.apps['dut']!.drops, { unconnected: 0, denied: 2, 'no-match': 1, malformed: 0, 'not-ipv4': 1 });
  assert.throws(() => runApp(Acl, { rules: ['@0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535 0/0 out:nowhere'] }, { in: [] }, ['out']), /output 'nowhere', which is not linked/);
  assert.throws(() => runApp(Acl, { rules: ['@0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535 0/0 maybe'] }, { in: [] }, ['out']), /action "maybe"/);
});

test('Acl app on a 2,000-rule file: every packet goes where the classifier says', () => {
  const rules = aclRules(2000, 5);
  const trace = aclTrace(rules, 3000, 6);
  const lines = rules.map((r, i) => `${formatRule(r)} ${i % 2 ? 'permit' : 'drop'}`);
  const frames = trace.map((t) => ipv4(A, B, fmt(t.src), fmt(t.dst), { proto: t.proto === 1 ? 6 : t.proto, sport: t.sport, dport: t.dport }));
  const { out, stats } = runApp(Acl, { rules: lines }, { in: frames }, ['out'], 200);
  const cl = new AclClassifier(rules);
  let permit = 0, deny = 0, none = 0;
  for (const t of trace) {
    const r = cl.classify(t.proto === 1 ? 6 : t.proto, t.src, t.dst, t.sport, t.dport);
    if (r < 0) none++; else if (r % 2) permit++; else deny++;
  }
  assert.equal(out['out']!.length, permit);
  assert.equal(stats.apps['dut']!.drops['denied'], deny);
  assert.equal(stats.apps['dut']!.drops['no-match'], none);
});

function fmt(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

test('Vlan app: push then pop restores the frame; rewrite changes the VID; tags as 802.1Q lays them out', () => {
  const f = ipv4(A, B, '1.1.1.1', '2.2.2.2', { proto: 17 });
  const pushed = runApp(Vlan, { op: 'push', vid: 100, pcp: 5 }, { in: [f] }, ['out']).out['out']![0]!;
  assert.equal(pushed.length, f.length + 4);
  assert.deepEqual([...pushed.subarray(12, 16)], [0x81, 0x00, (5 << 5) | 0, 100]);
  assert.deepEqual(pushed.subarray(0, 12), f.subarray(0, 12));
  assert.deepEqual(pushed.subarray(16), f.subarray(12));
  const re = runApp(Vlan, { op: 'rewrite', vid: 0xabc }, { in: [pushed] }, ['out']).out['out']![0]!;
  assert.deepEqual([...re.subarray(14, 16)], [0x0a, 0xbc]);
  const popped = runApp(Vlan, { op: 'pop' }, { in: [re, f] }, ['out']).out['out']!;
  assert.deepEqual(popped[0], f);
  assert.deepEqual(popped[1], f, 'untagged frames pass pop unchanged');
});

test('Policer app: pps and bit/s budgets, yellow pass or drop, per-flow meters', () => {
  const f = ipv4(A, B, '1.1.1.1', '2.2.2.2', { proto: 17 });
  const frames = Array.from({ length: 100 }, () => f);
  // 100 packets at once (no time to refill at 1 pps): CBS 10 green, EBS 5 yellow, rest red.
  let r = runApp(Policer, { unit: 'packets', cir: 1, cbs: 10, ebs: 5 }, { in: frames }, ['out']);
  assert.equal(r.out['out']!.length, 15);
  assert.equal(r.stats.apps['dut']!.drops['red'], 85);
  r = runApp(Policer, { unit: 'packets', cir: 1, cbs: 10, ebs: 5, yellow: 'drop' }, { in: frames }, ['out']);
  assert.equal(r.out['out']!.length, 10);
  assert.equal(r.stats.apps['dut']!.drops['yellow'], 5);
  // bits: 60-byte frames, CBS 600 bytes = 10 frames.
  r = runApp(Policer, { unit: 'bits', cir: 8, cbs: 600 }, { in: frames }, ['out']);
  assert.equal(r.out['out']!.length, 10);
  // Per flow: 4 flows x 25 packets, 8 meters of CBS 5: each flow gets its own 5 (or shares a
  // meter with another flow when the hash collides).
  const flows = Array.from({ length: 100 }, (_, i) => ipv4(A, B, '1.1.1.1', '2.2.2.2', { proto: 17, sport: 1000 + (i % 4) }));
  r = runApp(Policer, { unit: 'packets', cir: 1, cbs: 5, flows: 8 }, { in: flows }, ['out']);
  const t = new Toeplitz();
  const meters = new Set([0, 1, 2, 3].map((k) => { const x = flows[k]!; return t.hashIPv4(x, 14, 34) % 8; }));
  assert.equal(r.out['out']!.length, 5 * meters.size);
});

test('Rss app: flows stick to one output, outputs follow the Toeplitz hash, non-IP to the first', () => {
  const frames: Uint8Array[] = [];
  const r = rng(9), flows = Array.from({ length: 64 }, () => [r() & 255, r() & 255, r() & 0xffff] as const);
  for (let rep = 0; rep < 3; rep++) for (const [a, b, sp] of flows) frames.push(ipv4(A, B, `10.0.${a}.${b}`, '10.1.0.1', { proto: 6, sport: sp, dport: 80 }));
  frames.push(new Uint8Array(60)); // ethertype 0
  const { out } = runApp(Rss, {}, { in: frames }, ['w0', 'w1', 'w2', 'w3'], 100);
  const t = new Toeplitz();
  const where = new Map<string, string>();
  let total = 0;
  for (const [name, list] of Object.entries(out)) {
    for (const fr of list) {
      total++;
      if (fr[12] === 0) { assert.equal(name, 'w0'); continue; }
      const key = [...fr.subarray(26, 38)].join('.');
      const h = t.hashIPv4(fr, 14, 34);
      assert.equal(name, `w${(h % 128) % 4}`);
      assert.equal(where.get(key) ?? name, name, 'one flow, one output');
      where.set(key, name);
    }
  }
  assert.equal(total, frames.length);
  assert.ok(Object.values(out).every((l) => l.length >= 15), `all four outputs used: ${Object.values(out).map((l) => l.length)}`);
});
