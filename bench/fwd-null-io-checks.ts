// fwd-null-io-checks: the io forwarder on two null ports, boundary checks on (ours) vs off (peer,
// RINGWAY_CHECKS=off), same run, one forwarding worker each; ratio >= 0.95 is the issue-13 target.
import { Pool } from '../src/memory/pool.js';
import { runForwarder } from '../src/fwd/forwarder.js';
import { cpus, median, runBench, type BenchResult } from './lib/harness.js';
import { PEER, withChecksOff } from './lib/checks.js';

export const description = 'io fwd on two null ports, boundary checks on vs off (Mpps)';

async function fwd(secs: number, warm: number): Promise<number> {
  const pool = Pool.create({ name: 'bench-checks', buffers: 8192, hugepages: 'auto' });
  try {
    const r = await runForwarder({ pool, mode: 'io', burst: 32, durationMs: (warm + secs) * 1000 + 500, ...cpus() });
    if (r.pool.missing !== 0 || r.pool.inUse !== 0) throw new Error(`buffers lost in the run: ${JSON.stringify(r.pool)}`);
    return median(r.samples.slice(warm, warm + secs));
  } finally {
    pool.close();
  }
}

export default (): Promise<BenchResult> => {
  const secs = Number(process.env['BENCH_SECONDS'] ?? 5), warm = 2;
  return runBench({
    name: 'fwd-null-io-checks',
    unit: 'Mpps',
    peer: PEER,
    ours: () => fwd(secs, warm),
    theirs: () => withChecksOff(() => fwd(secs, warm)),
    context: () => ({ seconds: secs, burst: 32, mode: 'io' }),
  });
};
