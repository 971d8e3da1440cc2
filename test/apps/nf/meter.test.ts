// srTCM (RFC 2697) colours: bucket sizes, refill at CIR, overflow of C into E, colour-aware mode.
import test from 'node:test';
import assert from 'node:assert/strict';
import { GREEN, RED, SrTcm, YELLOW } from '../../../src/apps/nf/meter.js';

test('srTCM colour-blind: CBS of green, then EBS of yellow, then red; refill at CIR', () => {
  const m = new SrTcm({ cir: 1000, cbs: 3000, ebs: 2000 }); // 1000 bytes/s
  const cols: number[] = [];
  for (let i = 0; i < 6; i++) cols.push(m.mark(0, 0, 1000));
  assert.deepEqual(cols, [GREEN, GREEN, GREEN, YELLOW, YELLOW, RED]);
  // 1.5 s later: 1500 tokens into C (empty, CBS 3000): one green of 1000, then 500 left.
  assert.equal(m.mark(0, 1500, 1000), GREEN);
  assert.equal(m.mark(0, 1500, 1000), RED);
  // 10 s: C fills to 3000, the rest overflows into E up to EBS.
  m.mark(0, 11500, 0);
  assert.deepEqual(m.buckets(0), { c: 3000, e: 2000 });
});

test('srTCM colour-aware: yellow input never turns green; red stays red', () => {
  const m = new SrTcm({ cir: 1e6, cbs: 1500, ebs: 1500 });
  assert.equal(m.mark(0, 0, 100, YELLOW), YELLOW);
  assert.equal(m.mark(0, 0, 100, RED), RED);
  assert.equal(m.mark(0, 0, 100, GREEN), GREEN);
});

test('srTCM pps: tokens are packets; per-flow meters are independent', () => {
  const m = new SrTcm({ cir: 10, cbs: 2, ebs: 0 }, 2);
  assert.deepEqual([m.mark(0, 0, 1), m.mark(0, 0, 1), m.mark(0, 0, 1)], [GREEN, GREEN, RED]);
  assert.equal(m.mark(1, 0, 1), GREEN);
  assert.equal(m.mark(0, 100, 1), GREEN, 'one packet of refill after 100 ms at 10 pps');
  assert.throws(() => new SrTcm({ cir: 0, cbs: 1, ebs: 1 }), /cir must be > 0/);
});
