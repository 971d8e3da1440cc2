// HARNESS SELF-TEST, not a Ringway benchmark: runs dpdk-testpmd io forwarding as "ours" and
// dpdk-testpmd macswap forwarding as "theirs", to exercise runBench() and testpmd() end to end
// (alternation, medians, JSON line) with no Ringway code involved. Expect ratio ~1.1-1.4:
// macswap touches every packet's header, io only moves pointers.
import { runBench, type BenchResult } from './lib/harness.js';
import { testpmd } from './lib/testpmd.js';

export const description = 'harness self-test: testpmd io fwd vs testpmd macswap fwd (net_null x2, 1 fwd core); no Ringway code';

const VDEVS = ['net_null0', 'net_null1'];

/** Steady-state seconds per testpmd run: env BENCH_SECONDS, default 5. */
function seconds(): number {
  const n = Number(process.env['BENCH_SECONDS'] ?? 5);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_SECONDS must be a positive integer, got "${process.env['BENCH_SECONDS']}"`);
  return n;
}

/** testpmd memory: env BENCH_MEMORY = auto (default) | hugepages | no-huge. */
function memoryMode(): 'auto' | 'hugepages' | 'no-huge' {
  const m = process.env['BENCH_MEMORY'] ?? 'auto';
  if (m !== 'auto' && m !== 'hugepages' && m !== 'no-huge') throw new Error(`BENCH_MEMORY must be auto, hugepages or no-huge, got "${m}"`);
  return m;
}

export default async function run(): Promise<BenchResult> {
  const secs = seconds();
  const mem = memoryMode();
  const memory = new Set<string>(); // hugepages or no-huge: it moves the figures by ~1.7x
  const measure = async (mode: 'io' | 'macswap') => {
    const r = await testpmd({ vdevs: VDEVS, mode, burst: 32, seconds: secs, memory: mem });
    memory.add(r.memory);
    console.log(`  testpmd ${mode}: ${r.mpps.toFixed(3)} Mpps (${r.memory}; ${r.sampledSeconds.toFixed(1)} s sampled: ${r.perInterval.map((x) => x.toFixed(1)).join(' ')})`);
    return r.mpps;
  };
  return runBench({
    name: 'testpmd-selftest',
    unit: 'Mpps',
    peer: 'dpdk-testpmd macswap fwd, net_null0<->net_null1, burst 32, 1 fwd lcore',
    ours: () => measure('io'),
    theirs: () => measure('macswap'),
    context: () => ({ ours_is: 'dpdk-testpmd io fwd (self-test stand-in, not Ringway)', memory: [...memory].join(','), seconds: secs }),
  });
}
