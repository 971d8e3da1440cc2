// Test worker: produces or consumes a sequence over a ring (attached by id), using the bounded-spin
// then sleep idle path on both sides, and reports what it saw.
import { parentPort, workerData } from 'node:worker_threads';
import { RingRegion } from '../../src/ring/ring.js';

interface Job { role: 'produce' | 'consume'; ringId: number; count: number; burst: number; start?: number }
const j = workerData as Job;
const r = RingRegion.attach(j.ringId);
const ring = r.ring;
const buf = new Uint32Array(j.burst);
let outOfOrder = 0, received = 0, sleeps = 0;
const t0 = process.hrtime.bigint();
if (j.role === 'produce') {
  let seq = j.start ?? 0;
  const end = seq + j.count;
  while (seq < end) {
    const n = Math.min(j.burst, end - seq);
    for (let i = 0; i < n; i++) buf[i] = seq + i;
    let off = 0;
    while (off < n) {
      const k = ring.enqueueSpAt(buf, off, n - off);
      off += k;
      if (k === 0) { sleeps++; ring.waitWritable({ spin: 500, timeoutMs: 50 }); }
    }
    seq += n;
  }
} else {
  let expect = j.start ?? 0;
  while (received < j.count) {
    const n = ring.dequeueSc(buf, Math.min(j.burst, j.count - received));
    if (n === 0) { sleeps++; ring.waitReadable({ spin: 500, timeoutMs: 50 }); continue; }
    for (let i = 0; i < n; i++) if (buf[i] !== expect++) outOfOrder++;
    received += n;
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
r.close();
parentPort!.postMessage({ outOfOrder, received, sleeps, seconds });
