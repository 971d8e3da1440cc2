// Test worker: 'gen' sends `count` 64-byte packets carrying a sequence number on a port queue;
// 'sink' receives them, checks the sequence, and frees them. Both back off (sleep) when stuck.
import { parentPort, workerData } from 'node:worker_threads';
import { Port, type PortDescriptor } from '../../src/port/port.js';
import { PoolView } from '../../src/memory/pool.js';

interface Job { role: 'gen' | 'sink'; port: PortDescriptor; count: number; burst: number }
const j = workerData as Job;
const port = Port.attach(j.port);
const v = port.pool;
const hs = new Uint32Array(j.burst);
let done = 0, bad = 0, waits = 0;
if (j.role === 'gen') {
  while (done < j.count) {
    const want = Math.min(j.burst, j.count - done);
    const n = v.allocBurst(hs, want);
    for (let k = 0; k < n; k++) {
      const h = hs[k]!;
      v.reset(h);
      v.setDataLen(h, 64);
      v.dv.setUint32(v.dataOffset(h) + 14, done + k, true);
    }
    let sent = 0;
    while (sent < n) {
      const m = port.txBurst(0, hs.subarray(sent), n - sent);
      sent += m;
      if (m === 0) { waits++; port.waitTx(0, 5); }
    }
    done += n;
    if (n === 0) { waits++; port.waitRx(0, 1); } // pool empty for now: buffers are in flight
  }
} else {
  let expect = 0;
  while (done < j.count) {
    const n = port.rxBurst(0, hs);
    if (n === 0) { waits++; port.waitRx(0, 5); continue; }
    for (let k = 0; k < n; k++) {
      const h = hs[k]!;
      if (v.dv.getUint32(v.dataOffset(h) + 14, true) !== expect++ || v.dataLen(h) !== 64) bad++;
    }
    v.freeBurst(hs, n);
    done += n;
  }
}
port.close();
PoolView.closeThreadViews();
parentPort!.postMessage({ done, bad, waits });
