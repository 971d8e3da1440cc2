// virtio TX back-pressure (src/port/tx-wait.ts): a bounded spin with a short yield, never the
// 1 ms nap that overflowed the RX ring on the far side at line rate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TX_SPINS, TX_YIELD_MS, TxWait } from '../../src/port/tx-wait.js';

test('TxWait spins, then yields for a few microseconds, and never naps a millisecond', () => {
  const naps: number[] = [];
  const w = new TxWait((ms) => naps.push(ms));
  for (let k = 0; k < TX_SPINS * 10; k++) w.wait();
  assert.equal(naps.length, 10, 'one yield per TX_SPINS waits');
  assert.ok(naps.every((ms) => ms === TX_YIELD_MS && ms <= 0.05), `yields ${naps.join(',')} ms`);
  // a real yield: Atomics.wait with a fractional timeout returns (timed out), it does not hang
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const real = new TxWait((ms) => assert.equal(Atomics.wait(cell, 0, 0, ms), 'timed-out'), 2);
  for (let k = 0; k < 10; k++) real.wait();
});
