// Test worker: a consumer whose ring stays empty for a while; it must sleep, not spin, and still
// wake promptly when data arrives.
import { parentPort, workerData } from 'node:worker_threads';
import { RingRegion } from '../../src/ring/ring.js';

const { ringId, expect } = workerData as { ringId: number; expect: number };
const r = RingRegion.attach(ringId);
const buf = new Uint32Array(32);
parentPort!.postMessage({ ready: true });
let got = 0;
let firstAt = 0;
const deadline = Date.now() + 30_000;
while (got < expect && Date.now() < deadline) {
  const n = r.ring.dequeueSc(buf, 32);
  if (n > 0 && got === 0) firstAt = Date.now();
  got += n;
  if (n === 0) r.ring.waitReadable({ timeoutMs: 100 });
}
r.close();
parentPort!.postMessage({ got, firstAt });
