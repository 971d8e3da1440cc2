// SPSC descriptor throughput between two worker threads: our ring (in a native memfd region,
// each worker mapping it at its own address) vs ringbuf.js (RingBuffer over a SharedArrayBuffer).
// Both sides busy-poll (the same discipline for both), the consumer checks every descriptor is the
// next sequence number, and the rate is total / (consumer end - producer start).
import { Worker } from 'node:worker_threads';
import { RingRegion } from '../../src/ring/ring.js';
import { runBench, type BenchResult } from './harness.js';
import { crossCoreRttNs } from './xcore.js';

export type RingKind = 'ours' | 'ringbuf';

export interface RingPairResult {
  mdescPerSec: number;
  errors: number;
  seconds: number;
}

const workerUrl = new URL('./ringpair-worker.js', import.meta.url);

export async function ringPair(kind: RingKind, burst: number, total: number, capacity = 4096): Promise<RingPairResult> {
  total -= total % burst;
  const ctl = new Int32Array(new SharedArrayBuffer(16));
  let region: RingRegion | undefined;
  let sab: SharedArrayBuffer | undefined;
  if (kind === 'ours') region = RingRegion.create(capacity, 'bench');
  else {
    const { RingBuffer } = await import('ringbuf.js');
    sab = RingBuffer.getStorageForCapacity(capacity, Uint32Array);
  }
  const data = { kind, burst, total, ctl, ringId: region?.id ?? 0, sab };
  const results: Record<string, { t0?: string; t1?: string; errors?: number }> = {};
  const run = (role: string) =>
    new Promise<void>((resolve, reject) => {
      const w = new Worker(workerUrl, { workerData: { ...data, role } });
      w.once('message', (m: { t0?: string; t1?: string; errors?: number }) => {
        results[role] = m;
        resolve();
      });
      w.once('error', reject);
    });
  const done = Promise.all([run('consumer'), run('producer')]);
  while (Atomics.load(ctl, 1) < 2) await new Promise((r) => setTimeout(r, 2));
  Atomics.store(ctl, 0, 1);
  Atomics.notify(ctl, 0);
  await done;
  region?.close();
  const ns = Number(BigInt(results.consumer!.t1!) - BigInt(results.producer!.t0!));
  return { mdescPerSec: total / (ns / 1e9) / 1e6, errors: results.consumer!.errors ?? -1, seconds: ns / 1e9 };
}

/** The `ring` / `ring-burst1` benchmark body: ours vs ringbuf.js, same burst, same run. */
export async function ringBench(name: string, burst: number, total: number): Promise<BenchResult> {
  let errors = 0;
  // The cross-core round trip just before each sample, in sample order per side: it tells which of
  // the VM's fast and slow periods the sample fell in (bench/lib/xcore.ts).
  const rtt: Record<RingKind, number[]> = { ours: [], ringbuf: [] };
  const measure = async (kind: RingKind) => {
    rtt[kind].push(Math.round(await crossCoreRttNs()));
    const r = await ringPair(kind, burst, total);
    errors += r.errors;
    return r.mdescPerSec;
  };
  const result = await runBench({
    name,
    unit: 'Mdesc/s',
    peer: `ringbuf.js 0.4.0 RingBuffer(Uint32Array) SPSC, 2 worker threads, burst ${burst}`,
    ours: () => measure('ours'),
    theirs: () => measure('ringbuf'),
    context: () => ({
      burst,
      descriptors_per_sample: total - (total % burst),
      verify_errors: errors,
      xcore_rtt_ns: { ours: rtt.ours, theirs: rtt.ringbuf },
    }),
  });
  if (errors) throw new Error(`${errors} descriptors arrived out of order`);
  return result;
}
