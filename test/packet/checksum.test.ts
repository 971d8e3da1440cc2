// Checksum helpers against the RFCs' worked examples and against a naive reference sum.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as ck from '../../src/packet/checksum.js';
import * as ipv4 from '../../src/packet/headers/ipv4.js';
import { Frame } from '../../src/packet/frame.js';
import { buildFrame } from '../../src/packet/build.js';

/** RFC 1071 §4.1-style reference: 16-bit big-endian words, end-around carry after each add. */
function reference(b: Uint8Array, off: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) {
    s += (b[off + i]! << 8) | (i + 1 < len ? b[off + i + 1]! : 0);
    s = (s & 0xffff) + (s >>> 16);
  }
  return s;
}

test('RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2', () => {
  assert.equal(ck.sumBytes(Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])), 0xddf2);
});

test('rawSum equals the reference at every length 0..300 and every alignment', () => {
  const b = new Uint8Array(400);
  for (let i = 0; i < b.length; i++) b[i] = (i * 151 + 7) & 0xff;
  b.fill(0xff, 200, 260); // long runs of ones: exercise the 0xffff / carry cases
  const dv = new DataView(b.buffer);
  // 0..300 crosses the short (< 128) and long loops
  for (let off = 0; off < 8; off++) for (let len = 0; len <= 300; len++) {
    assert.equal(ck.rawSum(dv, off, len), reference(b, off, len), `off ${off} len ${len}`);
  }
  const z = new Uint8Array(64);
  assert.equal(ck.rawSum(new DataView(z.buffer), 0, 64), 0);
  z.fill(0xff);
  assert.equal(ck.rawSum(new DataView(z.buffer), 0, 64), 0xffff);
});

test('RFC 1624 §4 example: HC 0xdd2f, m 0x5555 -> 0x3285 gives 0x0000 (RFC 1141 gave 0xffff)', () => {
  assert.equal(ck.incremental16(0xdd2f, 0x5555, 0x3285), 0x0000);
  // RFC 1141's formula, for contrast: HC' = HC + m - m' with end-around carry
  let c = 0xdd2f + 0x5555 + (~0x3285 & 0xffff);
  c = (c & 0xffff) + (c >>> 16);
  c = (c & 0xffff) + (c >>> 16);
  assert.equal(c, 0xffff);
});

test('decrementTtl keeps the IPv4 header checksum valid for every TTL and refuses TTL 0', () => {
  const f = new Frame();
  for (let ttl = 0; ttl < 256; ttl++) {
    const b = buildFrame({ ipv4: { ttl, id: ttl * 257 }, udp: {} });
    f.wrap(b);
    const r = ipv4.decrementTtl(f, 14);
    if (ttl === 0) { assert.equal(r, -1); assert.equal(ipv4.ttl(f, 14), 0); continue; }
    assert.equal(r, ttl - 1);
    assert.ok(ck.ipv4HeaderValid(f, 14), `ttl ${ttl}`);
    assert.equal(ipv4.checksum(f, 14), ck.ipv4HeaderChecksum(f, 14));
  }
  f.wrap(new Uint8Array(14 + 19));
  assert.equal(ipv4.decrementTtl(f, 14), -1, 'a header cut short is not touched');
});
