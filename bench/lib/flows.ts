// Writes a pcap of valid IPv4/UDP frames over `flows` distinct 5-tuples (198.18.0.0/15 test
// addresses), built by our packet builders and written by our pcap port: the common input of the
// checksum and network-function benchmarks, replayed from memory by both sides.
import { Pool, PoolView } from '../../src/memory/pool.js';
import { Port } from '../../src/port/port.js';
import { buildInto } from '../../src/packet/build.js';

export function writeUdpFlows(file: string, flows: number, size = 64): void {
  const pool = Pool.create({ name: 'flows', buffers: Math.max(2048, flows + 64), hugepages: 'never' });
  try {
    const w = Port.open(`pcap:tx=${file}`, { pool });
    const hs = new Uint32Array(256);
    for (let done = 0; done < flows; ) {
      const n = w.pool.allocBurst(hs, Math.min(256, flows - done));
      for (let k = 0; k < n; k++) {
        const i = done + k;
        const len = buildInto(w.pool, hs[k]!, {
          eth: { dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' },
          ipv4: { src: `198.18.${(i >> 8) & 0xff}.${i & 0xff}`, dst: `198.19.${(i >> 8) & 0xff}.${(i * 7) & 0xff}`, ttl: 64 },
          udp: { sport: 1024 + (i % 50000), dport: 9 },
          payload: size - 42,
        });
        w.pool.setDataLen(hs[k]!, len);
      }
      let sent = 0;
      while (sent < n) sent += w.txBurst(0, hs.subarray(sent), n - sent);
      done += n;
    }
    w.close();
  } finally {
    PoolView.closeThreadViews();
    pool.close();
  }
}
