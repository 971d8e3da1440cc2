// A program that opens a pcap TX port and ends without closing it still gets a complete file:
// ports left open by their owner are closed at exit.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('ports left open are closed at exit (pcap file flushed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringway-exit-'));
  try {
    const file = join(dir, 'o.pcap');
    const idx = new URL('../../src/index.js', import.meta.url).pathname;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
      import { Pool, Port } from ${JSON.stringify(idx)};
      const pool = Pool.create({ buffers: 64, hugepages: 'never' });
      const p = Port.open('pcap:tx=${file}', { pool });
      const hs = new Uint32Array(10);
      p.pool.allocBurst(hs, 10);
      for (const h of hs) { p.pool.reset(h); p.pool.setDataLen(h, 60); }
      p.txBurst(0, hs, 10);
      // no close: the process just ends`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const bytes = readFileSync(file);
    assert.equal(bytes.length, 24 + 10 * (16 + 60), 'global header + 10 records, all flushed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('opening and closing ports many times adds one exit listener, not one per cycle', () => {
  const idx = new URL('../../src/index.js', import.meta.url).pathname;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import { Pool, Port } from ${JSON.stringify(idx)};
    const pool = Pool.create({ buffers: 64, hugepages: 'never' });
    const before = process.listenerCount('exit');
    for (let i = 0; i < 50; i++) Port.open('null:size=64', { pool }).close();
    console.log(process.listenerCount('exit') - before);`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '1');
  assert.doesNotMatch(r.stderr, /MaxListenersExceeded/);
});
