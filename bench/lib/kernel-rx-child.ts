// The "ours" side of the af-packet / af-xdp benchmarks, run inside the RX namespace by
// bench/lib/kernelrx.ts: polls queue 0 of a kernel-interface port like testpmd rxonly (receive a
// burst, free it, count), one second per sample. argv: SPEC SECONDS WARMUP BURST. Prints one JSON
// line: {mpps (median of the steady seconds), samples, stats, audit}.
import { Pool } from '../../src/memory/pool.js';
import { Port } from '../../src/port/port.js';
import { median } from './harness.js';

const [spec, secsS, warmS, burstS] = process.argv.slice(2);
const secs = Number(secsS), warm = Number(warmS), burst = Number(burstS);
const pool = Pool.create({ name: 'bench-kernel-rx', buffers: 16384, hugepages: 'never' });
const port = Port.open(spec!, { pool });
const v = port.pool;
const hs = new Uint32Array(burst);
const samples: number[] = [];
let t = process.hrtime.bigint();
while (samples.length < warm + secs) {
  let got = 0;
  const end = t + 1_000_000_000n;
  let now = t;
  while (now < end) {
    for (let i = 0; i < 256; i++) {
      const n = port.rxBurst(0, hs, burst);
      if (n > 0) {
        v.freeBurst(hs, n);
        got += n;
      }
    }
    now = process.hrtime.bigint();
  }
  samples.push(got / (Number(now - t) / 1e9) / 1e6);
  t = now;
}
const stats = port.stats();
port.close();
const audit = pool.audit();
pool.close();
process.stdout.write(JSON.stringify({ mpps: median(samples.slice(warm)), samples, stats: { ipackets: stats.ipackets, imissed: stats.imissed, ierrors: stats.ierrors }, audit }) + '\n');
