// Debug mode (RINGWAY_DEBUG=mbuf or { debug: true }): per-buffer ownership states, as DPDK's
// mempool cookies, find a pipeline's double free at the moment it happens (by handle and thread)
// and name its leaks (buffers still out, with the thread that took them).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { Pool, PoolView } from '../../src/memory/pool.js';
import { Port } from '../../src/port/port.js';
import { native } from '../../src/native.js';

const SRC = new URL('../../src/', import.meta.url).href;

test('debug mode: a double free in a worker is refused at once and reported by handle and thread', async () => {
  const pool = Pool.create({ buffers: 512, hugepages: 'never', debug: true });
  const a = Port.open('ring:dbg', { pool });
  const b = Port.open('ring:dbg', { pool });
  const warnings: string[] = [];
  const onWarn = (w: Error & { code?: string }) => warnings.push(`${w.code} ${w.message}`);
  process.on('warning', onWarn);
  // The worker receives 8 buffers and frees buffer #3 twice (the bug), and keeps #5 (a leak).
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.src + 'index.js').then(({ Port }) => {
      const p = Port.attach(workerData.desc);
      const hs = new Uint32Array(8);
      let n = 0;
      for (let tries = 0; n < 8 && tries < 1000; tries++) n += p.rxBurst(0, hs.subarray(n), 8 - n);
      const warnings = [];
      process.on('warning', (w) => warnings.push(w.code + ' ' + w.message));
      const tid = p.pool.tid;
      const refused1 = p.pool.freeBurst(hs.subarray(3, 4), 1);
      const refused2 = p.pool.freeBurst(hs.subarray(3, 4), 1);
      const rest = [0, 1, 2, 4, 6, 7].map((i) => hs[i]);
      const refused3 = p.pool.freeBurst(Uint32Array.from(rest), rest.length);
      setImmediate(() => {
        p.close();
        parentPort.postMessage({ n, tid, twice: hs[3], kept: hs[5], refused: [refused1, refused2, refused3], warnings });
      });
    });`;
  const hs = new Uint32Array(8);
  assert.equal(a.pool.allocBulk(hs, 8), true);
  const mainTid = native.threadId();
  assert.equal(a.txBurst(0, hs, 8), 8);
  const m = await new Promise<{ n: number; tid: number; twice: number; kept: number; refused: number[]; warnings: string[] }>((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { src: SRC, desc: b.descriptor() } });
    w.once('message', resolve);
    w.once('error', reject);
  });
  process.off('warning', onWarn);
  assert.equal(m.n, 8);
  assert.deepEqual(m.refused, [0, 1, 0], 'only the second free of the same buffer is refused');
  assert.equal(m.warnings.length, 1, m.warnings.join('\n'));
  assert.match(m.warnings[0]!, new RegExp(`^RINGWAY_DOUBLE_FREE ringway debug: double free of buffer ${m.twice} of pool ${pool.id} by thread ${m.tid} .*freed before by thread ${m.tid}`));
  assert.equal(pool.stats().doubleFrees, 1);
  // the leak: the one buffer still out, named with the thread that took it (the main thread
  // allocated all 8; the handles moved through the ring, so the taker is the allocator)
  const owners = pool.owners();
  assert.deepEqual(owners.map((o) => o.handle), [m.kept]);
  assert.equal(owners[0]!.tid, mainTid);
  a.pool.freeBurst(Uint32Array.of(m.kept), 1);
  assert.deepEqual(pool.owners(), []);
  assert.equal(warnings.length, 0, 'the main thread saw no warning of its own');
  a.close();
  b.close();
  PoolView.closeThreadViews();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 }, 'the refused double free left the pool intact');
  pool.close();
});

test('debug mode is off by default, and RINGWAY_DEBUG=mbuf turns it on', () => {
  const plain = Pool.create({ buffers: 16, hugepages: 'never' });
  assert.throws(() => plain.owners(), (e: Error & { code?: string }) => e.code === 'ERR_RINGWAY_INVALID_ARGUMENT' && /RINGWAY_DEBUG=mbuf/.test(e.message));
  plain.close();
  const prev = process.env['RINGWAY_DEBUG'];
  process.env['RINGWAY_DEBUG'] = 'mbuf';
  try {
    const p = Pool.create({ buffers: 16, hugepages: 'never' });
    const v = p.view();
    const hs = new Uint32Array(2);
    v.allocBurst(hs, 2);
    assert.deepEqual(p.owners().map((o) => o.handle).sort(), [...hs].sort());
    v.freeBurst(hs, 2);
    v.close();
    assert.deepEqual(p.owners(), []);
    p.close();
  } finally {
    if (prev === undefined) delete process.env['RINGWAY_DEBUG'];
    else process.env['RINGWAY_DEBUG'] = prev;
  }
});
