// The virtio-net driver against real (emulated) devices: runs test/qemu/run-tests.sh, which boots
// one QEMU TCG guest per route (vfio-pci with a vIOMMU, uio_pci_generic modern, uio_pci_generic
// transitional, vfio-pci in no-IOMMU mode) and drives our NICs from Node in the guest (the
// `ringway` CLI and the TS API of this tree). One subtest per guest case, from its "PASS|FAIL route/case ms" line; a route the
// harness could not run here ("SKIP route/all skipped: why") is one skipped subtest.
// Needs root (bind, vfio, raw sockets happen in the guest, but the guest kernel is fetched with
// apt-get download and QEMU's 9p export of / must read everything) and ~4 minutes (226 s measured
// for the four routes on the 2-core host while another QEMU job ran; +~20 s once for vfio.ko).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isRoot, requireTool } from '../lib/skip.js';

export const QEMU_INSTALL = 'apt-get install -y qemu-system-x86 busybox-static kmod cpio';
const script = fileURLToPath(new URL('../../../test/qemu/run-tests.sh', import.meta.url));

interface CaseLine { ok: boolean; name: string; ms: number }
interface SkipLine { name: string; why: string }

/** Parses run-tests.sh output: case lines, skipped routes, and harness-reported failures. */
export function parseRun(out: string): { cases: CaseLine[]; skipped: SkipLine[]; harnessFailures: string[] } {
  const cases: CaseLine[] = [];
  const skipped: SkipLine[] = [];
  const harnessFailures: string[] = [];
  // guest console lines end in \r\n (serial console)
  for (const l of out.split(/\r?\n/).map((s) => s.trimEnd())) {
    const m = /^(PASS|FAIL) (\S+\/\S+) (\d+)ms$/.exec(l);
    const k = /^SKIP (\S+\/\S+) (.*)$/.exec(l);
    if (m) cases.push({ ok: m[1] === 'PASS', name: m[2]!, ms: Number(m[3]) });
    else if (k) skipped.push({ name: k[1]!, why: k[2]! });
    else if (/^FAIL /.test(l)) harnessFailures.push(l);
  }
  return { cases, skipped, harnessFailures };
}

test('parseRun reads case lines and harness failures', () => {
  const r = parseRun('PASS vfio/bind 12ms\r\nFAIL uio/fwd-byte-exact 7000ms\nFAIL uio: guest rc 1 (9 cases ran); log: x\n' +
    'SKIP vfio-noiommu/all skipped: cannot install linux-headers-X: apt-get install -y linux-headers-X\ntotal 9s: FAIL\n');
  assert.deepEqual(r.cases, [{ ok: true, name: 'vfio/bind', ms: 12 }, { ok: false, name: 'uio/fwd-byte-exact', ms: 7000 }]);
  assert.deepEqual(r.skipped, [{ name: 'vfio-noiommu/all', why: 'skipped: cannot install linux-headers-X: apt-get install -y linux-headers-X' }]);
  assert.deepEqual(r.harnessFailures, ['FAIL uio: guest rc 1 (9 cases ran); log: x']);
});

test('virtio-net in QEMU guests, driven from Node', { timeout: 50 * 60_000 }, async (t) => {
  if (!requireTool(t, 'qemu-system-x86_64', QEMU_INSTALL)) return;
  if (!isRoot()) return void t.skip('skipped: needs root (guest kernel download with apt-get, 9p export of /)');
  const t0 = Date.now();
  const { code, out } = await new Promise<{ code: number | null; out: string }>((res, rej) => {
    // the guest runs this very Node (its node-under-test case checks the version)
    const p = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RINGWAY_NODE: process.execPath } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (out += d));
    p.on('error', rej);
    p.on('close', (code) => res({ code, out }));
  });
  t.diagnostic(`run-tests.sh: exit ${code} after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const { cases, skipped, harnessFailures } = parseRun(out);
  for (const c of cases) {
    await t.test(`${c.name} (${c.ms} ms in the guest)`, () => {
      assert.ok(c.ok, `guest case ${c.name} failed; see test/qemu/lab/out/tests-${c.name.split('/')[0]}.log`);
    });
  }
  for (const s of skipped) await t.test(s.name, (st) => void st.skip(s.why));
  const failed = cases.filter((c) => !c.ok).map((c) => c.name);
  assert.ok(cases.length >= 30, `expected every route's cases, got ${cases.length}:\n${out}`);
  assert.deepEqual(failed, [], `failed guest cases: ${failed.join(', ')}`);
  assert.deepEqual(harnessFailures, [], out);
  assert.equal(code, 0, out);
});
