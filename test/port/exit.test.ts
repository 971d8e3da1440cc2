// A program that opens a pcap TX port and ends without closing it still gets a complete file:
// ports left open by their owner are closed at exit, and when a fatal signal ends the process
// (the case that matters for a uio device, which nothing else would reset: test/qemu's
// signal-resets-device case shows that part on a real device).
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
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

// Runs a child that writes 10 frames to a pcap TX port (in the main thread, or in a worker while
// the main thread holds a null port), prints "ready", then waits; sends it SIGTERM.
async function killedChild(file: string, mode: 'main' | 'worker' | 'handler'): Promise<{ code: number | null; signal: string | null; out: string }> {
  const idx = new URL('../../src/index.js', import.meta.url).pathname;
  const send = `
      const hs = new Uint32Array(10);
      p.pool.allocBurst(hs, 10);
      for (const h of hs) { p.pool.reset(h); p.pool.setDataLen(h, 60); }
      p.txBurst(0, hs, 10);`;
  const src = mode === 'worker' ? `
    import { Pool, Port } from ${JSON.stringify(idx)};
    import { Worker } from 'node:worker_threads';
    const pool = Pool.create({ buffers: 64, hugepages: 'never' });
    Port.open('null:size=64', { pool });
    const w = new Worker(\`
      import { workerData, parentPort } from 'node:worker_threads';
      const { Port } = await import(workerData.idx);
      const p = Port.open('pcap:tx=${file}', { pool: workerData.pool });
      ${send}
      parentPort.postMessage('ready');
      setInterval(() => {}, 1000);\`, { eval: true, workerData: { idx: ${JSON.stringify(idx)}, pool: pool.id } });
    w.once('message', () => console.log('ready'));` : `
    import { Pool, Port } from ${JSON.stringify(idx)};
    const pool = Pool.create({ buffers: 64, hugepages: 'never' });
    const p = Port.open('pcap:tx=${file}', { pool });
    ${send}
    ${mode === 'handler' ? "process.on('SIGTERM', () => { console.log('own handler'); process.exit(7); });" : ''}
    console.log('ready');
    setInterval(() => {}, 1000);`;
  const c = spawn(process.execPath, ['--input-type=module', '-e', src], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  c.stdout.on('data', (d) => (out += d));
  c.stderr.on('data', (d) => (out += d));
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`child never got ready: ${out}`)), 20_000);
    c.stdout.on('data', () => { if (out.includes('ready')) { clearTimeout(t); res(); } });
    c.once('exit', () => { clearTimeout(t); rej(new Error(`child exited early: ${out}`)); });
  });
  c.kill('SIGTERM');
  const [code, signal] = await new Promise<[number | null, string | null]>((res) => c.once('exit', (co, si) => res([co, si])));
  return { code, signal, out };
}

for (const mode of ['main', 'worker'] as const) {
  test(`SIGTERM with no listener of the program's: ports are closed (opened in the ${mode} thread), the process still dies of the signal`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringway-sig-'));
    try {
      const file = join(dir, 'o.pcap');
      const r = await killedChild(file, mode);
      assert.equal(r.signal, 'SIGTERM', `killed by the re-raised signal, not exited (code ${r.code}): ${r.out}`);
      assert.equal(readFileSync(file).length, 24 + 10 * (16 + 60), 'global header + 10 records: the port was closed before dying');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("SIGTERM with the program's own listener: it decides, and its exit closes the ports", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringway-sig-'));
  try {
    const file = join(dir, 'o.pcap');
    const r = await killedChild(file, 'handler');
    assert.equal(r.code, 7, r.out);
    assert.match(r.out, /own handler/);
    assert.equal(readFileSync(file).length, 24 + 10 * (16 + 60));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
