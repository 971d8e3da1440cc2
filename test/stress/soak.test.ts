// The CI length of the soak (bench/soak.ts runs >= 1e9): 6e8 packets through four forwarders
// over ring and null ports, 0 lost, 0 leaked, RSS flat. The checks are the bench's (bench/lib/soak.ts).
import test from 'node:test';
import assert from 'node:assert/strict';
import { soak } from '../../bench/lib/soak.js';

test('short soak: 6e8 packets through a four-app ring/null pipeline, 0 lost, 0 leaked, RSS flat', async () => {
  // 6e8: long enough (about 5 s at 115 Mpps) for an RSS tail after the 2 s warm-up on a fast Node
  const r = await soak({ packets: 6e8, queues: 2, rssBoundMiB: 64 });
  const t = r.traffic;
  console.log(`# soak: ${t.forwarded} packets in ${t.seconds.toFixed(1)} s (${(t.forwarded / t.seconds / 1e6).toFixed(2)} Mpps), ` +
    `created ${t.created} = ${t.sunk} sunk + ${t.dropped} dropped + ${t.inRings} in rings, rss ${JSON.stringify(r.rssMiB)}`);
  assert.ok(t.forwarded >= 6e8, `forwarded ${t.forwarded}`);
  assert.equal(t.seeded, t.expectedSeeded, 'every seed was accepted');
  assert.equal(t.unaccounted, 0, 'every packet received was forwarded or counted as dropped');
  assert.ok(t.sunk > 0 && t.created > t.seeded, 'the null chain created and sank packets');
  assert.equal(t.sunk + t.dropped + t.inRings, t.created, 'every created packet was sunk, dropped (counted) or drained from a ring');
  assert.deepEqual(t.pool, { missing: 0, duplicates: 0 });
  assert.equal(r.lost + r.leaked, 0);
  assert.ok(r.ok, r.why.join('; '));
});
