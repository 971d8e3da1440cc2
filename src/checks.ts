// Whether the boundary checks run (docs/reliability.md "Boundary checks"). They are always on;
// RINGWAY_CHECKS=off exists only so a benchmark can measure their cost in the same run
// (bench/fwd-null-io-checks.ts, bench/ring-checks.ts). Read once per thread at load: a constant
// V8 folds into the hot paths. Workers inherit the environment of their parent at creation.
export const CHECKS: boolean = process.env['RINGWAY_CHECKS'] !== 'off';

/** RINGWAY_DEBUG=mbuf (a comma-separated list): pools are created with per-buffer ownership states. */
export function debugMbuf(): boolean {
  return (process.env['RINGWAY_DEBUG'] ?? '').split(',').includes('mbuf');
}
