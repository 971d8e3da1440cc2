// Cross-core round trip probe: two worker threads bounce a counter through one SharedArrayBuffer
// 100,000 times. This VM has periods, minutes long, in which cross-core cache-line transfers are
// ~3x slower while single-thread speed is unchanged (docs/benchmarks.md); ring benchmarks record
// this figure next to every sample so a reader can tell which period a sample came from.
import { Worker } from 'node:worker_threads';

const ROUNDS = 100_000;

const body = `
const { workerData: d, parentPort } = require('node:worker_threads');
const a = d.cells, me = d.side, ping = 0, pong = 32; // 128 bytes apart: separate line pairs
Atomics.add(a, 64, 1);
while (Atomics.load(a, 64) < 2);
const t0 = process.hrtime.bigint();
for (let k = 1; k <= d.rounds; k++) {
  if (me === 0) { Atomics.store(a, ping, k); while (Atomics.load(a, pong) !== k); }
  else { while (Atomics.load(a, ping) !== k); Atomics.store(a, pong, k); }
}
parentPort.postMessage(Number(process.hrtime.bigint() - t0));
`;

/** Nanoseconds per round trip (one cache line each way) between two worker threads. */
export async function crossCoreRttNs(rounds = ROUNDS): Promise<number> {
  const cells = new Int32Array(new SharedArrayBuffer(4 * 96));
  const side = (s: number) =>
    new Promise<number>((resolve, reject) => {
      const w = new Worker(body, { eval: true, workerData: { cells, side: s, rounds } });
      w.once('message', resolve);
      w.once('error', reject);
    });
  const [ns] = await Promise.all([side(0), side(1)]);
  return ns! / rounds;
}
