// fwd-null-*: our forwarder on two null ports vs dpdk-testpmd on net_null0/net_null1, same mode,
// one forwarding core each, same memory mode (hugepages when testpmd can have them, else ordinary
// pages: testpmd --no-huge -m 1024, ours hugepages: 'never'), alternating in one run.
import { Pool } from '../../src/memory/pool.js';
import { runForwarder } from '../../src/fwd/forwarder.js';
import { cpus, median, runBench, type BenchResult } from './harness.js';
import { testpmd } from './testpmd.js';

function env(name: string, dflt: number): number {
  const n = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

export async function fwdNullBench(name: string, mode: 'io' | 'macswap'): Promise<BenchResult> {
  const secs = env('BENCH_SECONDS', 5);
  const warm = 2;
  let memory: 'hugepages' | 'no-huge' | undefined;
  const theirs = async () => {
    const r = await testpmd({ vdevs: ['net_null0', 'net_null1'], mode, burst: 32, seconds: secs, warmupSeconds: warm });
    memory = r.memory;
    console.log(`  testpmd ${mode}: ${r.mpps.toFixed(2)} Mpps (${r.memory}) per second: ${r.perInterval.map((x) => x.toFixed(1)).join(' ')}`);
    return r.mpps;
  };
  const ours = async () => {
    // same memory mode as the peer's last run (the first rep of ours runs after theirs on odd reps;
    // before any testpmd run, follow the same rule testpmd uses: hugepages if reserved)
    const pool = Pool.create({ name: 'bench-fwd', buffers: 8192, hugepages: memory === 'no-huge' ? 'never' : 'auto' });
    try {
      const r = await runForwarder({ pool, mode, burst: 32, durationMs: (warm + secs) * 1000 + 500, ...cpus() });
      const steady = r.samples.slice(warm, warm + secs);
      const mpps = median(steady);
      console.log(`  ours ${mode}: ${mpps.toFixed(2)} Mpps (${pool.huge ? 'hugepages' : 'ordinary pages'}) per second: ${r.samples.map((x) => x.toFixed(1)).join(' ')}; pool ${r.pool.free}/${r.pool.total} back`);
      if (r.pool.missing !== 0 || r.pool.inUse !== 0) throw new Error(`buffers lost in the run: ${JSON.stringify(r.pool)}`);
      return mpps;
    } finally {
      pool.close();
    }
  };
  return runBench({
    name,
    unit: 'Mpps',
    peer: `dpdk-testpmd ${mode} fwd, net_null0<->net_null1, burst 32, 1 forwarding lcore`,
    ours,
    theirs,
    context: () => ({ memory, seconds: secs, burst: 32 }),
  });
}
