// pcap port: TX writes a file tshark reads back frame for frame; RX replays it (and loops).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool, PoolView } from '../../src/memory/pool.js';
import { Port } from '../../src/port/port.js';
import { runForwarder } from '../../src/fwd/forwarder.js';
import { requireTool } from '../lib/skip.js';

const TSHARK_INSTALL = 'apt-get install -y tshark';

/** Frame i: dst 02:00:00:00:00:<i>, src 02:00:00:00:01:<i>, ethertype 0x88b5, payload pattern; 60..1514 bytes. */
function frame(i: number): Uint8Array {
  const len = 60 + ((i * 97) % 1455);
  const f = new Uint8Array(len);
  f.set([2, 0, 0, 0, 0, i & 0xff, 2, 0, 0, 0, 1, i & 0xff, 0x88, 0xb5]);
  for (let k = 14; k < len; k++) f[k] = (i * 7 + k) & 0xff;
  return f;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function writeFrames(port: Port, frames: Uint8Array[]): void {
  const v = port.pool;
  const hs = new Uint32Array(frames.length);
  assert.equal(v.allocBurst(hs, frames.length), frames.length);
  frames.forEach((f, i) => {
    const h = hs[i]!;
    v.reset(h);
    v.u8.set(f, v.dataOffset(h));
    v.setDataLen(h, f.length);
  });
  for (let sent = 0; sent < frames.length; ) sent += port.txBurst(0, hs.subarray(sent), frames.length - sent);
}

function readAll(port: Port, max: number): Uint8Array[] {
  const v = port.pool;
  const out: Uint8Array[] = [];
  const hs = new Uint32Array(32);
  for (let n; out.length < max && (n = port.rxBurst(0, hs, Math.min(32, max - out.length))) > 0; ) {
    for (let k = 0; k < n; k++) {
      const o = v.dataOffset(hs[k]!);
      out.push(v.u8.slice(o, o + v.dataLen(hs[k]!)));
    }
    v.freeBurst(hs, n);
  }
  return out;
}

test('pcap TX output is read back by tshark frame for frame; RX replays it, loop=1 repeats it', (t) => {
  if (!requireTool(t, 'tshark', TSHARK_INSTALL)) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-pcap-'));
  const pool = Pool.create({ buffers: 1024, hugepages: 'never' });
  try {
    const file = join(dir, 'out.pcap');
    const frames = Array.from({ length: 200 }, (_, i) => frame(i));
    const tx = Port.open(`pcap:tx=${file}`, { pool });
    writeFrames(tx, frames);
    assert.equal(tx.stats().opackets, 200);
    assert.equal(tx.stats().obytes, frames.reduce((s, f) => s + f.length, 0));
    tx.close(); // flushes the file
    const lines = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'eth.dst', '-e', 'eth.src', '-e', 'data.data'],
      { encoding: 'utf8', env: { ...process.env, HOME: dir } }).trim().split('\n');
    assert.equal(lines.length, 200, 'tshark sees every frame');
    lines.forEach((line, i) => {
      const [len, cap, dst, src, data] = line.split('\t');
      const f = frames[i]!;
      assert.equal(Number(len), f.length, `frame ${i} length`);
      assert.equal(Number(cap), f.length);
      assert.equal(dst, `02:00:00:00:00:${(i & 0xff).toString(16).padStart(2, '0')}`);
      assert.equal(src, `02:00:00:00:01:${(i & 0xff).toString(16).padStart(2, '0')}`);
      assert.equal(data?.replaceAll(':', ''), hex(f.subarray(14)), `frame ${i} payload`);
    });

    const rx = Port.open(`pcap:rx=${file}`, { pool });
    const back = readAll(rx, 1000);
    assert.deepEqual(back.map(hex), frames.map(hex), 'RX replays identical bytes');
    assert.equal(rx.stats().ipackets, 200);
    rx.close();

    const loop = Port.open(`pcap:rx=${file},loop=1`, { pool });
    const three = readAll(loop, 600);
    assert.equal(three.length, 600, 'loop=1 keeps replaying');
    assert.equal(hex(three[450]!), hex(frames[50]!));
    loop.close();
    PoolView.closeThreadViews();
    assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  } finally {
    pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a capture replayed through the forwarder comes out identical (pcap -> fwd -> pcap, tshark)', async (t) => {
  if (!requireTool(t, 'tshark', TSHARK_INSTALL)) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-pcapfwd-'));
  const pool = Pool.create({ buffers: 2048, hugepages: 'never' });
  try {
    const inFile = join(dir, 'in.pcap'), outFile = join(dir, 'out.pcap');
    const frames = Array.from({ length: 500 }, (_, i) => frame(i));
    const w = Port.open(`pcap:tx=${inFile}`, { pool });
    writeFrames(w, frames);
    w.close();
    const r = await runForwarder({ a: `pcap:rx=${inFile}`, b: `pcap:tx=${outFile}`, pool, mode: 'io', durationMs: 1500 });
    assert.equal(r.forwarded, 500);
    assert.equal(r.dropped, 0);
    assert.equal(r.pool.missing, 0);
    const data = (f: string) => execFileSync('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.len', '-e', 'eth.dst', '-e', 'data.data'],
      { encoding: 'utf8', env: { ...process.env, HOME: dir } });
    assert.equal(data(outFile), data(inFile), 'tshark decodes the same frames from both files');
  } finally {
    pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
