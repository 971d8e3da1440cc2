// RFC 1624 incremental updates (src/packet's, which the NAT and the router use) equal a full
// recomputation (RFC 1071), including the cases RFC 1624 §3 is about (a result of 0x0000 /
// 0xffff), for 16- and 32-bit fields; and nf/hdr.ts's IPv6 pseudo-header sum.
import test from 'node:test';
import assert from 'node:assert/strict';
import { finish, incremental16, incremental32, sumBytes } from '../../../src/packet/checksum.js';
import { pseudo6, rd16, wr16, wr32 } from '../../../src/apps/nf/hdr.js';
import { rng } from '../../lib/nf-corpus.js';

test('incremental16/32 equal recomputing the checksum, 100,000 random edits', () => {
  const r = rng(77);
  const h = new Uint8Array(20);
  for (let i = 0; i < 100000; i++) {
    for (let k = 0; k < 20; k++) h[k] = r() & 255;
    if (i % 1000 === 0) h.fill(0); // all-zero data: checksum 0xffff, the -0 corner
    wr16(h, 10, 0);
    wr16(h, 10, finish(sumBytes(h)));
    assert.equal(finish(sumBytes(h)), 0);
    if (i & 1) {
      const at = 2 * (r() % 10);
      if (at === 10) continue;
      const old = rd16(h, at), nv = r() & 0xffff;
      wr16(h, at, nv);
      wr16(h, 10, incremental16(rd16(h, 10), old, nv));
    } else {
      const at = 12 + 4 * (r() % 2);
      const old = ((h[at]! << 24) | (h[at + 1]! << 16) | (h[at + 2]! << 8) | h[at + 3]!) >>> 0, nv = r();
      wr32(h, at, nv);
      wr16(h, 10, incremental32(rd16(h, 10), old, nv));
    }
    assert.equal(finish(sumBytes(h)), 0, `edit ${i}: the updated checksum verifies`);
    const got = rd16(h, 10);
    wr16(h, 10, 0);
    assert.equal(got, finish(sumBytes(h)), `edit ${i}: equal to recomputing`);
  }
});

test('pseudo6 is the RFC 8200 §8.1 pseudo-header sum', () => {
  const r = rng(78);
  for (let i = 0; i < 1000; i++) {
    const ip6 = new Uint8Array(40);
    for (let k = 0; k < 40; k++) ip6[k] = r() & 255;
    const len = i === 0 ? 0x1_0002 : r() & 0xffff, next = r() & 255;
    // The pseudo-header as bytes: source, destination, 32-bit length, 3 zero bytes, next header.
    const ph = new Uint8Array(40);
    ph.set(ip6.subarray(8, 40), 0);
    ph[32] = len >>> 24; ph[33] = len >>> 16; ph[34] = len >>> 8; ph[35] = len; ph[39] = next;
    assert.equal(finish(sumBytes(new Uint8Array(0), pseudo6(ip6, 0, next, len))), finish(sumBytes(ph)));
  }
});
