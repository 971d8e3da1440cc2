// doorbell: how fast a sleeping ring consumer is woken. Two worker threads ping-pong one token
// through two rings and sleep for every token (no spinning), so each round trip is two
// sleep/wake cycles. Ours: the ring's futex doorbell (the core's FUTEX_WAIT/FUTEX_WAKE, what JS
// and Rust sleepers share). Peer: Atomics.wait/Atomics.notify on the ring's prod_tail, possible
// only between JS threads that hold the same SharedArrayBuffer (shared views mode). This decided
// the doorbell path of docs/memory-model.md. Unit: thousand round trips per second.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { RingRegion } from '../src/ring/ring.js';
import { memoryMode } from '../src/native.js';
import { runBench, type BenchResult } from './lib/harness.js';

export const description = 'sleeping ping-pong between 2 workers: futex doorbell vs Atomics.wait/notify (k round trips/s; shared views only)';

const ROUNDS = 20_000;
const workerUrl = new URL('./lib/doorbell-worker.js', import.meta.url);

async function pingPong(kind: 'futex' | 'atomics'): Promise<{ rate: number; sleeps: number }> {
  const a = RingRegion.create(64, 'bench-bell-a');
  const b = RingRegion.create(64, 'bench-bell-b');
  try {
    const ra = { id: a.id, view: a.view as SharedArrayBuffer };
    const rb = { id: b.id, view: b.view as SharedArrayBuffer };
    const w1 = new Worker(workerUrl, { workerData: { kind, starts: true, rounds: ROUNDS, rx: rb, tx: ra } });
    const w2 = new Worker(workerUrl, { workerData: { kind, starts: false, rounds: ROUNDS, rx: ra, tx: rb } });
    const exited = Promise.all([once(w1, 'exit'), once(w2, 'exit')]); // listen before either can exit
    const [[m1], [m2]] = (await Promise.all([once(w1, 'message'), once(w2, 'message')])) as [[{ ns: string; sleeps: number }], [{ ns: string; sleeps: number }]];
    await exited;
    return { rate: ROUNDS / (Number(m1.ns) / 1e9) / 1e3, sleeps: m1.sleeps + m2.sleeps };
  } finally {
    a.close();
    b.close();
  }
}

export default async function run(): Promise<BenchResult> {
  if (memoryMode !== 'shared') throw new Error(`doorbell needs SharedArrayBuffer views; this Node (${process.version}) gives external ones`);
  const sleeps = { ours: 0, theirs: 0 };
  return runBench({
    name: 'doorbell',
    unit: 'k round trips/s',
    peer: 'Atomics.wait/Atomics.notify on a shared SharedArrayBuffer, 2 worker threads',
    ours: async () => { const r = await pingPong('futex'); sleeps.ours += r.sleeps; return r.rate; },
    theirs: async () => { const r = await pingPong('atomics'); sleeps.theirs += r.sleeps; return r.rate; },
    context: () => ({ rounds_per_sample: ROUNDS, sleeps }),
  });
}
