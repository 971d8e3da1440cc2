// Test worker for test/memory/views.test.ts: maps its own views and reports what they are, writes
// through a view it was posted, or sleeps with Atomics.wait on a ring index of its own mapping.
import { parentPort, workerData } from 'node:worker_threads';
import { PoolView } from '../../src/memory/pool.js';
import { RingRegion } from '../../src/ring/ring.js';
import { RING_OFF_PROD_TAIL } from '../../src/ring/layout.js';

type Job =
  | { role: 'kind'; poolId: number; ringId: number }
  | { role: 'write-posted'; view: ArrayBuffer | SharedArrayBuffer; offset: number; value: number }
  | { role: 'wait-index'; ringId: number; timeoutMs: number };
const j = workerData as Job;
const kind = (b: unknown) => Object.prototype.toString.call(b).slice(8, -1);

if (j.role === 'kind') {
  const v = PoolView.attach(j.poolId);
  const r = RingRegion.attach(j.ringId);
  parentPort!.postMessage({ pool: kind(v.buffer), ring: kind(r.view) });
  r.close();
  v.close();
} else if (j.role === 'write-posted') {
  new Uint8Array(j.view)[j.offset] = j.value;
  parentPort!.postMessage({ wrote: true });
} else {
  // Our own mapping of the ring; the main thread gets the same SharedArrayBuffer posted back, so
  // its Atomics.notify reaches this wait (V8 matches waiters by buffer address).
  const r = RingRegion.attach(j.ringId);
  const i32 = new Int32Array(r.view);
  const idx = RING_OFF_PROD_TAIL >> 2;
  const waits: Array<{ result: string; ms: number; after: number }> = [];
  for (let k = 0; k < 2; k++) {
    const before = Atomics.load(i32, idx);
    parentPort!.postMessage({ waiting: k, view: r.view, before });
    const t0 = performance.now();
    const result = Atomics.wait(i32, idx, before, j.timeoutMs);
    waits.push({ result, ms: performance.now() - t0, after: Atomics.load(i32, idx) });
  }
  parentPort!.postMessage({ waits });
  r.close();
}
