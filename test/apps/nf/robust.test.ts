// Malformed input never throws out of an app and never loses a buffer: every app of this branch
// gets random bytes, truncated frames whose headers claim more than is there, and valid frames
// with one byte flipped; each packet leaves on an output or is counted as a drop.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Acl } from '../../../src/apps/acl.js';
import { Nat44 } from '../../../src/apps/nat44.js';
import { Policer } from '../../../src/apps/policer.js';
import { Router } from '../../../src/apps/router.js';
import { Rss } from '../../../src/apps/rss.js';
import { Vlan } from '../../../src/apps/vlan.js';
import type { AppClass } from '../../../src/pipeline/app.js';
import { arpRequest, ipv4, ipv6, neighbourAdvert } from '../../lib/nf-packets.js';
import { runApp } from '../../lib/nf-apps.js';
import { rng } from '../../lib/nf-corpus.js';

const R0 = '02:00:00:00:00:10', H = '02:00:00:00:aa:01';

function corpus(seed: number): Uint8Array[] {
  const r = rng(seed);
  const valid = [
    ipv4(R0, H, '198.18.0.2', '10.1.0.1', { proto: 17 }), ipv4(R0, H, '198.18.0.2', '198.18.0.1', { proto: 1 }),
    ipv4(R0, H, '10.0.0.2', '203.0.113.1', { proto: 6 }), ipv6(R0, H, '2001:db8::2', '2001:db8:a::1', { proto: 17 }),
    ipv6(R0, H, '2001:db8::2', '2001:db8::1', { proto: 58, icmpType: 128 }), arpRequest(H, '198.18.0.2', '198.18.0.1'),
    neighbourAdvert(R0, H, '2001:db8::2', '2001:db8::1', '2001:db8::2'),
  ];
  const out: Uint8Array[] = [];
  for (let i = 0; i < 3000; i++) {
    const k = i % 3;
    if (k === 0) {
      const f = new Uint8Array(1 + (r() % 120));
      for (let j = 0; j < f.length; j++) f[j] = r() & 255;
      if (r() & 1) { f[12] = [0x08, 0x86, 0x81][r() % 3]!; f[13] = [0x00, 0xdd, 0x06][r() % 3]!; }
      out.push(f);
    } else if (k === 1) {
      const v = valid[r() % valid.length]!;
      out.push(v.slice(0, r() % v.length));
    } else {
      const v = valid[r() % valid.length]!.slice();
      const at = r() % v.length;
      v[at] = v[at]! ^ (1 << (r() % 8));
      out.push(v);
    }
  }
  return out;
}

const ifs = [
  { name: 'in', mac: R0, ipv4: '198.18.0.1/24', ipv6: '2001:db8::1/64' },
  { name: 'if1', mac: '02:00:00:00:00:11', ipv4: '198.18.1.1/24', ipv6: '2001:db8:1::1/64' },
];
const cases: Array<[string, AppClass, unknown, string[], string[]]> = [
  ['Router', Router, { interfaces: ifs, routes: ['10.0.0.0/8 dev if1 via 198.18.1.2', '2001:db8:a::/48 dev if1 via 2001:db8:1::2'], neighbours: ['198.18.1.2 02:00:00:00:01:02 dev if1'] }, ['in'], ['in', 'if1']],
  ['Acl', Acl, { rules: ['@0.0.0.0/0 10.0.0.0/8 0 : 65535 0 : 65535 0/0 permit', '@0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535 0/0 drop'] }, ['in'], ['out']],
  ['Nat44', Nat44, { externalIp: '203.0.113.1' }, ['inside', 'outside'], ['inside', 'outside']],
  ['Policer', Policer, { unit: 'packets', cir: 1000, cbs: 100, flows: 16 }, ['in'], ['out']],
  ['Vlan push', Vlan, { op: 'push', vid: 5 }, ['in'], ['out']],
  ['Vlan pop', Vlan, { op: 'pop' }, ['in'], ['out']],
  ['Rss', Rss, {}, ['in'], ['a', 'b', 'c']],
];

for (const [name, cls, config, inputs, outputs] of cases) {
  test(`${name}: 3,000 malformed frames per input, no throw, every packet out or counted`, () => {
    const ins: Record<string, Uint8Array[]> = {};
    inputs.forEach((n, i) => { ins[n] = corpus(100 + i); });
    const { out, stats } = runApp(cls, config, ins, outputs, 400); // runApp fails on a lost buffer
    const a = stats.apps['dut']!;
    const sent = Object.values(out).reduce((s, l) => s + l.length, 0);
    assert.equal(a.in, 3000 * inputs.length);
    // Out = what came in and was not dropped, plus what the app made itself (ARP, ICMP, ND).
    assert.ok(sent >= a.in - a.dropped, `${sent} out, ${a.in} in, ${a.dropped} dropped`);
    if (name !== 'Router') assert.equal(sent, a.in - a.dropped);
  });
}
