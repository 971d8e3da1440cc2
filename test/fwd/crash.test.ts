// Crash and restart: forwarding workers killed with worker.terminate() at random moments mid-burst
// (null ports: every burst allocates and frees; ring ports: handles in flight in rings too), then
// the pool is whole again (reclaim.ts: the dead worker's cache and what it held in its hands), and
// a restarted forwarder on the same pool forwards and ends with exact accounting.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from '../../src/memory/pool.js';
import { runForwarder } from '../../src/fwd/forwarder.js';
import { reclaimLost } from '../../src/memory/reclaim.js';

async function killed(pool: Pool, a: string, b: string, afterMs: number, txFirst: number): Promise<string> {
  try {
    await runForwarder({ pool, a, b, queues: 2, durationMs: 10_000, txFirst, _testKillQueueAfterMs: afterMs });
  } catch (e) {
    const err = e as Error & { code?: string };
    assert.equal(err.code, 'ERR_RINGWAY_WORKER_DIED', String(e));
    return err.message;
  }
  assert.fail('the run should fail when a worker is killed');
}

for (const [name, a, b, txFirst] of [
  ['null ports', 'null:size=64', 'null:size=64', 0],
  ['ring ports (both ends in the forwarder, traffic from tx-first)', 'ring:crash-loop', 'ring:crash-loop', 256],
] as const) {
  test(`workers killed mid-burst on ${name}: every buffer is reclaimed, then a restart forwards`, async () => {
    const pool = Pool.create({ name: 'crash-restart', buffers: 8192, hugepages: 'never' });
    let returned = 0;
    // deterministic spread of kill times: early (first bursts) to well into forwarding
    for (const ms of [5, 37, 120, 251, 400]) {
      const m = await killed(pool, a, b, ms, txFirst);
      assert.match(m, /queue 0 exited with code 1; the other queues were stopped/);
      const got = /the (\d+) buffer\(s\) it held in flight were returned \(pool audit: 0 missing, 0 duplicated\)/.exec(m);
      assert.ok(got, m);
      returned += Number(got[1]);
      const s = pool.stats();
      assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 }, `after a kill at ${ms} ms`);
      assert.equal(s.ringFree + s.cached, s.total);
      assert.equal(s.users, 0, 'no user slot left claimed');
    }
    console.log(`# ${name}: 5 kills, ${returned} in-flight buffers returned by the sweep`);
    // restart on the same pool: it forwards, and stops whole
    const r = await runForwarder({ pool, a, b, queues: 2, durationMs: 400, txFirst });
    assert.ok(r.forwarded > 1000, `the restarted forwarder forwards: ${r.forwarded}`);
    assert.equal(r.pool.missing, 0);
    assert.equal(r.pool.duplicates, 0);
    pool.close();
  });
}

test('reclaimLost refuses while another user of the pool runs (a live burst looks exactly like a lost one)', () => {
  const pool = Pool.create({ name: 'crash-refuse', buffers: 1024, hugepages: 'never' });
  const v = pool.view();
  const hs = new Uint32Array(32);
  assert.equal(v.allocBurst(hs, 32), 32);
  assert.throws(() => reclaimLost(pool), (e: Error & { code?: string }) =>
    e.code === 'ERR_RINGWAY_INVALID_ARGUMENT' && /user slot\(s\) \d+ still claimed; reclaimLost needs every other user/.test(e.message));
  // the thread "dies" holding 32 in its hands and its cache: reclaim the slot, then sweep
  pool.reclaimUser(v.slot);
  assert.equal(pool.audit().missing, 32);
  assert.deepEqual(reclaimLost(pool), { returned: 32, repaired: 0 });
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  pool.close();
});
