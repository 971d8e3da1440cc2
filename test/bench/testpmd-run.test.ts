// Runs the real dpdk-testpmd briefly, so CI proves the benchmarks' peer works on its machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { TESTPMD_INSTALL, testpmd } from '../../bench/lib/testpmd.js';
import { isRoot, requireTool } from '../lib/skip.js';

test('testpmd() measures net_null io forwarding and cleans up after itself', async (t) => {
  if (!requireTool(t, 'dpdk-testpmd', TESTPMD_INSTALL)) return;
  if (!isRoot()) return void t.skip('skipped: needs root (hugetlbfs mount, /var/run/dpdk)');
  const r = await testpmd({ vdevs: ['net_null0', 'net_null1'], mode: 'io', seconds: 1, warmupSeconds: 1 });
  // Even a contended 2-vCPU VM forwards millions of pps; 0 would mean the parsing broke.
  assert.ok(r.mpps > 1, `mpps=${r.mpps}`);
  assert.equal(r.counted, 'rx');
  assert.ok(r.perInterval.length >= 1);
  const hugeDir = r.command[r.command.indexOf('--huge-dir') + 1];
  if (r.memory === 'hugepages') assert.equal(existsSync(hugeDir as string), false, 'own hugetlbfs unmounted and removed');
  const prefix = r.command[r.command.indexOf('--file-prefix') + 1] as string;
  assert.equal(existsSync(`/var/run/dpdk/${prefix}`), false, 'EAL runtime dir removed');
});
