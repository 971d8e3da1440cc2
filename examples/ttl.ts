// Decrement the IPv4 TTL of every packet of a capture, in a worker thread, in place.
// usage: node dist/examples/ttl.js in.pcap out.pcap
import { Pool, Port } from '../src/index.js';
import { Worker, isMainThread, workerData } from 'node:worker_threads';

if (isMainThread) {
  const [input, output] = process.argv.slice(2);
  const pool = Pool.create({ buffers: 8192 }); // hugepages if reserved, else locked pages
  const rx = Port.open(`pcap:rx=${input}`, { pool });
  const tx = Port.open(`pcap:tx=${output}`, { pool });
  const w = new Worker(new URL(import.meta.url), { workerData: { rx: rx.descriptor(), tx: tx.descriptor() } });
  w.once('exit', () => {
    console.log(`${tx.stats().opackets} packets`);
    rx.close();
    tx.close();
  });
} else {
  const rx = Port.attach(workerData.rx), tx = Port.attach(workerData.tx);
  const pkts = new Uint32Array(32); // buffer handles, reused every burst
  for (let idle = 0; idle < 100; ) {
    const n = rx.rxBurst(0, pkts); // how many arrived
    for (let i = 0; i < n; i++) {
      const off = rx.pool.dataOffset(pkts[i]!); // the packet's bytes, in place
      const dv = rx.pool.dv;
      if (dv.getUint16(off + 12) !== 0x0800) continue; // IPv4 only
      dv.setUint8(off + 22, dv.getUint8(off + 22) - 1); // TTL
      const c = dv.getUint16(off + 24) + 0x0100; // checksum: RFC 1141 incremental update
      dv.setUint16(off + 24, (c & 0xffff) + (c >> 16));
    }
    const sent = tx.txBurst(0, pkts, n); // how many were accepted
    rx.pool.freeBurst(pkts, n - sent, sent); // the rest are still ours
    idle = n === 0 ? idle + 1 : 0;
    if (n === 0) rx.waitRx(0, 1); // idle: sleep instead of spinning
  }
  rx.close(); tx.close(); // the thread's pool cache goes back to the shared ring
}
