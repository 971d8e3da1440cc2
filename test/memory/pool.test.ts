import test from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from '../../src/memory/pool.js';
import { RingRegion } from '../../src/ring/ring.js';
import { native } from '../../src/native.js';
import { runWorker } from '../lib/workers.js';
import { readFileSync } from 'node:fs';

test('alloc and free through the cache; exhaustion returns fewer and counts it', () => {
  const pool = Pool.create({ buffers: 100, hugepages: 'never' });
  const v = pool.view();
  const a = new Uint32Array(64), b = new Uint32Array(64);
  assert.equal(v.allocBurst(a, 64), 64);
  assert.equal(v.allocBurst(b, 64), 36, 'burst gives what is left');
  assert.equal(pool.stats().allocFail, 28);
  assert.equal(v.allocBulk(b.subarray(36), 1), false, 'bulk on an empty pool gives nothing');
  assert.equal(new Set([...a, ...b.subarray(0, 36)]).size, 100, 'all distinct');
  v.freeBurst(a, 64);
  v.freeBurst(b, 36);
  let s = pool.stats();
  assert.equal(s.inUse, 0);
  assert.equal(s.ringFree + s.cached, 100);
  v.close();
  s = pool.stats();
  assert.equal(s.ringFree, 100, 'close flushed the cache');
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  pool.close();
});

test('buffer geometry follows DPDK: 2048 data + 128 headroom by default', () => {
  const pool = Pool.create({ buffers: 16, hugepages: 'never' });
  const v = pool.view();
  assert.equal(v.dataRoom, 2048);
  assert.equal(v.headroom, 128);
  assert.equal(v.stride, 64 + 128 + 2048);
  const h = new Uint32Array(1);
  v.allocBurst(h, 1);
  v.reset(h[0]!);
  assert.equal(v.dataOffset(h[0]!) - v.offset(h[0]!), 64 + 128);
  v.freeBurst(h, 1);
  v.close();
  pool.close();
});

test('invalid sizes are clear errors naming the fix', () => {
  const check = (opts: object, re: RegExp) =>
    assert.throws(() => Pool.create(opts), (e: Error & { code?: string }) =>
      e.code === 'ERR_RINGWAY_INVALID_ARGUMENT' && re.test(e.message));
  check({ buffers: 0 }, /buffers is out of range; use 1/);
  check({ buffers: 10, dataRoom: 8 }, /data room/);
  check({ buffers: 10, cacheSize: 5000 }, /cache size 5000 is too large/);
  check({ buffers: 10, hugepages: 'sometimes' }, /hugepages: 'sometimes' is not one of/);
});

test('not enough hugepages: require is an error that says how to reserve them', () => {
  const free = Number(/HugePages_Free:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  // ask for more 2 MiB pages than are free (stays under the 4 GiB pool limit while free < 1800)
  const buffers = Math.ceil(((free + 8) * 2 * 1024 * 1024) / 2240);
  assert.throws(() => Pool.create({ buffers, hugepages: 'require' }), (e: Error & { code?: string }) =>
    e.code === 'ERR_RINGWAY_NO_HUGEPAGES' && /echo \d+ > \/proc\/sys\/vm\/nr_hugepages/.test(e.message));
});

test('bytes written by one worker are read in place by another worker and by Rust', async () => {
  const pool = Pool.create({ buffers: 256, hugepages: 'never' });
  const ring = RingRegion.create(64, 'handover');
  const [w, r] = await Promise.all([
    runWorker<{ sent: number; handles: number[] }>('pool-worker', { role: 'write', poolId: pool.id, ringId: ring.id }),
    runWorker<{ got: number; bad: number }>('pool-worker', { role: 'read', poolId: pool.id, ringId: ring.id }),
  ]);
  assert.equal(w.sent, 64);
  assert.equal(r.got, 64);
  assert.equal(r.bad, 0, 'reader saw every byte the writer wrote');
  // Rust reads through its own (primary) mapping of the same pages
  const h = w.handles[5]!;
  const bytes = native.poolReadBytes(pool.id, h, 64 + 128, 16);
  assert.deepEqual([...bytes], Array.from({ length: 16 }, (_, i) => (h * 31 + i * 7) & 0xff));
  // and a main-thread view written now is seen by Rust: one set of pages, three mappings
  const v = pool.view();
  v.u8[v.offset(h) + 300] = 0xee;
  assert.equal(native.poolReadBytes(pool.id, h, 300, 1)[0], 0xee);
  v.close();
  ring.close();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  pool.close();
});

test('pool accounting is exact after a multi-worker alloc/free storm', async () => {
  const pool = Pool.create({ buffers: 6144, hugepages: 'never' });
  const res = await Promise.all(
    [0, 1, 2, 3].map(() => runWorker<{ allocated: number; failed: number }>('pool-worker', { role: 'storm', poolId: pool.id, iterations: 200_000 })),
  );
  const s = pool.stats();
  assert.ok(res.every((r) => r.allocated > 20_000), `storms did real work: ${JSON.stringify(res)}`);
  assert.equal(s.inUse, 0, 'in use = 0 when quiescent');
  assert.equal(s.inUse + s.ringFree + s.cached, s.total, 'in use + free = total');
  assert.equal(s.allocs, s.frees);
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 }, '0 leaked, 0 double-freed');
  pool.close();
});

test('a worker that dies holding buffers: its cache is reclaimed, what it held is reported as in use', async () => {
  const pool = Pool.create({ buffers: 512, hugepages: 'never' });
  const r = await runWorker<{ slot: number; held: number[] }>('pool-worker', { role: 'hold', poolId: pool.id });
  let s = pool.stats();
  assert.equal(s.inUse, 60);
  assert.ok(s.cached >= 40, 'the dead worker cache still holds what it freed (and its refill)');
  pool.reclaimUser(r.slot);
  s = pool.stats();
  assert.equal(s.cached, 0);
  assert.equal(s.ringFree, 512 - 60);
  assert.deepEqual(pool.audit(), { missing: 60, duplicates: 0 }, 'exactly the 60 it held are missing');
  pool.close();
});

test('pagemap gives each buffer a physical address (root) or a clear error', (t) => {
  const pool = Pool.create({ buffers: 8, hugepages: 'never' });
  try {
    const pa = native.poolPhysAddr(pool.id, 0);
    assert.ok(pa > 0);
  } catch (e) {
    if (process.getuid?.() === 0) throw e;
    t.diagnostic(String(e));
    assert.match((e as Error).message, /root/);
  }
  pool.close();
});
