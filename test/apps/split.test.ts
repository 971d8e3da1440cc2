// Split by ethertype, VLAN and IP protocol, and a Splitter subclass: every packet on the output
// its header says, truncated and lying frames as malformed (dropped or defaulted), exact counters.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Split, Splitter } from '../../src/apps/index.js';
import type { AppContext } from '../../src/pipeline/app.js';
import { ConfigError } from '../../src/pipeline/schema.js';
import { Collect, Config, Gen, eth, feeds, hex, ipv4, ipv6, seen, start } from './lib.js';

const A = '02:00:00:00:00:0a', B = '02:00:00:00:00:0b';
const Q = 0x8100, AD = 0x88a8;

/** Runs frames through a Split with `cfg`, outputs linked as `outs` to Collect inputs of the same name. */
function split(cfg: Record<string, unknown>, frames: Uint8Array[], outs: string[]) {
  feeds.set('g', frames);
  const c = new Config().app('g', Gen, { burst: 5 }).app('s', Split, cfg as never).app('c', Collect).link('g.out -> s.in');
  for (const o of outs) c.link(`s.${o} -> c.${o}`);
  const r = start(c);
  r.settle();
  const got = Object.fromEntries(outs.map((o) => [o, seen.get('c')!.get(o)!]));
  return { got, stats: r.finish() };
}

test('Split by ethertype: after any 802.1Q / 802.1ad tags; unknown to default; truncated dropped as malformed', () => {
  const ip4 = [eth(A, B, 0x0800, ipv4(17)), eth(A, B, 0x0800, ipv4(6), [[Q, 10]]), eth(A, B, 0x0800, ipv4(1), [[AD, 100], [Q, 10]])];
  const arp = [eth('ff:ff:ff:ff:ff:ff', B, 0x0806, new Array(28).fill(1))];
  const ip6 = [eth(A, B, 0x86dd, ipv6(58))];
  const other = [eth(A, B, 0x88b5), eth(A, B, 0x88b5, [], [[Q, 5]])];
  const bad = [eth(A, B, 0x0800).subarray(0, 13), eth(A, B, 0x0800, [], [[Q, 3]]).subarray(0, 17), new Uint8Array(0)];
  const frames = [...ip4, ...bad.slice(0, 1), ...arp, ...ip6, ...bad.slice(1), ...other];
  const { got, stats } = split({ by: 'ethertype', map: { '0x0800': 'ip4', '2054': 'arp', '0x86DD': 'ip6' } }, frames, ['ip4', 'arp', 'ip6', 'default']);
  assert.deepEqual(got['ip4'], ip4.map(hex));
  assert.deepEqual(got['arp'], arp.map(hex));
  assert.deepEqual(got['ip6'], ip6.map(hex));
  assert.deepEqual(got['default'], other.map(hex));
  assert.deepEqual(stats.apps['s'], { in: 10, out: 7, dropped: 3, drops: { unconnected: 0, malformed: 3 } });
});

test('Split by vlan: the outer VID; untagged to default; malformed: "default" sends truncated frames there too', () => {
  const v10 = [eth(A, B, 0x0800, [], [[Q, 10]]), eth(A, B, 0x0800, [], [[AD, 10], [Q, 20]])];
  const v20 = [eth(A, B, 0x86dd, [], [[Q, 20]]), eth(A, B, 0x0800, [], [[Q, 0x3014]])]; // PCP/DEI bits set, VID 20
  const untagged = [eth(A, B, 0x0800)];
  const cut = [eth(A, B, 0x0800, [], [[Q, 10]]).subarray(0, 16)];
  const { got, stats } = split({ by: 'vlan', map: { 10: 'v10', 20: 'v20' }, malformed: 'default', default: 'rest' }, [...v10, ...untagged, ...cut, ...v20], ['v10', 'v20', 'rest']);
  assert.deepEqual(got['v10'], v10.map(hex));
  assert.deepEqual(got['v20'], v20.map(hex));
  assert.deepEqual(got['rest'], [...untagged, ...cut].map(hex));
  assert.deepEqual(stats.apps['s'], { in: 6, out: 6, dropped: 0, drops: { unconnected: 0, malformed: 0 } });
});

test('Split by ipproto: IPv4 (with options), IPv6 through hop-by-hop, routing, fragment and destination options; lying lengths malformed', () => {
  const udp = [eth(A, B, 0x0800, ipv4(17)), eth(A, B, 0x0800, ipv4(17, [], 3), [[Q, 7]]), eth(A, B, 0x86dd, ipv6(17, [[0, 0], [43, 1], [44, 0], [60, 2]]))];
  const tcp = [eth(A, B, 0x0800, ipv4(6)), eth(A, B, 0x86dd, ipv6(6))];
  const icmp6 = [eth(A, B, 0x86dd, ipv6(58, [[0, 0]]))];
  const rest = [eth(A, B, 0x0806, new Array(28).fill(0)), eth(A, B, 0x0800, ipv4(47))];
  const ihl15 = eth(A, B, 0x0800, ipv4(17)).slice(0, 14 + 40);
  ihl15[14] = 0x4f; // IHL 15 = 60 bytes, frame has 40
  const v6 = eth(A, B, 0x86dd, ipv6(17, [[0, 0]]));
  v6[14 + 40 + 1] = 30; // hop-by-hop now says 248 bytes: past the end of the frame
  const notV4 = eth(A, B, 0x0800, ipv4(17));
  notV4[14] = 0x65; // version 6 in an IPv4 ethertype
  const bad = [eth(A, B, 0x0800, ipv4(17)).subarray(0, 14 + 19), ihl15, v6, notV4, eth(A, B, 0x86dd, ipv6(17)).subarray(0, 14 + 39)];
  const frames = [...udp, bad[0]!, ...tcp, bad[1]!, ...icmp6, bad[2]!, ...rest, bad[3]!, bad[4]!];
  const { got, stats } = split({ by: 'ipproto', map: { 17: 'udp', 6: 'tcp', 58: 'icmp6' } }, frames, ['udp', 'tcp', 'icmp6', 'default']);
  assert.deepEqual(got['udp'], udp.map(hex));
  assert.deepEqual(got['tcp'], tcp.map(hex));
  assert.deepEqual(got['icmp6'], icmp6.map(hex));
  assert.deepEqual(got['default'], rest.map(hex));
  assert.deepEqual(stats.apps['s'], { in: 13, out: 8, dropped: 5, drops: { unconnected: 0, malformed: 5 } });
});

test('Split: an output the map names but the graph does not link drops as unconnected; one-output bursts pass whole', () => {
  const ip = Array.from({ length: 40 }, () => eth(A, B, 0x0800, ipv4(17)));
  const arp = Array.from({ length: 9 }, () => eth(A, B, 0x0806));
  const { got, stats } = split({ by: 'ethertype', map: { '0x0800': 'ip', '0x0806': 'arp' } }, [...ip, ...arp], ['ip']);
  assert.equal(got['ip']!.length, 40);
  // 'arp' and 'default' are not linked
  assert.deepEqual(stats.apps['s'], { in: 49, out: 40, dropped: 9, drops: { unconnected: 9, malformed: 0 } });
});

test('Splitter subclass: classify(h) by a user predicate (frame length), MALFORMED and made-up indices handled', () => {
  class BySize extends Splitter {
    private readonly small: number;
    private readonly big: number;
    constructor(ctx: AppContext, config: never) {
      super(ctx, config);
      this.small = this.target('small');
      this.big = this.target('big');
    }
    classify(h: number): number {
      const len = this.pool.dataLen(h);
      if (len === 61) return Splitter.MALFORMED;
      if (len === 62) return 99; // an index it never got: default
      return len < 200 ? this.small : len <= 1000 ? Splitter.DEFAULT : this.big;
    }
  }
  const sizes = [60, 61, 62, 150, 500, 1400, 199, 200, 1001, 61];
  const frames = sizes.map((n) => { const f = new Uint8Array(n); f[0] = n & 0xff; return f; });
  feeds.set('g', frames);
  const c = new Config().app('g', Gen, { burst: 4 }).app('s', BySize).app('c', Collect)
    .link('g.out -> s.in').link('s.small -> c.small').link('s.big -> c.big').link('s.default -> c.default');
  const r = start(c);
  r.settle();
  const got = seen.get('c')!;
  const len = (xs: string[]) => xs.map((x) => x.length / 2);
  assert.deepEqual(len(got.get('small')!), [60, 150, 199]);
  assert.deepEqual(len(got.get('big')!), [1400, 1001]);
  assert.deepEqual(len(got.get('default')!), [62, 500, 200]);
  assert.deepEqual(r.finish().apps['s'], { in: 10, out: 8, dropped: 2, drops: { unconnected: 0, malformed: 2 } });
});

test('Split: bad configurations are ConfigErrors naming the app and the field', () => {
  const bad = (cfg: unknown, re: RegExp) => assert.throws(() => new Config().app('sp', Split, cfg as never), (e: Error) => e instanceof ConfigError && re.test(e.message), String(re));
  bad({ map: {} }, /app 'sp' \(Split\): field 'by' is required: one of "ethertype", "vlan", "ipproto"/);
  bad({ by: 'mpls' }, /app 'sp' \(Split\): field 'by': "mpls" is not one of/);
  bad({ by: 'vlan', map: { ten: 'x' } }, /app 'sp' \(Split\): field 'map': key "ten" is not a number/);
  bad({ by: 'vlan', map: { 10: 'a b' } }, /app 'sp' \(Split\): field 'map': value for "10": "a b" is not an output name/);
  bad({ by: 'vlan', malformed: 'keep' }, /app 'sp' \(Split\): field 'malformed': "keep" is not one of "drop", "default"/);
  bad({ by: 'vlan', default: '' }, /app 'sp' \(Split\): field 'default'/);
  // A key out of range for `by` is found when the app is made (the field alone cannot know `by`).
  feeds.set('g', []);
  assert.throws(() => start(new Config().app('g', Gen).app('sp', Split, { by: 'vlan', map: { 5000: 'x' } }).link('g.out -> sp.in')),
    (e: Error) => e instanceof ConfigError && /app 'sp' \(Split\): field 'map': key 5000 is not a VLAN ID 0\.\.4095/.test(e.message));
});
