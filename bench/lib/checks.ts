// The boundary checks' cost (docs/reliability.md "Boundary checks"): the same benchmark with the
// checks on (ours) and off (the peer), alternating in one run. src/checks.ts reads RINGWAY_CHECKS
// once per thread at load, and a Worker inherits its parent's environment when it is created, so
// setting the variable around a measurement switches the checks of the workers it starts (the
// measured loops all run in workers; this main thread keeps its checks on).
export async function withChecksOff<T>(fn: () => Promise<T>): Promise<T> {
  const prev = process.env['RINGWAY_CHECKS'];
  process.env['RINGWAY_CHECKS'] = 'off';
  try {
    return await fn();
  } finally {
    if (prev === undefined) delete process.env['RINGWAY_CHECKS'];
    else process.env['RINGWAY_CHECKS'] = prev;
  }
}

export const PEER = 'same benchmark, checks disabled';
