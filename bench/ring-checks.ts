// ring-checks: SPSC ring between two worker threads, burst 32, boundary checks on (ours) vs off
// (peer, RINGWAY_CHECKS=off), same run; ratio >= 0.95 is the issue-13 target.
import { ringPair } from './lib/ringpair.js';
import { runBench, type BenchResult } from './lib/harness.js';
import { PEER, withChecksOff } from './lib/checks.js';

export const description = 'SPSC ring, 2 worker threads, burst 32, boundary checks on vs off (Mdesc/s)';

const TOTAL = 100_000_000;

export default async (): Promise<BenchResult> => {
  let errors = 0;
  const one = async () => {
    const r = await ringPair('ours', 32, TOTAL);
    errors += r.errors;
    return r.mdescPerSec;
  };
  const result = await runBench({
    name: 'ring-checks',
    unit: 'Mdesc/s',
    peer: PEER,
    ours: one,
    theirs: () => withChecksOff(one),
    context: () => ({ burst: 32, descriptors_per_sample: TOTAL, verify_errors: errors }),
  });
  if (errors) throw new Error(`${errors} descriptors arrived out of order`);
  return result;
};
