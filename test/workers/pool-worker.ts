// Test worker for pools: writes or reads packet bytes in place, or runs an alloc/free storm.
import { parentPort, workerData } from 'node:worker_threads';
import { PoolView } from '../../src/memory/pool.js';
import { RingRegion } from '../../src/ring/ring.js';

interface Job {
  role: 'write' | 'read' | 'storm' | 'hold';
  poolId: number;
  ringId?: number;
  handles?: number[];
  iterations?: number;
}
const j = workerData as Job;
const v = PoolView.attach(j.poolId);

function pattern(h: number, i: number): number {
  return (h * 31 + i * 7) & 0xff;
}

if (j.role === 'write') {
  // allocate, fill each buffer's data with a pattern, hand the handles over a ring
  const n = 64;
  const hs = new Uint32Array(n);
  const got = v.allocBurst(hs, n);
  for (let k = 0; k < got; k++) {
    const h = hs[k]!;
    v.reset(h);
    const off = v.dataOffset(h);
    for (let i = 0; i < 1000; i++) v.u8[off + i] = pattern(h, i);
    v.setDataLen(h, 1000);
  }
  const ring = RingRegion.attach(j.ringId!);
  let sent = 0;
  while (sent < got) sent += ring.ring.enqueueSpAt(hs, sent, got - sent);
  ring.close();
  v.close();
  parentPort!.postMessage({ sent: got, handles: [...hs.subarray(0, got)], viewAddrTag: v.slot });
} else if (j.role === 'read') {
  const ring = RingRegion.attach(j.ringId!);
  const hs = new Uint32Array(64);
  let got = 0, bad = 0;
  while (got < 64) {
    const n = ring.ring.dequeueSc(hs.subarray(got), 64 - got);
    if (n === 0) ring.ring.waitReadable({ timeoutMs: 20 });
    got += n;
  }
  for (let k = 0; k < got; k++) {
    const h = hs[k]!;
    if (v.dataLen(h) !== 1000) bad++;
    const off = v.dataOffset(h);
    for (let i = 0; i < 1000; i++) if (v.u8[off + i] !== pattern(h, i)) bad++;
  }
  v.freeBurst(hs, got);
  ring.close();
  v.close();
  parentPort!.postMessage({ got, bad });
} else if (j.role === 'storm') {
  // random-ish alloc/free bursts, holding up to a few hundred buffers at times
  const held = new Uint32Array(1024);
  let nHeld = 0, allocated = 0, failed = 0;
  const tmp = new Uint32Array(64);
  let x = 12345;
  for (let it = 0; it < (j.iterations ?? 100000); it++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const n = (x % 64) + 1;
    if ((x >> 8) % 3 !== 0 && nHeld + n <= held.length) {
      const got = v.allocBurst(tmp, n);
      allocated += got;
      failed += n - got;
      for (let k = 0; k < got; k++) held[nHeld++] = tmp[k]!;
    } else if (nHeld > 0) {
      const m = Math.min(n, nHeld);
      v.freeBurst(held, m, nHeld - m);
      nHeld -= m;
    }
  }
  v.freeBurst(held, nHeld);
  v.close();
  parentPort!.postMessage({ allocated, failed });
} else {
  // 'hold': allocate some buffers and die without returning them (crash simulation)
  const hs = new Uint32Array(100);
  v.allocBurst(hs, 100);
  v.freeBurst(hs, 40); // 40 back into the cache, 60 still held
  parentPort!.postMessage({ slot: v.slot, held: [...hs.subarray(40)] });
  process.exit(3);
}
