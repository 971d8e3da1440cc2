// The doorbell under the asymmetric barrier (crates/core/src/ring/barrier.rs): publishers check
// the waiters word with a plain load (and on x86-64 publish with a plain store), so the only
// thing between a sleeper and a lost wake-up is the sleeper's membarrier. Ping-pong between two
// workers where every wait ends in the futex makes tens of thousands of publish/sleep races.
import test from 'node:test';
import assert from 'node:assert/strict';
import { RingRegion, ringBarrier } from '../../src/ring/ring.js';
import { runWorker } from '../lib/workers.js';

interface Report { lost: number; slow: number; wrong: number; waits: number }

test('the doorbell barrier mode is fixed and reported', () => {
  // Debian 12's kernel (and any >= 4.14 without a seccomp filter on membarrier) registers it;
  // RINGWAY_RING_BARRIER=seqcst forces the fenced mode.
  const forced = process.env['RINGWAY_RING_BARRIER'] === 'seqcst';
  assert.equal(ringBarrier.mode, forced ? 'seqcst' : 'asymmetric');
  assert.equal(ringBarrier.plainPublish, !forced && process.arch === 'x64');
});

test('ping-pong through sleeping consumers: no wake-up is lost', async () => {
  const ROUNDS = 20_000, TIMEOUT_MS = 2000;
  const a = RingRegion.create(64, 'door-a');
  const b = RingRegion.create(64, 'door-b');
  const t0 = Date.now();
  const [ping, pong] = await Promise.all([
    runWorker<Report>('doorbell-worker', { role: 'ping', sendId: a.id, recvId: b.id, rounds: ROUNDS, timeoutMs: TIMEOUT_MS }),
    runWorker<Report>('doorbell-worker', { role: 'pong', sendId: b.id, recvId: a.id, rounds: ROUNDS, timeoutMs: TIMEOUT_MS }),
  ]);
  const secs = (Date.now() - t0) / 1000;
  console.log(`# ${ROUNDS} round trips in ${secs.toFixed(2)} s, ${ping.waits + pong.waits} waits (spin 0, 10 or 100, then the futex), barrier ${ringBarrier.mode}` +
    ` (plain publish: ${ringBarrier.plainPublish}); timeouts with data present: ${ping.lost + pong.lost}, without: ${ping.slow + pong.slow}`);
  assert.equal(ping.wrong + pong.wrong, 0, 'every reply is the one expected');
  assert.equal(ping.lost + pong.lost, 0, 'a sleeper timed out on an entry that was published: lost wake-up');
  assert.ok(ping.waits + pong.waits > ROUNDS, 'the receivers must wait on most round trips (a third of the waits go straight to the futex: spin 0)');
  a.close();
  b.close();
});
