// Seeded, reproducible corpora for the network-function tests and benches: ClassBench-like ACL
// rule sets (a mix of wildcards, prefixes of every length, exact ports, port ranges and protocol
// wildcards, as ClassBench's acl seeds have) and traces drawn mostly from inside the rules, and
// IPv4 route tables. No ClassBench seed files ship with Debian, so the generator stands in for
// them; the rule FORMAT is the one dpdk-test-acl and l3fwd read.
import type { AclRule } from '../../src/apps/nf/acl.js';

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32: enough for corpora, and the same on every machine.
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

const mask = (len: number) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

/** n ACL rules; a few /0 wildcards per field, prefixes clustered under 10 /8s so rules overlap. */
export function aclRules(n: number, seed = 1): AclRule[] {
  const r = rng(seed);
  const bases = Array.from({ length: 10 }, () => (r() & 0xff000000) >>> 0);
  const net = () => {
    const k = r() % 10;
    if (k === 0) return [0, 0] as const;
    const len = k < 3 ? 8 + (r() % 9) : 16 + (r() % 17);
    const ip = (bases[r() % bases.length]! | (r() & 0x00ffffff)) >>> 0;
    return [(ip & mask(len)) >>> 0, len] as const;
  };
  const ports = () => {
    const k = r() % 8;
    if (k < 3) return [0, 65535] as const;
    if (k < 5) { const p = r() % 65536; return [p, p] as const; }
    if (k < 6) return [1024, 65535] as const;
    const a = r() % 65536, b = r() % 65536;
    return [Math.min(a, b), Math.max(a, b)] as const;
  };
  const out: AclRule[] = [];
  for (let i = 0; i < n; i++) {
    const [srcIp, srcLen] = net(), [dstIp, dstLen] = net();
    const [sportLo, sportHi] = ports(), [dportLo, dportHi] = ports();
    const k = r() % 4;
    const [proto, protoMask] = k === 0 ? [0, 0] : k === 1 ? [17, 0xff] : [6, 0xff];
    out.push({ srcIp, srcLen, dstIp, dstLen, sportLo, sportHi, dportLo, dportHi, proto, protoMask, priority: -i });
  }
  return out;
}

export interface Tuple { proto: number; src: number; dst: number; sport: number; dport: number }

/** n 5-tuples: 3 of 4 from inside a random rule (every field a random point of it), 1 of 4 random. */
export function aclTrace(rules: readonly AclRule[], n: number, seed = 2): Tuple[] {
  const r = rng(seed);
  const inside = (ip: number, len: number) => ((ip & mask(len)) | (r() & ~mask(len))) >>> 0;
  const inRange = (lo: number, hi: number) => lo + (r() % (hi - lo + 1));
  const out: Tuple[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 4 === 3 || rules.length === 0) {
      out.push({ proto: [6, 17, 1][r() % 3]!, src: r(), dst: r(), sport: r() & 0xffff, dport: r() & 0xffff });
      continue;
    }
    const q = rules[r() % rules.length]!;
    out.push({
      proto: q.protoMask === 0 ? [6, 17, 1][r() % 3]! : q.proto,
      src: inside(q.srcIp, q.srcLen), dst: inside(q.dstIp, q.dstLen),
      sport: inRange(q.sportLo, q.sportHi), dport: inRange(q.dportLo, q.dportHi),
    });
  }
  return out;
}

/** dpdk-test-acl's trace format: "src dst sport dport proto", numbers base 0. */
export function formatTrace(t: readonly Tuple[]): string {
  return t.map((x) => `0x${x.src.toString(16)} 0x${x.dst.toString(16)} ${x.sport} ${x.dport} ${x.proto}`).join('\n') + '\n';
}

/** n distinct IPv4 routes of /8../32 (most /16../24 as in a BGP table), next hops 0..hops-1. */
export function routes4(n: number, hops: number, seed = 3): Array<[number, number, number]> {
  const r = rng(seed);
  const seen = new Set<string>();
  const out: Array<[number, number, number]> = [];
  while (out.length < n) {
    const k = r() % 100;
    const len = k < 2 ? 8 + (r() % 8) : k < 90 ? 16 + (r() % 9) : 25 + (r() % 8);
    const ip = (r() & mask(len)) >>> 0;
    const key = `${ip}/${len}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([ip, len, r() % hops]);
  }
  return out;
}
