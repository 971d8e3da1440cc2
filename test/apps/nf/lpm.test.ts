// DIR-24-8 IPv4 and 16-8-... IPv6 LPM against a brute-force reference (longest matching prefix
// of a rule list), through random adds and deletes, including prefixes longer than the first
// level (groups), deletes that must restore a shorter covering route, and group recycling.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Lpm4, Lpm6, NO_ROUTE, formatIPv6, parseIPv4, parseIPv6, parsePrefix } from '../../../src/apps/nf/lpm.js';
import { native } from '../../../src/native.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    s ^= s >>> 13;
    return s >>> 0;
  };
}

const mask = (d: number) => (d === 0 ? 0 : (0xffffffff << (32 - d)) >>> 0);

function ref4(rules: Map<string, number>, ip: number): number {
  let best = -1, nh = NO_ROUTE;
  for (const [k, v] of rules) {
    const slash = k.indexOf('/');
    const p = Number(k.slice(0, slash)), d = Number(k.slice(slash + 1));
    if (d > best && ((ip ^ p) & mask(d)) >>> 0 === 0) { best = d; nh = v; }
  }
  return nh;
}

test('Lpm4: random adds, deletes and lookups agree with brute force (groups, recycling)', () => {
  const r = rng(1), lpm = new Lpm4({ groups: 4 });
  const rules = new Map<string, number>();
  // Prefixes clustered in 10.0.0.0/16 so that /25../32 share groups with shorter routes.
  const rand = () => {
    // Short prefixes rewrite millions of first-level entries each (as in rte_lpm): a few only.
    const d = r() % 50 === 0 ? r() % 8 : 8 + (r() % 25);
    const ip = ((10 << 24) | (r() & 0xffff)) >>> 0;
    const p = d < 8 ? (r() & mask(d)) >>> 0 : (ip & mask(d)) >>> 0;
    return [p, d] as const;
  };
  const probe = () => {
    for (let i = 0; i < 1500; i++) {
      const ip = i & 1 ? ((10 << 24) | (r() & 0xffff)) >>> 0 : r();
      assert.equal(lpm.lookup(ip), ref4(rules, ip), `lookup ${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`);
    }
  };
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 300; i++) {
      const [p, d] = rand();
      const nh = r() % 1000;
      lpm.add(p, d, nh);
      rules.set(`${p}/${d}`, nh);
    }
    probe();
    const keys = [...rules.keys()];
    for (let i = 0; i < 150; i++) {
      const k = keys[r() % keys.length]!;
      const [p, d] = k.split('/').map(Number) as [number, number];
      assert.equal(lpm.delete(p, d), rules.delete(k));
    }
    probe();
  }
  assert.equal(lpm.size, rules.size);
  for (const k of [...rules.keys()]) {
    const [p, d] = k.split('/').map(Number) as [number, number];
    lpm.delete(p, d);
  }
  assert.equal(lpm.size, 0);
  assert.equal(lpm.trie.groupsUsed, 0, 'every group goes back once no route needs it');
  assert.equal(lpm.lookup(parseIPv4('10.0.1.1')), NO_ROUTE);
});

test('Lpm4: a /32 and /25s under a /24; deleting restores the covering route; burst lookup', () => {
  const lpm = new Lpm4();
  lpm.add(parseIPv4('198.18.0.0'), 24, 1);
  lpm.add(parseIPv4('198.18.0.7'), 32, 2);
  lpm.add(parseIPv4('198.18.0.128'), 25, 3);
  lpm.add(parseIPv4('198.18.0.0'), 25, 3); // siblings with the same next hop fold into one entry
  const ips = Uint32Array.from(['198.18.0.7', '198.18.0.8', '198.18.0.200', '198.18.1.1'].map(parseIPv4));
  const out = new Int32Array(4);
  lpm.lookupBurst(ips, out, 4);
  assert.deepEqual([...out], [2, 3, 3, NO_ROUTE]);
  assert.ok(lpm.delete(parseIPv4('198.18.0.128'), 25));
  lpm.lookupBurst(ips, out, 4);
  assert.deepEqual([...out], [2, 3, 1, NO_ROUTE]);
  assert.ok(lpm.delete(parseIPv4('198.18.0.7'), 32));
  assert.ok(lpm.delete(parseIPv4('198.18.0.0'), 25));
  lpm.lookupBurst(ips, out, 4);
  assert.deepEqual([...out], [1, 1, 1, NO_ROUTE]);
  assert.equal(lpm.delete(parseIPv4('198.18.0.0'), 25), false);
  lpm.add(0, 0, 9);
  assert.equal(lpm.lookup(parseIPv4('8.8.8.8')), 9);
  assert.throws(() => lpm.add(0, 33, 1), /prefix length 33/);
  assert.throws(() => lpm.add(0, 8, -1), /next hop -1/);
});

test('Lpm6: random routes agree with brute force; text forms parse', () => {
  assert.equal(formatIPv6(parseIPv6('2001:db8::1')), '2001:db8::1');
  assert.deepEqual([...parseIPv6('::ffff:192.0.2.1')].slice(10), [0xff, 0xff, 192, 0, 2, 1]);
  assert.throws(() => parseIPv6('2001:db8:::1'), /not an IPv6 address/);
  const p = parsePrefix('2001:db8::/32');
  assert.ok(p.v6 && p.depth === 32);
  const r = rng(7), lpm = new Lpm6();
  const rules: Array<{ a: Uint8Array; d: number; nh: number }> = [];
  const addr = () => {
    const a = new Uint8Array(16);
    a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8;
    for (let i = 4; i < 16; i++) a[i] = i < 8 ? r() & 3 : r() & 255;
    return a;
  };
  const covers = (x: Uint8Array, a: Uint8Array, d: number) => {
    for (let b = 0; b < d; b++) if (((x[b >> 3]! ^ a[b >> 3]!) >> (7 - (b & 7))) & 1) return false;
    return true;
  };
  const ref = (x: Uint8Array) => {
    let best = -1, nh = NO_ROUTE;
    for (const q of rules) if (q.d > best && covers(x, q.a, q.d)) { best = q.d; nh = q.nh; }
    return nh;
  };
  for (let i = 0; i < 400; i++) {
    const a = addr(), d = [0, 16, 32, 48, 56, 64, 127, 128][r() % 8]! - (r() % 3 === 0 ? r() % 7 : 0);
    const depth = Math.max(0, d);
    const existing = rules.findIndex((q) => q.d === depth && covers(a, q.a, depth) && covers(q.a, a, depth));
    const nh = r() % 100;
    lpm.add(a, depth, nh);
    if (existing >= 0) rules[existing]!.nh = nh;
    else rules.push({ a, d: depth, nh });
  }
  for (let i = 0; i < 2000; i++) {
    const x = i % 3 === 0 ? rules[r() % rules.length]!.a : addr();
    assert.equal(lpm.lookup(x), ref(x));
  }
  for (let i = 0; i < 200; i++) {
    const q = rules.splice(r() % rules.length, 1)[0]!;
    assert.ok(lpm.delete(q.a, q.d));
  }
  for (let i = 0; i < 2000; i++) {
    const x = i % 3 === 0 ? rules[r() % rules.length]!.a : addr();
    assert.equal(lpm.lookup(x), ref(x));
  }
});

test('Lpm4: the native burst lookup equals the JS one and single lookups, through growth and deletes', () => {
  // groups: 1 makes the table grow (a new, larger Int32Array) many times: the native side reads
  // whichever table is current, passed per call.
  const r = rng(11), lpm = new Lpm4({ groups: 1 });
  const routes: Array<[number, number]> = [];
  for (let i = 0; i < 3000; i++) {
    const d = 14 + (r() % 19), p = (r() & mask(d)) >>> 0; // few short prefixes: each rewrites 2^(24-d) entries
    lpm.add(p, d, r() % 5000);
    routes.push([p, d]);
  }
  const n = 4096, ips = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const [p, d] = routes[r() % routes.length]!;
    ips[i] = i % 4 === 0 ? r() : (p | (r() & ~mask(d))) >>> 0;
  }
  const check = () => {
    const a = new Int32Array(64), b = new Int32Array(64);
    for (let at = 0; at < n; at += 64) {
      a.fill(7); b.fill(7);
      lpm.lookupBurst(ips, a, 64, at);
      lpm.lookupBurstJs(ips, b, 64, at);
      assert.deepEqual(a, b, `burst at ${at}`);
      for (let i = 0; i < 64; i++) assert.equal(a[i], lpm.lookup(ips[at + i]!));
    }
  };
  check();
  assert.ok(lpm.trie.groupsUsed > 1);
  for (let i = 0; i < 1500; i++) lpm.delete(...routes[i]!);
  check();
  // A short burst, an offset, and what the native side refuses (it then falls back to JS): a
  // range past the end of ips, and out overlapping ips.
  const out = new Int32Array(8).fill(7);
  lpm.lookupBurst(ips, out, 3, n - 3);
  assert.deepEqual([...out.subarray(0, 3)], [...ips.subarray(n - 3)].map((x) => lpm.lookup(x)));
  assert.equal(out[3], 7, 'nothing written past n');
  const both = new Int32Array(16);
  both.set(ips.subarray(0, 16));
  const want = [...both].map((x) => lpm.lookup(x >>> 0));
  lpm.lookupBurst(both, both, 16);
  assert.deepEqual([...both], want, 'in place (out = ips) still right, via the JS loop');
  const t = lpm.trie.table;
  assert.equal(native.lpm4LookupBurst(t, both, 0, both, 16), 0, 'out overlapping ips: refused');
  assert.equal(native.lpm4LookupBurst(t, ips, 0, t.subarray(0, 16), 16), 0, 'out inside the table: refused');
  assert.equal(native.lpm4LookupBurst(t, ips, n - 3, out, 4), 0, 'past the end of ips: refused');
  assert.equal(native.lpm4LookupBurst(t, ips, 0, out, 9), 0, 'past the end of out: refused');
  assert.equal(native.lpm4LookupBurst(new Int32Array(10), ips, 0, out, 4), 0, 'a table without a first level: refused');
  assert.equal(native.lpm4LookupBurst(t, new Float64Array(4) as unknown as Uint32Array, 0, out, 4), 0, 'not 32-bit addresses: refused');
  assert.equal(native.lpm4LookupBurst(t, ips, 0, out, 8), 8);
});
