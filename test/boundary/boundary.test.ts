// The JS/native boundary refuses what it cannot trust (issue 13): every count and handle that
// crosses from a pipeline into shared memory or Rust is checked where it enters, refused and
// counted, never a panic, a hang or silent corruption. Each test below failed on the main of
// 2026-12-01 (5bb29b3); docs/reliability.md "Boundary checks" lists how.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Pool, PoolView } from '../../src/memory/pool.js';
import { Port } from '../../src/port/port.js';
import { RingRegion } from '../../src/ring/ring.js';
import * as RL from '../../src/ring/layout.js';
import { native } from '../../src/native.js';

const SRC = new URL('../../src/', import.meta.url).href;

/** Runs an ES module snippet in a fresh node (SRC = dist/src/ URL); what it printed and how it ended. */
function child(code: string, timeoutMs = 20_000, ulimitN = 0) {
  const args = ['--input-type=module', '-e', `const SRC = ${JSON.stringify(SRC)};\n${code}`];
  const [cmd, argv] = ulimitN > 0 ? ['bash', ['-c', `ulimit -n ${ulimitN}; exec "$0" "$@"`, process.execPath, ...args]] : [process.execPath, args];
  const r = spawnSync(cmd as string, argv as string[], {
    timeout: timeoutMs,
    encoding: 'utf8',
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const num = (o: object, k: string) => (o as Record<string, number>)[k];

test('null port: txBurst/rxBurst never read or write past the handle array (n > length)', () => {
  const pool = Pool.create({ buffers: 256, hugepages: 'never' });
  const p = Port.open('null:size=100', { pool });
  const hs = new Uint32Array(4);
  const got = p.rxBurst(0, hs, 8);
  assert.ok(got <= 4, `rxBurst returned ${got} for a 4-entry array`);
  const sent = p.txBurst(0, hs, 8);
  assert.ok(sent <= 4, `txBurst accepted ${sent} from a 4-entry array`);
  const s = p.stats();
  assert.ok(Number.isFinite(s.obytes), `obytes is ${s.obytes}`);
  assert.equal(s.obytes, sent * 100);
  assert.equal(num(s, 'badArgs'), 2, 'both bad counts counted on the queue');
  p.close();
  PoolView.closeThreadViews();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 }, 'no buffer leaked, none freed twice');
  assert.equal(pool.stats().inUse, 0);
  pool.close();
});

test('ring port: n > length on either side moves no phantom handle 0 and leaks nothing', () => {
  const pool = Pool.create({ buffers: 256, hugepages: 'never' });
  const a = Port.open('ring:bnd1', { pool });
  const b = Port.open('ring:bnd1', { pool });
  const hs = new Uint32Array(4);
  assert.equal(a.pool.allocBurst(hs, 4), 4);
  const sent = a.txBurst(0, hs, 6);
  assert.ok(sent <= 4, `txBurst accepted ${sent} from a 4-entry array`);
  const out = new Uint32Array(2);
  let got = 0;
  for (let n; (n = b.rxBurst(0, out, 6)) > 0; ) {
    assert.ok(n <= 2, `rxBurst returned ${n} for a 2-entry array`);
    b.pool.freeBurst(out, n);
    got += n;
  }
  assert.equal(got, sent);
  if (sent < 4) a.pool.freeBurst(hs.subarray(sent), 4 - sent);
  a.close();
  b.close();
  PoolView.closeThreadViews();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  pool.close();
});

test('null and ring TX refuse what is no buffer (past the pool, a slot left out at 2 MiB, 0xffffffff), count it, send the rest with exact bytes', () => {
  const pool = Pool.create({ buffers: 4096, hugepages: 'never' });
  const v = PoolView.forThread(pool.id);
  let straddler = -1;
  for (let h = 0; h < v.nSlots && straddler < 0; h++) if (!v.valid(h)) straddler = h;
  assert.ok(straddler >= 0, 'a 4096-buffer pool spans 2 MiB boundaries, so it has slots left out');
  const foreign = [v.nSlots, straddler, 0xffffffff];
  for (const spec of ['null:size=100', 'ring:bnd-foreign']) {
    const tx = Port.open(spec, { pool }), rx = spec.startsWith('ring') ? Port.open(spec, { pool }) : tx;
    for (let round = 0; round < 3; round++) {
      // round 0 and 2: clean bursts (the fast path before and after the slow one); round 1: mixed
      const good = new Uint32Array(8);
      assert.equal(v.allocBurst(good, 8), 8);
      for (const h of good) { v.reset(h); v.setDataLen(h, 100); }
      const hs = round === 1 ? Uint32Array.from([...good.subarray(0, 4), ...foreign, ...good.subarray(4)]) : good;
      const before = tx.stats(), badBefore = pool.stats().badHandles;
      const sent = tx.txBurst(0, hs, hs.length);
      assert.equal(sent, hs.length, 'TX consumes the burst: the foreign handles are refused, not left to the caller');
      const s = tx.stats();
      assert.equal(s.opackets - before.opackets, 8, `${spec} round ${round}: the 8 buffers went out`);
      assert.equal(s.obytes - before.obytes, 800, `${spec} round ${round}: bytes of the buffers only`);
      assert.equal(num(s, 'badArgs')! - num(before, 'badArgs')!, round === 1 ? 3 : 0, `${spec} round ${round}: refused handles counted on the port`);
      // the null port frees through the pool, which counts what it refused too; a ring port
      // never hands them to the pool
      assert.equal(pool.stats().badHandles - badBefore, round === 1 && spec.startsWith('null') ? 3 : 0, `${spec} round ${round}: pool badHandles`);
      if (rx !== tx) {
        const out = new Uint32Array(16);
        const got = rx.rxBurst(0, out, 16);
        assert.deepEqual([...out.subarray(0, got)].sort((a, b) => a - b), [...good].sort((a, b) => a - b), 'the peer receives exactly the buffers');
        v.freeBurst(out, got);
      }
    }
    if (rx !== tx) rx.close();
    tx.close();
  }
  PoolView.closeThreadViews();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  assert.equal(pool.stats().inUse, 0);
  pool.close();
});

test('freeBurst refuses a foreign handle and counts it (the free ring stays clean)', () => {
  const pool = Pool.create({ buffers: 256, hugepages: 'never' });
  const v = pool.view();
  v.freeBurst(Uint32Array.of(0xffffffff, 1 << 20), 2);
  v.close();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 }, 'nothing foreign entered the pool');
  assert.equal(num(pool.stats(), 'badHandles'), 2);
  pool.close();
});

test('a double free is reported, never an endless flush (8192 buffers, ring of 8192)', () => {
  const r = child(`
    const { Pool } = await import(SRC + 'index.js');
    const pool = Pool.create({ buffers: 8192, hugepages: 'never' });
    const v = pool.view();
    const hs = new Uint32Array(1);
    v.allocBurst(hs, 1);
    v.freeBurst(hs, 1);
    v.freeBurst(hs, 1); // the bug under test
    let code = 'none';
    try { v.flush(); } catch (e) { code = e.code; }
    v.close();
    console.log(JSON.stringify({ code, stats: pool.stats(), audit: pool.audit() }));
  `, 20_000);
  assert.equal(r.signal, null, `child ended by ${r.signal} (a hang is killed after 20 s): ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { code: string; stats: Record<string, number> };
  assert.equal(out.code, 'ERR_RINGWAY_DOUBLE_FREE');
  assert.ok(out.stats['doubleFrees']! >= 1, JSON.stringify(out.stats));
});

test('a Rust panic behind a native call is an error with code ERR_RINGWAY_INTERNAL naming the call, not an abort', () => {
  const r = child(`
    const { native } = await import(SRC + 'native.js');
    for (const f of [() => native.debugPanic('boundary test'), () => native.poolReleaseUser(native.poolCreate({ buffers: 8, hugepages: 'never' }).id, 100000)]) {
      try { f(); console.log('no error'); } catch (e) { console.log(e.code + ' ' + e.message); }
    }
  `);
  assert.equal(r.signal, null, `child died of ${r.signal}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^ERR_RINGWAY_INTERNAL .*debugPanic.*boundary test/);
  assert.match(lines[1]!, /^ERR_RINGWAY_INVALID_ARGUMENT .*user slot 100000/);
});

test('the ring hot path never throws: a wake after the ring object was closed is quiet', () => {
  const rr = RingRegion.create(64, 'bnd-wake');
  const ring = rr.ring;
  // a sleeper announced itself (as ring.rs wait_for does), then the owner dropped the object
  ring.i32[(ring.byteOffset + RL.RING_OFF_WAITERS) >> 2] = 1;
  ring.i32[(ring.byteOffset + RL.RING_OFF_PROD_WAITERS) >> 2] = 1;
  native.objectClose(rr.id); // the core's reference goes; this thread's view stays mapped
  const hs = Uint32Array.of(1, 2, 3);
  assert.doesNotThrow(() => ring.enqueueSp(hs, 3));
  assert.doesNotThrow(() => ring.dequeueSc(hs, 3));
  assert.doesNotThrow(() => ring.enqueueMp(hs, 0, 3));
  assert.doesNotThrow(() => ring.dequeueMc(hs, 0, 3));
  rr.close();
});

test('one thread per queue: a second thread driving the same queue is refused with a clear error', async () => {
  const pool = Pool.create({ buffers: 256, hugepages: 'never' });
  const p = Port.open('null:size=64', { pool, queues: 2 });
  const hs = new Uint32Array(8);
  assert.equal(p.rxBurst(0, hs), 8);
  assert.equal(p.txBurst(0, hs, 8), 8);
  p.pool.flush(); // the worker allocates from the shared ring
  const { Worker } = await import('node:worker_threads');
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.src + 'port/port.js').then(({ Port }) => {
      const p = Port.attach(workerData.desc);
      const hs = new Uint32Array(8);
      const q0 = p.rxBurst(0, hs);
      let err = 'none';
      try { p.claimQueue(0); } catch (e) { err = e.code + ' ' + e.message; }
      const q1 = p.rxBurst(1, hs);
      p.txBurst(1, hs, q1);
      p.close();
      parentPort.postMessage({ q0, q1, err });
    });`;
  const m = await new Promise<{ q0: number; q1: number; err: string }>((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { src: SRC, desc: p.descriptor() } });
    w.once('message', resolve);
    w.once('error', reject);
  });
  assert.equal(m.q0, 0, 'queue 0 belongs to the main thread: the worker receives nothing on it');
  assert.equal(m.q1, 8, 'queue 1 is free: the worker may drive it');
  assert.match(m.err, /^ERR_RINGWAY_DEVICE_BUSY .*queue 0 .*driven by thread/);
  assert.equal(num(p.stats().queues[0]!, 'badArgs'), 1, 'the refused burst is counted');
  p.close();
  PoolView.closeThreadViews();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  pool.close();
});

test('a failed port-block creation does not leak the ring end it already made', () => {
  // Exhaust file descriptors so that the ring pair's memfd is the last one that fits and the
  // port block's memfd fails (EMFILE), then free them and open both ends for real.
  const r = child(`
    import('node:fs').then(async (fs) => {
      const { Pool, Port } = await import(SRC + 'index.js');
      const pool = Pool.create({ buffers: 64, hugepages: 'never' });
      const fds = [];
      try { for (;;) fds.push(fs.openSync('/dev/null', 'r')); } catch {}
      fs.closeSync(fds.pop());
      let first = 'opened';
      try { Port.open('ring:leak', { pool }); } catch (e) { first = e.code; }
      for (const fd of fds) fs.closeSync(fd);
      const res = { first };
      try { const a = Port.open('ring:leak', { pool }), b = Port.open('ring:leak', { pool }); a.close(); b.close(); res.after = 'both ends'; }
      catch (e) { res.after = e.code + ' ' + e.message; }
      console.log(JSON.stringify(res));
    });
  `, 20_000, 200);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as { first: string; after: string };
  assert.notEqual(res.first, 'opened', 'the fd limit made the first open fail');
  assert.equal(res.after, 'both ends');
});

test('pcap RX: a corrupt record ends the stream counted in ierrors and reported', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'ringway-bnd-'));
  const file = join(dir, 'corrupt.pcap');
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0); hdr.writeUInt16LE(2, 4); hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(65535, 16); hdr.writeUInt32LE(1, 20);
  const rec = (caplen: number, data: number) => {
    const r = Buffer.alloc(16); r.writeUInt32LE(caplen, 8); r.writeUInt32LE(caplen, 12);
    return Buffer.concat([r, Buffer.alloc(data, 0xab)]);
  };
  writeFileSync(file, Buffer.concat([hdr, rec(60, 60), rec(0x7fffffff, 60)]));
  const warnings: string[] = [];
  const onWarn = (w: Error & { code?: string }) => warnings.push(`${w.code} ${w.message}`);
  process.on('warning', onWarn);
  const pool = Pool.create({ buffers: 64, hugepages: 'never' });
  const p = Port.open(`pcap:rx=${file}`, { pool });
  const hs = new Uint32Array(8);
  let got = 0;
  for (let i = 0; i < 5; i++) { const n = p.rxBurst(0, hs); got += n; p.pool.freeBurst(hs, n); }
  await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  process.off('warning', onWarn);
  assert.equal(got, 1, 'the good record arrives');
  assert.equal(p.stats().ierrors, 1);
  const err = (p as unknown as { rxError(q: number): string | undefined }).rxError(0);
  assert.match(err ?? '', /corrupt\.pcap.*captured length/);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /^RINGWAY_PORT_RX_ERROR .*corrupt\.pcap/);
  p.close();
  PoolView.closeThreadViews();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  pool.close();
  rmSync(dir, { recursive: true });
});

test('a freer that died mid-enqueue on the pool free ring wedges nobody, and its slots are never handed out', async () => {
  const { setRingStallTimeout, ringStalls } = await import('../../src/ring/ring.js');
  const old = setRingStallTimeout(50);
  const pool = Pool.create({ buffers: 1024, hugepages: 'never', cacheSize: 32 });
  const v = pool.view();
  try {
    const hs = new Uint32Array(1024);
    const got = v.allocBurst(hs, 1024);
    // a dead thread reserved 3 slots of the free ring and never published them
    const ring = (v as unknown as { free: { i32: Int32Array; h: number } }).free;
    Atomics.add(ring.i32, ring.h + (RL.RING_OFF_PROD_HEAD >> 2), 3);
    const stalls = ringStalls();
    v.freeBurst(hs, got - 3); // overflows the cache: pushes into the free ring behind the dead reservation
    v.flush();
    assert.ok(ringStalls() > stalls, 'the free took the dead reservation over');
    // everything that comes back out is a buffer: the three dead slots are refused and counted
    const again = new Uint32Array(1024);
    const n = v.allocBurst(again, 1024);
    for (let i = 0; i < n; i++) assert.ok(v.valid(again[i]!), `handle ${again[i]} handed out`);
    assert.ok(n >= got - 3 - 32 && n <= got - 3, `allocated ${n} of ${got - 3}`);
    assert.equal(num(pool.stats(), 'badHandles'), 3);
    v.freeBurst(again, n);
    v.freeBurst(hs.subarray(got - 3), 3);
  } finally {
    setRingStallTimeout(old);
    v.close();
  }
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  pool.close();
});
