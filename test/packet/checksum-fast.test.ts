// recomputeIpv4Checksums (the fixed-offset path of the Csum app) against the general path
// (parser + checksum.ts, apps/csum.ts recomputeParsed) on generated frames, valid and damaged:
// where the fast path answers 1 its bytes equal the general path's, where it answers 0 it wrote
// nothing, and it never writes outside the packet.
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Pool } from '../../src/memory/pool.js';
import { buildFrame, type FrameSpec } from '../../src/packet/build.js';
import { recomputeIpv4Checksums } from '../../src/packet/checksum-fast.js';
import { Parsed } from '../../src/packet/parse.js';
import { recomputeParsed } from '../../src/apps/csum.js';
import { META_DATA_LEN, META_DATA_OFF, META_SIZE } from '../../src/memory/layout.js';
import { frameSpec } from './arbitraries.js';

const RUNS = Number(process.env['RINGWAY_FC_RUNS_FAST'] ?? 20000);

function rarely<T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: a });
}

/** A frame: generated, then maybe a length field lied about, bytes overwritten, cut short. */
const damaged = fc.tuple(
  fc.oneof(
    { weight: 3, arbitrary: frameSpec },
    // plain IPv4 UDP/TCP with 0 or 1 tag: the shape the fast path takes, so most runs reach it
    { weight: 3, arbitrary: fc.record({ tag: fc.boolean(), tcp: fc.boolean(), payload: fc.integer({ min: 0, max: 1500 }), id: fc.integer({ min: 0, max: 0xffff }) })
      .map(({ tag, tcp, payload, id }): FrameSpec => ({ ...(tag ? { vlans: [{ vid: id & 4095 }] } : {}), ipv4: { id, src: id * 65537, dst: ~id >>> 0 }, ...(tcp ? { tcp: { sport: id } } : { udp: { sport: id, dport: 53 } }), payload })) },
  ),
  // each kind of damage in about one frame of five, so that many frames stay whole
  rarely(fc.tuple(fc.constantFrom(16, 18, 20, 22, 38, 42, 46, 50), fc.integer({ min: 0, max: 0xffff }))),
  rarely(fc.array(fc.tuple(fc.nat(64), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 2 })).map((m) => m ?? []),
  rarely(fc.nat()),
  rarely(fc.constant(true)).map((o) => o === true), // odd data offset
).map(([s, lie, muts, cut, odd]) => {
  let f = buildFrame(s);
  if (lie !== null && lie[0] + 2 <= f.length) { f[lie[0]] = lie[1] >> 8; f[lie[0] + 1] = lie[1] & 0xff; }
  for (const [at, v] of muts) if (at < f.length) f[at] = v;
  if (cut !== null) f = f.subarray(0, cut % (f.length + 1));
  return { f, odd };
});

test(`fast IPv4 checksums equal the general path, and decline without writing: ${RUNS} frames`, () => {
  const pool = Pool.create({ buffers: 4, hugepages: 'never', headroom: 128 });
  const v = pool.view();
  const hs = new Uint32Array(2);
  assert.equal(v.allocBurst(hs, 2), 2);
  const [a, b] = [hs[0]!, hs[1]!];
  const p = new Parsed();
  const one = new Uint32Array(1), rest = new Uint32Array(1);
  const fast = (h: number) => { one[0] = h; return 1 - recomputeIpv4Checksums(v, one, 1, rest); };
  const load = (h: number, f: Uint8Array, odd: boolean) => {
    const m = v.offset(h);
    v.u8.fill(0xa5, m + META_SIZE, m + v.stride); // a known pattern around the packet
    const off = META_SIZE + v.headroom + (odd ? 1 : 0);
    v.u8.set(f, m + off);
    v.u16[(m + META_DATA_OFF) >> 1] = off;
    v.u16[(m + META_DATA_LEN) >> 1] = f.length;
  };
  const bytes = (h: number) => v.u8.slice(v.offset(h), v.offset(h) + v.stride);
  let took = 0, declined = 0;
  fc.assert(fc.property(damaged, ({ f, odd }) => {
    load(a, f, odd);
    load(b, f, odd);
    const before = bytes(a);
    const r = fast(a);
    if (r === 1) {
      took++;
      assert.equal(recomputeParsed(p, v, b), true, 'the fast path took a frame the parser calls malformed');
      assert.deepEqual(bytes(a), bytes(b));
    } else {
      declined++;
      assert.equal(r, 0);
      assert.deepEqual(bytes(a), before, 'declined, yet wrote');
    }
  }), { numRuns: RUNS, seed: 20261201 });
  // both branches ran often (a fast path that never fires, or fires on everything, fails here)
  assert.ok(took > RUNS / 5, `fast path took ${took} of ${RUNS}`);
  assert.ok(declined > RUNS / 5, `fast path declined ${declined} of ${RUNS}`);
  assert.equal(fast(0xffffffff), 0, 'a handle that is no buffer is declined');
  assert.equal(rest[0], 0xffffffff);
  // a burst: the declined handles come back in order; counts past either array are cut
  load(a, buildFrame({ ipv4: {}, udp: {}, payload: 20 }), false);
  load(b, buildFrame({ ipv6: {}, udp: {}, payload: 20 }), false);
  const burst = Uint32Array.of(b, a, 0xfffffff0, b, a), out = new Uint32Array(8);
  assert.equal(recomputeIpv4Checksums(v, burst, 5, out), 3);
  assert.deepEqual([...out.subarray(0, 3)], [b, 0xfffffff0, b]);
  assert.equal(recomputeIpv4Checksums(v, burst, 99, out), 3, 'n past the array');
  assert.equal(recomputeIpv4Checksums(v, burst, 5, new Uint32Array(2)), 1, 'rest of 2 looks at 2 handles');
  v.freeBurst(hs, 2);
  v.close();
  pool.close();
});
