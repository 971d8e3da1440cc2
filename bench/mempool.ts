// mempool: ns per buffer for alloc + free of 32-buffer bursts through one worker's cache in front
// of the shared ring. Ours only (peer "none": theirs = 1, ratio = ours), as the issue defines it.
import { Pool, PoolView } from '../src/memory/pool.js';
import { runBench, type BenchResult } from './lib/harness.js';

export const description = 'mempool alloc+free of 32-buffer bursts through a worker cache (ns/buffer; ours only)';

function nsPerBuffer(v: PoolView, hs: Uint32Array): number {
  const N = 2_000_000;
  for (let i = 0; i < 100_000; i++) { v.allocBurst(hs, 32); v.freeBurst(hs, 32); } // warm-up (JIT)
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    v.allocBurst(hs, 32);
    v.freeBurst(hs, 32);
  }
  return Number(process.hrtime.bigint() - t0) / (N * 32);
}

export default async function run(): Promise<BenchResult> {
  const pool = Pool.create({ name: 'bench', buffers: 8192 });
  const v = pool.view();
  const hs = new Uint32Array(32);
  try {
    return await runBench({
      name: 'mempool',
      unit: 'ns/buffer',
      peer: 'none',
      ours: async () => nsPerBuffer(v, hs),
      theirs: async () => 1,
      context: () => ({ burst: 32, cache: 256, huge: pool.huge, audit: pool.audit() }),
    });
  } finally {
    v.close();
    pool.close();
  }
}
