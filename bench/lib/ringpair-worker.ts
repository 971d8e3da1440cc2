// Worker side of ringpair.ts. Kept free of anything but the two rings' own calls, so the numbers are
// the rings' cost.
import { parentPort, workerData } from 'node:worker_threads';
import { RingRegion } from '../../src/ring/ring.js';

interface Data {
  kind: 'ours' | 'ringbuf';
  role: 'producer' | 'consumer';
  burst: number;
  total: number;
  ctl: Int32Array;
  ringId: number;
  sab?: SharedArrayBuffer;
}
const d = workerData as Data;
const B = d.burst;
const buf = new Uint32Array(B);

async function main(): Promise<void> {
  let produce: () => void;
  let consume: () => number;
  if (d.kind === 'ours') {
    const r = RingRegion.attach(d.ringId).ring;
    produce = () => {
      let seq = 0;
      while (seq < d.total) {
        for (let i = 0; i < B; i++) buf[i] = seq + i;
        let off = 0;
        // burst enqueue of the remainder until all B went in (busy poll, like the peer)
        while (off < B) off += r.enqueueSpAt(buf, off, B - off);
        seq += B;
      }
    };
    consume = () => {
      let exp = 0, bad = 0;
      while (exp < d.total) {
        const n = r.dequeueSc(buf, B);
        for (let i = 0; i < n; i++) if (buf[i] !== exp++) bad++;
      }
      return bad;
    };
  } else {
    const { RingBuffer } = await import('ringbuf.js');
    const rb = new RingBuffer(d.sab!, Uint32Array);
    produce = () => {
      let seq = 0;
      while (seq < d.total) {
        for (let i = 0; i < B; i++) buf[i] = seq + i;
        let off = 0;
        while (off < B) off += rb.push(buf, B - off, off);
        seq += B;
      }
    };
    consume = () => {
      let exp = 0, bad = 0;
      while (exp < d.total) {
        const n = rb.pop(buf);
        for (let i = 0; i < n; i++) if (buf[i] !== exp++) bad++;
      }
      return bad;
    };
  }
  Atomics.add(d.ctl, 1, 1);
  Atomics.wait(d.ctl, 0, 0);
  if (d.role === 'producer') {
    const t0 = process.hrtime.bigint().toString();
    produce();
    parentPort!.postMessage({ t0 });
  } else {
    const errors = consume();
    parentPort!.postMessage({ t1: process.hrtime.bigint().toString(), errors });
  }
}
void main();
