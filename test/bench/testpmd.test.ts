// Parsing and sampling of dpdk-testpmd output; needs no DPDK (the output below is as printed by
// testpmd 22.11 with --stats-period 1, trimmed to the lines that matter).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatsRates, steadyState, type StatsBlock } from '../../bench/lib/testpmd.js';

function block(rx: [number, number], tx: [number, number] = rx): string {
  const port = (n: number, r: number, t: number) =>
    `  ######################## NIC statistics for port ${n}  ########################\n` +
    `  Throughput (since last show)\n  Rx-pps:    ${r}          Rx-bps:            0\n` +
    `  Tx-pps:    ${t}          Tx-bps:            0\n  ####\n`;
  return `\x1b[2J\x1b[1;1H\nPort statistics ====================================\n${port(0, rx[0], tx[0])}${port(1, rx[1], tx[1])}`;
}

test('parseStatsRates sums ports, drops leading zero blocks and an unfinished last block', () => {
  const out = 'EAL: Detected CPU lcores: 2\n' + block([0, 0]) + block([0, 0]) + block([32_000_000, 32_000_010]) +
    block([0, 0]) + block([54_000_000, 54_000_000], [1, 2]) + block([7, 7]).slice(0, 300);
  assert.deepEqual(parseStatsRates(out, 2, 'rx'), [64_000_010, 0, 108_000_000]);
  assert.deepEqual(parseStatsRates(out, 2, 'tx'), [64_000_010, 0, 3]);
  assert.deepEqual(parseStatsRates('no stats at all', 2, 'rx'), []);
});

const blocksEvery = (periodMs: number, n: number): StatsBlock[] =>
  Array.from({ length: n }, (_, j) => ({ pps: 100 + j, at: 1_000 + j * periodMs }));

test('steadyState skips block 0 and the warm-up, then covers the requested seconds', () => {
  // 1 s blocks: block 0 partial, blocks 1-2 warm-up (start before t0+2 s), 3..7 cover 5 s
  assert.equal(steadyState(blocksEvery(1000, 7), 2000, 5000), undefined);
  assert.deepEqual(steadyState(blocksEvery(1000, 9), 2000, 5000), { rates: [103, 104, 105, 106, 107], ms: 5000 });
  // 2 s blocks, as testpmd prints on this VM: block 1 is warm-up, 2..4 cover 6 s >= 5 s
  assert.deepEqual(steadyState(blocksEvery(2000, 8), 2000, 5000), { rates: [102, 103, 104], ms: 6000 });
  // jitter of a few ms around the period must not shift the choice
  const jittered = blocksEvery(2000, 8).map((b, j) => ({ ...b, at: b.at + (j % 2 === 0 ? 3 : -3) }));
  assert.deepEqual(steadyState(jittered, 2000, 5000)?.rates, [102, 103, 104]);
  assert.equal(steadyState([], 2000, 5000), undefined);
});
