// atomics: what one Atomics.load + Atomics.store pair costs against the same plain typed-array
// accesses, on a view of packet memory as this Node makes it (SharedArrayBuffer or external
// ArrayBuffer, docs/memory-model.md). The ring's choice of plain accesses on its fast path rests
// on this ratio; run it with BENCH_NODE on each Node line. Ours = plain, theirs = Atomics, in
// M pairs/s (one load of a slot and one store to another, read back 512 iterations later: no
// store-to-load chain and nothing for the compiler to forward or eliminate).
import { Pool } from '../src/memory/pool.js';
import { memoryMode } from '../src/native.js';
import { runBench, type BenchResult } from './lib/harness.js';

export const description = 'plain typed-array load+store vs Atomics.load+Atomics.store on a packet-memory view (M pairs/s)';

const N = 20_000_000;
const MASK = 1023; // 4 KiB of indices: stays in L1, so the figure is the instruction cost

function plain(a: Int32Array): number {
  let x = 0;
  for (let i = 0; i < N; i++) {
    x = (x + a[i & MASK]!) | 0;
    a[(i + 512) & MASK] = x;
  }
  return x;
}

function atomic(a: Int32Array): number {
  let x = 0;
  for (let i = 0; i < N; i++) {
    x = (x + Atomics.load(a, i & MASK)) | 0;
    Atomics.store(a, (i + 512) & MASK, x);
  }
  return x;
}

let sink = 0; // keeps the loops' results observable
function rate(f: (a: Int32Array) => number, a: Int32Array): number {
  sink ^= f(a); // warm-up: optimised code, not the interpreter, is measured
  const t0 = process.hrtime.bigint();
  sink ^= f(a);
  return (N * 1000) / Number(process.hrtime.bigint() - t0);
}

export default async function run(): Promise<BenchResult> {
  const pool = Pool.create({ name: 'bench-atomics', buffers: 64, hugepages: 'never' });
  const v = pool.view();
  const a = new Int32Array(v.buffer, v.bufBase, MASK + 1);
  try {
    return await runBench({
      name: 'atomics',
      unit: 'M pairs/s',
      peer: 'Atomics.load + Atomics.store on the same view',
      ours: async () => rate(plain, a),
      theirs: async () => rate(atomic, a),
      context: () => ({
        view: memoryMode === 'shared' ? 'SharedArrayBuffer' : 'external ArrayBuffer',
        ns_per_pair_note: 'ns per pair = 1000 / rate',
        sink: sink & 1,
      }),
    });
  } finally {
    v.close();
    pool.close();
  }
}
