// RFC 1624 incremental updates equal a full recomputation (RFC 1071), including the cases RFC
// 1624 §3 is about (a result of 0x0000 / 0xffff), for 16- and 32-bit fields.
import test from 'node:test';
import assert from 'node:assert/strict';
import { csumUpdate16, csumUpdate32, fold, rd16, sum16, wr16, wr32 } from '../../../src/apps/nf/hdr.js';
import { rng } from '../../lib/nf-corpus.js';

test('csumUpdate16/32 equal recomputing the checksum, 100,000 random edits', () => {
  const r = rng(77);
  const h = new Uint8Array(20);
  for (let i = 0; i < 100000; i++) {
    for (let k = 0; k < 20; k++) h[k] = r() & 255;
    if (i % 1000 === 0) h.fill(0); // all-zero data: checksum 0xffff, the -0 corner
    wr16(h, 10, 0);
    wr16(h, 10, fold(sum16(h, 0, 20)));
    assert.equal(fold(sum16(h, 0, 20)), 0);
    if (i & 1) {
      const at = 2 * (r() % 10);
      if (at === 10) continue;
      const old = rd16(h, at), nv = r() & 0xffff;
      wr16(h, at, nv);
      wr16(h, 10, csumUpdate16(rd16(h, 10), old, nv));
    } else {
      const at = 12 + 4 * (r() % 2);
      const old = ((h[at]! << 24) | (h[at + 1]! << 16) | (h[at + 2]! << 8) | h[at + 3]!) >>> 0, nv = r();
      wr32(h, at, nv);
      wr16(h, 10, csumUpdate32(rd16(h, 10), old, nv));
    }
    assert.equal(fold(sum16(h, 0, 20)), 0, `edit ${i}: the updated checksum verifies`);
    const got = rd16(h, 10);
    wr16(h, 10, 0);
    assert.equal(got, fold(sum16(h, 0, 20)), `edit ${i}: equal to recomputing`);
  }
});
