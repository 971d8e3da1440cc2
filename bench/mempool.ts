// mempool: ns per buffer for alloc + free of 32-buffer bursts through one worker's cache in front
// of the shared ring. Ours only (peer "none": theirs = 1, ratio = ours), as the issue defines it.
import { Pool } from '../src/memory/pool.js';
import { runBench } from './lib/harness.js';

const pool = Pool.create({ name: 'bench', buffers: 8192 });
const v = pool.view();
const hs = new Uint32Array(32);

function nsPerBuffer(): number {
  const N = 2_000_000;
  for (let i = 0; i < 100_000; i++) { v.allocBurst(hs, 32); v.freeBurst(hs, 32); } // warm-up (JIT)
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    v.allocBurst(hs, 32);
    v.freeBurst(hs, 32);
  }
  return Number(process.hrtime.bigint() - t0) / (N * 32);
}

await runBench({
  name: 'mempool',
  unit: 'ns/buffer',
  peer: 'none',
  ours: async () => nsPerBuffer(),
  theirs: async () => 1,
  context: () => ({ burst: 32, cache: 256, huge: pool.huge, audit: pool.audit() }),
});
v.close();
pool.close();
