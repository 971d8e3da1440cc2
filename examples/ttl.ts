// Decrement the IPv4 TTL of every packet of a capture, in a worker thread, in place.
// usage: node dist/examples/ttl.js in.pcap out.pcap
import { L3, Parsed, Pool, Port, Result, ipv4 } from '../src/index.js';
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
  const p = new Parsed(); // parse state, reused for every packet
  for (let idle = 0; idle < 100; ) {
    const n = rx.rxBurst(0, pkts); // how many arrived
    for (let i = 0; i < n; i++) {
      // the packet's bytes, in place; a malformed one is a result code, never a throw
      if (p.parse(rx.pool, pkts[i]!) !== Result.OK || p.l3Kind !== L3.IPV4) continue; // IPv4 only
      ipv4.decrementTtl(p, p.l3); // checksum: RFC 1624 incremental update; TTL 0 stays 0
    }
    const sent = tx.txBurst(0, pkts, n); // how many were accepted
    rx.pool.freeBurst(pkts, n - sent, sent); // the rest are still ours
    idle = n === 0 ? idle + 1 : 0;
    if (n === 0) rx.waitRx(0, 1); // idle: sleep instead of spinning
  }
  rx.close(); tx.close(); // the thread's pool cache goes back to the shared ring
}
