import test from 'node:test';
import assert from 'node:assert/strict';
import { RingRegion } from '../../src/ring/ring.js';
import { native } from '../../src/native.js';

test('burst takes what fits, bulk is all or nothing (enqueue and dequeue)', () => {
  const r = RingRegion.create(8);
  const ring = r.ring;
  const src = Uint32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(ring.enqueueSp(src, 6, true), 6);
  assert.equal(ring.enqueueSpAt(src, 6, 3, true), 0, 'bulk of 3 into 2 free slots takes none');
  assert.equal(ring.enqueueSpAt(src, 6, 3), 2, 'burst takes the 2 that fit');
  assert.equal(ring.count(), 8);
  const out = new Uint32Array(10);
  assert.equal(ring.dequeueSc(out, 10, true), 0, 'bulk dequeue of 10 from 8 takes none');
  assert.equal(ring.dequeueSc(out, 3, true), 3);
  assert.deepEqual([...out.subarray(0, 3)], [1, 2, 3]);
  assert.equal(ring.dequeueSc(out, 10), 5);
  assert.deepEqual([...out.subarray(0, 5)], [4, 5, 6, 7, 8]);
  assert.equal(ring.dequeueSc(out, 10), 0, 'empty ring gives 0, never throws');
  r.close();
});

test('a start index that is no whole index in the array moves nothing (no phantom handle 0), on every enqueue and dequeue', () => {
  const r = RingRegion.create(8);
  const ring = r.ring;
  const src = Uint32Array.from([1, 2, 3, 4]), out = new Uint32Array(4).fill(77);
  for (const at of [-2, 1.5, 5, 2 ** 32, NaN]) {
    assert.equal(ring.enqueueSpAt(src, at, 2), 0, `enqueueSpAt at ${at}`);
    assert.equal(ring.enqueueMp(src, at, 2), 0, `enqueueMp at ${at}`);
  }
  assert.equal(ring.count(), 0, 'nothing entered the ring');
  assert.equal(ring.enqueueSpAt(src, 2, 2), 2);
  assert.equal(ring.enqueueMp(src, 4, 0), 0, 'at the array end with n 0 is fine');
  for (const at of [-1, 0.5, 5]) {
    assert.equal(ring.dequeueScAt(out, at, 2), 0, `dequeueScAt at ${at}`);
    assert.equal(ring.dequeueMc(out, at, 2), 0, `dequeueMc at ${at}`);
  }
  assert.deepEqual([...out], [77, 77, 77, 77], 'nothing written');
  assert.equal(ring.dequeueScAt(out, 1, 2), 2);
  assert.deepEqual([...out], [77, 3, 4, 77]);
  r.close();
});

test('indices run free past 2^32 and stay correct', () => {
  const r = RingRegion.create(4);
  const ring = r.ring;
  const i32 = ring.i32;
  // start near the wrap point: all four indices at 0xfffffffe
  for (const off of [128, 132, 256, 260]) i32[off >> 2] = -2;
  const fresh = RingRegion.attach(r.id); // re-attach so cached indices start from the new values
  const out = new Uint32Array(4);
  for (let k = 0; k < 10; k++) {
    assert.equal(fresh.ring.enqueueSp(Uint32Array.from([k, k + 1, k + 2]), 3), 3);
    assert.equal(fresh.ring.dequeueSc(out, 4), 3);
    assert.deepEqual([...out.subarray(0, 3)], [k, k + 1, k + 2]);
  }
  fresh.close();
  r.close();
});

test('SP/SC handles keep their own index privately; resync() and MP/MC calls hand the role over', () => {
  const r = RingRegion.create(16);
  const a = r.ring;
  const rb = RingRegion.attach(r.id), b = rb.ring;
  const rc = RingRegion.attach(r.id), c = rc.ring;
  const i32 = a.i32;
  const out = new Uint32Array(16);
  const one = (v: number) => Uint32Array.of(v);
  // producers
  assert.equal(a.enqueueSp(Uint32Array.of(1, 2), 2), 2);
  // b has not produced before: its first SP call takes the index from shared memory
  assert.equal(b.enqueueSp(one(3), 1), 1);
  // a's private copy is stale (2, not 3): without resync() a would write slot 2 over the 3
  a.resync();
  assert.equal(a.enqueueSp(one(4), 1), 1);
  // b's copy is stale now too; an MP call reads the shared index and drops the copy, so b's next
  // SP call needs no resync()
  assert.equal(b.enqueueMp(one(5), 0, 1), 1);
  assert.equal(b.enqueueSp(one(6), 1), 1);
  a.resync();
  assert.equal(a.enqueueSp(one(7), 1), 1);
  // the shared head is still written on every SP call (count(), the wait paths and Rust read it)
  assert.equal(i32[128 >> 2], i32[132 >> 2]);
  assert.equal(a.count(), 7);
  // consumers, the same way
  assert.equal(c.dequeueSc(out, 2), 2);
  assert.deepEqual([...out.subarray(0, 2)], [1, 2]);
  assert.equal(b.dequeueSc(out, 1), 1);
  assert.equal(out[0], 3);
  assert.equal(c.dequeueMc(out, 0, 1), 1, 'MC reads the shared index, so c is not stale here');
  assert.equal(out[0], 4);
  assert.equal(c.dequeueSc(out, 16), 3, 'and drops the copy: no resync() needed');
  assert.deepEqual([...out.subarray(0, 3)], [5, 6, 7]);
  assert.equal(a.enqueueSp(one(8), 1), 1);
  b.resync(); // b's copy says 3: without resync() it would take slots 3..7 again
  assert.equal(b.dequeueSc(out, 16), 1);
  assert.equal(out[0], 8);
  assert.equal(a.count(), 0);
  assert.equal(i32[256 >> 2], i32[260 >> 2]);
  rb.close();
  rc.close();
  r.close();
});

test('multi-producer and multi-consumer variants interoperate with the Rust side', () => {
  const a = RingRegion.create(64);
  const b = RingRegion.create(64);
  const relay = native.relayStart(a.id, 0, b.id, 0, 16, true);
  const src = Uint32Array.from({ length: 40 }, (_, i) => i);
  let sent = 0;
  const got: number[] = [];
  const out = new Uint32Array(16);
  while (got.length < 40) {
    if (sent < 40) sent += a.ring.enqueueMp(src, sent, Math.min(7, 40 - sent));
    const n = b.ring.dequeueMc(out, 0, 16);
    for (let i = 0; i < n; i++) got.push(out[i]!);
  }
  const res = native.relayStop(relay);
  assert.deepEqual(got, [...src]);
  assert.equal(res.moved, 40);
  assert.equal(res.outOfOrder, 0);
  a.close();
  b.close();
});

test('bad capacity and bad attach are clear errors', () => {
  assert.throws(() => RingRegion.create(1000), (e: Error & { code?: string }) =>
    e.code === 'ERR_RINGWAY_INVALID_ARGUMENT' && /power of two/.test(e.message));
  assert.throws(() => RingRegion.attach(987654), (e: Error & { code?: string }) => e.code === 'ERR_RINGWAY_CLOSED');
});

test('MP/MC: a peer that died between reserving and publishing is taken over, never waited on forever', async () => {
  const { setRingStallTimeout, ringStalls } = await import('../../src/ring/ring.js');
  const old = setRingStallTimeout(50);
  try {
    const r = RingRegion.create(16);
    const ring = r.ring, i32 = ring.i32;
    const { RING_OFF_PROD_HEAD, RING_OFF_CONS_HEAD } = await import('../../src/ring/layout.js');
    const PROD_HEAD = RING_OFF_PROD_HEAD >> 2, CONS_HEAD = RING_OFF_CONS_HEAD >> 2;
    const stalls0 = ringStalls();
    // a producer reserved 3 slots and died: prod_head moved, prod_tail did not
    Atomics.add(i32, PROD_HEAD, 3);
    const t0 = performance.now();
    assert.equal(ring.enqueueMp(Uint32Array.of(7, 8), 0, 2), 2);
    assert.ok(performance.now() - t0 >= 45, 'it waited for the dead producer first');
    assert.equal(ringStalls(), stalls0 + 1);
    const out = new Uint32Array(8);
    assert.equal(ring.dequeueMc(out, 0, 8), 5);
    assert.deepEqual([...out.subarray(0, 5)], [0xffffffff, 0xffffffff, 0xffffffff, 7, 8], 'the dead reservation reads as no handle');
    // a consumer reserved 2 entries and died: cons_head moved, cons_tail did not
    assert.equal(ring.enqueueMp(Uint32Array.of(1, 2, 3, 4), 0, 4), 4);
    Atomics.add(i32, CONS_HEAD, 2);
    assert.equal(ring.dequeueMc(out, 0, 8), 2);
    assert.deepEqual([...out.subarray(0, 2)], [3, 4]);
    assert.equal(ringStalls(), stalls0 + 2);
    assert.equal(ring.enqueueMp(Uint32Array.of(9), 0, 1), 1, 'the ring works on');
    assert.equal(ring.dequeueMc(out, 0, 8), 1);
    r.close();
  } finally {
    setRingStallTimeout(old);
  }
});
