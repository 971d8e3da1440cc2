// More ring users than cores, and an idle datapath. On a 2-core machine two busy-spinning threads
// that land on one CPU collapse 25-100x; the bounded spin + futex sleep must keep data moving, and
// an idle consumer must sleep.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { RingRegion } from '../../src/ring/ring.js';
import { runWorker } from '../lib/workers.js';
import { native } from '../../src/native.js';

interface Report { outOfOrder: number; received: number; sleeps: number; seconds: number }

test('4 producer/consumer pairs on this machine (8 ring users, more than cores) all complete', async () => {
  const PAIRS = 4, COUNT = 2_000_000;
  assert.ok(PAIRS * 2 > os.availableParallelism(), 'the test must oversubscribe the CPUs');
  const rings = Array.from({ length: PAIRS }, (_, i) => RingRegion.create(1024, `over-${i}`));
  const t0 = Date.now();
  const reports = await Promise.all(rings.flatMap((r) => [
    runWorker<Report>('ring-worker', { role: 'produce', ringId: r.id, count: COUNT, burst: 32 }),
    runWorker<Report>('ring-worker', { role: 'consume', ringId: r.id, count: COUNT, burst: 32 }),
  ]));
  const secs = (Date.now() - t0) / 1000;
  const consumers = reports.filter((_, i) => i % 2 === 1);
  for (const c of consumers) {
    assert.equal(c.received, COUNT);
    assert.equal(c.outOfOrder, 0);
  }
  const rate = (PAIRS * COUNT) / secs / 1e6;
  console.log(`# ${PAIRS} pairs x ${COUNT} on ${os.availableParallelism()} CPUs: ${secs.toFixed(2)} s, ${rate.toFixed(1)} M desc/s aggregate`);
  assert.ok(rate > 1, `useful rate under oversubscription (got ${rate.toFixed(2)} M/s)`);
  for (const r of rings) r.close();
});

test('an idle datapath (JS consumer + Rust relay on empty rings) uses under 5% of a core, and wakes promptly', async () => {
  const a = RingRegion.create(256, 'idle-a');
  const b = RingRegion.create(256, 'idle-b');
  const relay = native.relayStart(a.id, 0, b.id, 0, 32, true);
  const w = new Worker(new URL('../workers/idle-worker.js', import.meta.url), { workerData: { ringId: b.id, expect: 100 } });
  await new Promise((res) => w.once('message', res));
  await new Promise((res) => setTimeout(res, 200)); // let start-up work settle
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((res) => setTimeout(res, 2000));
  const c = process.cpuUsage(c0);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpuMs = (c.user + c.system) / 1000;
  const pct = (cpuMs / wallMs) * 100;
  const done = new Promise<{ got: number; firstAt: number }>((res) => w.once('message', res));
  const sentAt = Date.now();
  const src = new Uint32Array(100).map((_, i) => i);
  let off = 0;
  while (off < 100) off += a.ring.enqueueSpAt(src, off, 100 - off);
  const fin = await done;
  const rel = native.relayStop(relay);
  console.log(`# idle process (all threads): ${cpuMs.toFixed(1)} ms CPU in ${wallMs.toFixed(0)} ms = ${pct.toFixed(2)}% of a core; data crossed both sleepers in ${fin.firstAt - sentAt} ms`);
  assert.ok(pct < 5, `idle CPU ${pct.toFixed(2)}% must stay under 5% of a core`);
  assert.equal(fin.got, 100);
  assert.equal(rel.moved, 100);
  assert.ok(fin.firstAt - sentAt < 500, 'woken by the producer, not by a late poll');
  await w.terminate();
  a.close();
  b.close();
});
